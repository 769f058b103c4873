"""OB 3.0 IdentityObject hashing (OB 3.0 §B.1.10): the one definition both sides use."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

# OB 3.0 App. B IdentityHash: "sha256$" or "md5$" followed by the hex digest. md5 is weak, but
# the question here is only whether the issuer hashed this address: a match made by someone who
# knows the address tells them nothing new. We issue sha256 only.
IDENTITY_HASHES = {"sha256": hashlib.sha256, "md5": hashlib.md5}


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
    if identifier.get("hashed") is True or recorded.startswith(
        tuple(f"{name}$" for name in IDENTITY_HASHES)
    ):
        salt = identifier.get("salt") or ""
        scheme = recorded.split("$", 1)[0].lower()
        if scheme not in IDENTITY_HASHES or not isinstance(salt, str):
            return False  # unknown schemes prove nothing
        candidates = {email.strip(), normalize_email(email)}
        expected = recorded.lower()
        return any(
            hmac.compare_digest(
                f"{scheme}$" + IDENTITY_HASHES[scheme]((candidate + salt).encode()).hexdigest(),
                expected,
            )
            for candidate in candidates
        )
    return normalize_email(recorded) == normalize_email(email)
