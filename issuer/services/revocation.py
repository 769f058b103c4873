"""Revoke an award: its bit in the status list is set and the reason is kept.

The caller then re-publishes the signed status list (``status_lists.refresh``) in the same
transaction, so the revocation is visible to verifiers as soon as it commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from issuer import notifications, permissions
from issuer.models import Award, User
from issuer.services import audit, status_lists


class AlreadyRevoked(ValueError):
    """The award was revoked before; the first reason stands."""


def revoke(
    session: Session, *, award: Award, reason: str, actor: User | None, now: datetime
) -> Award:
    """Revoke ``award`` for ``reason`` (required; ``actor`` None: the command line)."""
    reason = reason.strip()
    if not reason:
        raise ValueError("a revocation needs a reason")
    if actor is not None:
        permissions.require(
            permissions.can_manage_pathway(
                permissions.Principal.of(actor), award.student.pathway_id
            ),
            f"{actor.email} may not revoke badges of {award.student.pathway.name}",
        )
    if award.revoked_at is not None:
        raise AlreadyRevoked(
            f"{award.credential_id} was already revoked on {award.revoked_at.date()}: "
            f"{award.revocation_reason}"
        )
    status_lists.set_bit(
        session, status_lists.Slot(award.status_list_id, award.status_list_index), now=now
    )
    award.revoked_at, award.revocation_reason = now, reason
    award.revoked_by_id = actor.id if actor is not None else None
    audit.record(
        session,
        actor,
        audit.AWARD_REVOKED,
        award,
        {
            "reason": reason,
            "status_list_id": award.status_list_id,
            "status_list_index": award.status_list_index,
        },
        now=now,
    )
    session.flush()
    notifications.queue_award_revoked(session, award, now=now)
    return award
