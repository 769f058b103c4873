"""A signing key reported compromised: the record, the awards it signed, the audit event.

The key store marks the key revoked (``keys.store.KeyStore.revoke``) and the DID document
stops listing it for assertion (``keys.did.mark_revoked``); this service records the same
fact in the database, so the admin pages can show which awards need issuing again.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.models import Award, KeyCompromise, User
from issuer.services import audit

KEY_REVOKED = "key.revoked"


@dataclass
class CompromiseReport:
    compromise: KeyCompromise
    signed: list[Award] = field(default_factory=list)  # every award the key signed

    @property
    def to_reissue(self) -> list[Award]:
        """Signed at or after the compromise time: verifiers refuse them."""
        return [award for award in self.signed if award.needs_reissue]


def _jwt_kid(token: str) -> Any:
    try:
        header = token.split(".", 1)[0]
        return json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4))).get("kid")
    except (ValueError, AttributeError):
        return None


def _proof_methods(credential: dict[str, Any]) -> Iterable[Any]:
    proofs = credential.get("proof")
    for proof in proofs if isinstance(proofs, list) else [proofs]:
        if isinstance(proof, dict):
            yield proof.get("verificationMethod")


def signed_by(award: Award, method_ids: set[str]) -> bool:
    """The award's JSON-LD proof or its JWT names one of ``method_ids``."""
    return _jwt_kid(award.credential_jwt) in method_ids or any(
        method in method_ids for method in _proof_methods(award.credential_json)
    )


def record_compromise(
    session: Session,
    *,
    key_id: str,
    key_type: str,
    method_ids: set[str],
    compromised_at: datetime,
    actor: User | None,
    now: datetime,
) -> CompromiseReport:
    """Record that ``key_id`` (its verification method id) is compromised from
    ``compromised_at``, mark every award whose proof or JWT names one of ``method_ids`` (the
    key's verification methods), and audit it. Raises ValueError if already recorded."""
    if session.scalar(select(KeyCompromise).where(KeyCompromise.key_id == key_id)) is not None:
        raise ValueError(f"{key_id} was already reported compromised")
    compromise = KeyCompromise(
        key_id=key_id, key_type=key_type, compromised_at=compromised_at, recorded_at=now
    )
    session.add(compromise)
    session.flush()
    report = CompromiseReport(compromise)
    for award in session.scalars(select(Award).order_by(Award.id)).yield_per(200):
        if signed_by(award, method_ids):
            award.signing_key_compromise = compromise
            report.signed.append(award)
    session.flush()
    audit.record(
        session,
        actor,
        KEY_REVOKED,
        compromise,
        {
            "key_id": key_id,
            "compromised_at": compromised_at.isoformat(),
            "awards_signed": len(report.signed),
            "awards_to_reissue": [award.credential_id for award in report.to_reissue],
        },
        now=now,
    )
    return report
