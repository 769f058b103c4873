"""The ``recipient`` check: the email address a person gives matches one of the subject's
identifiers (OB 3.0 App. B IdentityObject, hashed or not; ``verifier.recipient``)."""

from __future__ import annotations

from typing import Any

from verifier.checks.common import Checks, as_list
from verifier.recipient import email_matches


def check_recipient(credential: dict[str, Any], email: str | None, checks: Checks) -> None:
    """``recipient``: skipped without ``email``; passed when an identifier matches it."""
    if not email:
        checks.add(
            "recipient", "skipped", "No email address was given to check the recipient against"
        )
        return
    subject = credential.get("credentialSubject")
    identifiers = as_list(subject.get("identifier")) if isinstance(subject, dict) else []
    if any(email_matches(identifier, email) for identifier in identifiers):
        checks.add("recipient", "passed", "The credential was awarded to this email address")
    else:
        checks.add("recipient", "failed", "The credential was not awarded to this email address")
