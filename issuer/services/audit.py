"""The append-only audit log: every issue, revoke, criterion change and certification change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from issuer.models import AuditEvent, Award, Base, CriterionResult, Student, User

COMMAND_LINE = "command line"  # the actor label when no user is signed in (flask commands)

AWARD_ISSUED = "award.issued"
AWARD_REVOKED = "award.revoked"
CRITERION_RECORDED = "criterion.recorded"
CERTIFICATION_RECORDED = "certification.recorded"
STUDENT_CREATED = "student.created"
STUDENT_UPDATED = "student.updated"
USER_CREATED = "user.created"
BADGE_DEFINITION_LOADED = "badge_definition.loaded"


def subject_key(subject: Base) -> tuple[str, str]:
    """(table name, id) naming a record in the log; awards are named by their credential id."""
    if isinstance(subject, Award):
        return "awards", subject.credential_id
    identity = inspect(subject).identity
    if identity is None:
        raise ValueError(f"{subject!r} has no id yet: flush it before recording an event")
    return subject.__tablename__, ",".join(str(part) for part in identity)


def student_of(subject: Base) -> int | None:
    """The id of the student an event about ``subject`` concerns, if any."""
    if isinstance(subject, Student):
        return subject.id
    if isinstance(subject, Award):
        return subject.student_id if subject.student_id is not None else subject.student.id
    if isinstance(subject, CriterionResult):
        return subject.student_id
    return None


def record(
    session: Session,
    actor: User | None,
    action: str,
    subject: Base,
    details: dict[str, Any],
    *,
    now: datetime,
) -> AuditEvent:
    """Add one event to the session (``actor`` None: the command line)."""
    subject_type, subject_id = subject_key(subject)
    event = AuditEvent(
        at=now,
        actor_id=actor.id if actor is not None else None,
        actor_label=actor.email if actor is not None else COMMAND_LINE,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        details=details,
        student_id=student_of(subject),
    )
    session.add(event)
    return event
