"""The append-only audit log: every issue, revoke, criterion change and certification change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, inspect, or_, select
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
        student_id=student_of(subject),
    )
    session.add(event)
    return event


# -- reading the log (admin-cohort) -------------------------------------------------------------
@dataclass(frozen=True)
class AuditFilter:
    """What an audit page asks for. ``pathway_ids`` None: every event (the Alliance);
    otherwise only events about those pathways and their current students, applied before
    any other condition. Days are inclusive, in UTC."""

    pathway_ids: frozenset[int] | None
    action: str = ""
    student_id: int | None = None
    since: date | None = None
    until: date | None = None


def _scoped(query: Select[Any], scope: AuditFilter) -> Select[Any]:
    if scope.pathway_ids is not None:
        students = select(Student.id).where(Student.pathway_id.in_(scope.pathway_ids))
        query = query.where(
            or_(
                AuditEvent.student_id.in_(students),
                and_(
                    AuditEvent.subject_type == "pathways",
                    AuditEvent.subject_id.in_([str(i) for i in scope.pathway_ids]),
                ),
            )
        )
    if scope.action:
        query = query.where(AuditEvent.action == scope.action)
    if scope.student_id is not None:
        query = query.where(AuditEvent.student_id == scope.student_id)
    if scope.since is not None:
        query = query.where(AuditEvent.at >= datetime.combine(scope.since, time(), UTC))
    if scope.until is not None:
        end = datetime.combine(scope.until, time(), UTC) + timedelta(days=1)
        query = query.where(AuditEvent.at < end)
    return query


def find_events(
    session: Session, scope: AuditFilter, *, offset: int = 0, limit: int = 50
) -> tuple[list[AuditEvent], int]:
    """One page of events, newest first, and how many match in all."""
    total = session.scalar(_scoped(select(func.count(AuditEvent.id)), scope)) or 0
    events = session.scalars(
        _scoped(select(AuditEvent), scope)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(events), total


def actions(session: Session) -> list[str]:
    """Every action name in the log, for the filter's choices."""
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))
