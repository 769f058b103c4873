"""OB 3.0 IdentityObject hashing (OB 3.0 §B.1.10): the one definition both sides use."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any


def normalize_email(email: str) -> str:
    return email.strip().lower()


def identity_hash(email: str, salt: str) -> str:
    """``sha256$`` + hex SHA-256 of the (trimmed, lower-cased) email followed by the salt."""
    return "sha256$" + hashlib.sha256((normalize_email(email) + salt).encode("utf-8")).hexdigest()


def email_matches(identifier: Any, email: str) -> bool:
    """True when an IdentityObject names ``email``, hashed or in the clear."""
    if not isinstance(identifier, dict) or identifier.get("identityType") != "emailAddress":
        return False
    recorded = identifier.get("identityHash")
    if not isinstance(recorded, str):
        return False
    if identifier.get("hashed") is True or recorded.startswith(("sha256$", "md5$")):
        salt = identifier.get("salt") or ""
        if not recorded.startswith("sha256$") or not isinstance(salt, str):
            return False  # md5 and unknown schemes are refused: too weak to prove anything
        candidates = {email.strip(), normalize_email(email)}
        expected = recorded.lower()
        return any(
            hmac.compare_digest(
                "sha256$" + hashlib.sha256((candidate + salt).encode("utf-8")).hexdigest(), expected
            )
            for candidate in candidates
        )
    return normalize_email(recorded) == normalize_email(email)
