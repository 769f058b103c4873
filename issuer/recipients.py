"""Recipient identity: how a student's email is normalised and salted.

The hash itself is computed where the credential is built
(``issuer.credential_builder.hashed_email``); this module gives each student the random salt
that makes their hash unlinkable across credentials of other students, and the one normal form
in which emails are stored and compared.
"""

from __future__ import annotations

import secrets


def normalise_email(email: str) -> str:
    """Trimmed and lower-cased: the form stored, looked up and hashed."""
    return email.strip().lower()


def new_identity_salt() -> str:
    """A fresh random salt (128 bits, hex)."""
    return secrets.token_hex(16)
