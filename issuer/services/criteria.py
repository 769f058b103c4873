"""Record whether a student met a badge criterion (the latest decision counts; every
decision is in the audit log)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer import permissions
from issuer.models import BadgeDefinitionRecord, CriterionResult, Student, User
from issuer.services import audit
from issuer.services.badges import definition_of


def record_result(
    session: Session,
    *,
    student: Student,
    badge: BadgeDefinitionRecord,
    criterion_key: str,
    met: bool,
    actor: User | None,
    now: datetime,
    evidence_url: str | None = None,
    note: str | None = None,
) -> CriterionResult:
    """Record (or change) one result. Raises ``LookupError`` for a criterion the badge does not
    have, ``ValueError`` for evidence that is not an http(s) link and
    :class:`permissions.PermissionDenied` when ``actor`` may not record this criterion
    (see :func:`permissions.can_record_criterion`; ``actor`` None: the command line)."""
    definition = definition_of(badge)
    if definition.criterion(criterion_key) is None:
        raise LookupError(
            f"{definition.name} has no criterion {criterion_key!r}; "
            f"its criteria are {', '.join(definition.criterion_keys)}"
        )
    if evidence_url and not evidence_url.startswith(("https://", "http://")):
        raise ValueError(f"evidence must be an http(s) link, got {evidence_url!r}")
    criterion = definition.criterion(criterion_key)
    assert criterion is not None  # checked above
    if actor is not None:
        permissions.require(
            permissions.can_record_criterion(
                permissions.Principal.of(actor),
                pathway_id=student.pathway_id,
                employer_id=badge.employer_id,
                employer_assessed=criterion.employer_assessed,
            ),
            f"“{criterion.title}” is assessed by {definition.employer.name}: its partners record it"
            if criterion.employer_assessed
            else f"{actor.email} may not record criteria for {student.pathway.name}",
        )
    result = session.scalar(
        select(CriterionResult).where(
            CriterionResult.student_id == student.id,
            CriterionResult.badge_id == badge.id,
            CriterionResult.criterion_key == criterion_key,
        )
    )
    previous = None if result is None else result.met
    if result is None:
        result = CriterionResult(
            student_id=student.id, badge_id=badge.id, criterion_key=criterion_key
        )
        session.add(result)
    result.met, result.evidence_url, result.note = met, evidence_url, note
    result.recorded_by_id = actor.id if actor is not None else None
    result.recorded_at = now
    # the employer is the assessor of its criteria, also when entered from the command line
    result.assessed_by_organisation_id = badge.employer_id if criterion.employer_assessed else None
    session.flush()
    audit.record(
        session,
        actor,
        audit.CRITERION_RECORDED,
        result,
        {
            "student_id": student.id,
            "badge": badge.slug,
            "criterion": criterion_key,
            "met": met,
            "previously_met": previous,
            "evidence_url": evidence_url,
            "assessed_by": criterion.assessed_by,
        },
        now=now,
    )
    return result


def record_grid(
    session: Session,
    *,
    badge: BadgeDefinitionRecord,
    cells: dict[tuple[Student, str], bool],
    actor: User,
    now: datetime,
    evidence_urls: dict[str, str] | None = None,
    notes: dict[str, str] | None = None,
) -> int:
    """Record many results at once (the criteria grid): ``cells`` maps (student, criterion
    key) to met. A cell whose recorded result already says the same is left alone, so
    re-sending the grid writes nothing twice. ``evidence_urls`` and ``notes`` (by criterion
    key) go with every cell of that criterion that changes. Returns how many results were
    recorded; raises as :func:`record_result` (nothing is flushed before every check passed
    for the cell concerned: the caller rolls back on an exception)."""
    evidence_urls, notes = evidence_urls or {}, notes or {}
    ids = {student.id for student, _ in cells}
    current = {
        (r.student_id, r.criterion_key): r
        for r in session.scalars(
            select(CriterionResult).where(
                CriterionResult.badge_id == badge.id, CriterionResult.student_id.in_(ids)
            )
        )
    }
    written = 0
    for (student, key), met in cells.items():
        before = current.get((student.id, key))
        if before is not None and before.met == met and not evidence_urls.get(key):
            continue
        record_result(
            session,
            student=student,
            badge=badge,
            criterion_key=key,
            met=met,
            actor=actor,
            now=now,
            evidence_url=evidence_urls.get(key) or (before.evidence_url if before else None),
            note=notes.get(key) or (before.note if before else None),
        )
        written += 1
    return written
