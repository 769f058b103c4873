"""The append-only audit log: every issue, revoke, criterion change and certification change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from issuer.models import AuditEvent, Award, Base, User

COMMAND_LINE = "command line"  # the actor label when no user is signed in (flask commands)

AWARD_ISSUED = "award.issued"
AWARD_REVOKED = "award.revoked"
CRITERION_RECORDED = "criterion.recorded"
CERTIFICATION_RECORDED = "certification.recorded"
STUDENT_CREATED = "student.created"
USER_CREATED = "user.created"
BADGE_DEFINITION_LOADED = "badge_definition.loaded"
# student-wallets: the student's own choices, and deliveries to wallets
STUDENT_NAME_CONSENT_CHANGED = "student.name_consent_changed"
AWARD_PUBLIC_PAGE_CHANGED = "award.public_page_changed"
AWARD_ADDED_TO_WALLET = "award.added_to_wallet"


def student_label(student_id: int) -> str:
    """The actor label of a student acting on their own records (students are not users)."""
    return f"student {student_id}"


def subject_key(subject: Base) -> tuple[str, str]:
    """(table name, id) naming a record in the log; awards are named by their credential id."""
    if isinstance(subject, Award):
        return "awards", subject.credential_id
    identity = inspect(subject).identity
    if identity is None:
        raise ValueError(f"{subject!r} has no id yet: flush it before recording an event")
    return subject.__tablename__, ",".join(str(part) for part in identity)


def record(
    session: Session,
    actor: User | None,
    action: str,
    subject: Base,
    details: dict[str, Any],
    *,
    now: datetime,
    actor_label: str | None = None,
) -> AuditEvent:
    """Add one event to the session (``actor`` None: the command line, unless ``actor_label``
    names who acted, e.g. :func:`student_label` or a wallet)."""
    subject_type, subject_id = subject_key(subject)
    event = AuditEvent(
        at=now,
        actor_id=actor.id if actor is not None else None,
        actor_label=actor.email if actor is not None else (actor_label or COMMAND_LINE),
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        details=details,
    )
    session.add(event)
    return event
