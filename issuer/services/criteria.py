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
    definition = definition_of(badge)
    if definition.criterion(criterion_key) is None:
        raise LookupError(
            f"{definition.name} has no criterion {criterion_key!r}; "
            f"its criteria are {', '.join(definition.criterion_keys)}"
        )
    if evidence_url and not evidence_url.startswith(("https://", "http://")):
        raise ValueError(f"evidence must be an http(s) link, got {evidence_url!r}")
    if actor is not None:
        permissions.require(
            permissions.can_manage_pathway(permissions.Principal.of(actor), student.pathway_id),
            f"{actor.email} may not record criteria for {student.pathway.name}",
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
        },
        now=now,
    )
    return result
