"""Build an unsigned OB 3.0 AchievementCredential on VC Data Model 2.0 (pure: values in, dict out)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from verifier.recipient import identity_hash

CREDENTIAL_CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    # defines 1EdTechJsonSchemaValidator2019, the credentialSchema type OB 3.0 uses
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
]
ACHIEVEMENT_CREDENTIAL_SCHEMA = {
    "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
    "type": "1EdTechJsonSchemaValidator2019",
}


def timestamp(moment: datetime) -> str:
    """An XML Schema dateTimeStamp in UTC with second precision, e.g. ``2026-11-23T16:00:00Z``."""
    if moment.tzinfo is None:
        raise ValueError("credential timestamps need a time zone")
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def build_achievement_credential(
    *,
    credential_id: str,
    issuer: dict[str, Any],
    recipient_email: str,
    recipient_salt: str,
    achievement: dict[str, Any],
    valid_from: datetime,
    valid_until: datetime | None = None,
    evidence: Sequence[dict[str, Any]] = (),
    credential_status: dict[str, Any] | None = None,
    name: str | None = None,
    description: str | None = None,
    image: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An OB 3.0 AchievementCredential whose subject is identified only by a salted email hash.

    The email itself never enters the credential (students are mostly minors); a verifier who
    knows the address can check it against ``identityHash`` with the published salt.
    """
    if not credential_id.startswith("urn:uuid:"):
        raise ValueError("credential ids are urn:uuid URNs")
    if valid_until is not None and valid_until <= valid_from:
        raise ValueError("validUntil must be after validFrom")
    credential: dict[str, Any] = {
        "@context": list(CREDENTIAL_CONTEXTS),
        "id": credential_id,
        "type": ["VerifiableCredential", "AchievementCredential"],
        "name": name or achievement["name"],
        "issuer": issuer,
        "validFrom": timestamp(valid_from),
    }
    if description:
        credential["description"] = description
    if image:
        credential["image"] = image
    if valid_until is not None:
        credential["validUntil"] = timestamp(valid_until)
    credential["credentialSubject"] = {
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityHash": identity_hash(recipient_email, recipient_salt),
                "identityType": "emailAddress",
                "hashed": True,
                "salt": recipient_salt,
            }
        ],
        "achievement": achievement,
    }
    if evidence:
        credential["evidence"] = [{"type": ["Evidence"], **item} for item in evidence]
    if credential_status is not None:
        credential["credentialStatus"] = credential_status
    credential["credentialSchema"] = [dict(ACHIEVEMENT_CREDENTIAL_SCHEMA)]
    return credential
