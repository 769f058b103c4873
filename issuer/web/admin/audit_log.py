"""The audit log, read: who did what and when, in the reader's scope (a pathway admin: their
pathways and their students; the Alliance: everything), filterable by action, student and
date, paginated, and exported as CSV with the same filters."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from flask import abort, render_template, request
from sqlalchemy import select
from werkzeug.wrappers import Response

from issuer import csv_files
from issuer.database import get_session
from issuer.models import Pathway, Role, Student
from issuer.recipients import normalise_email
from issuer.services import audit
from issuer.web.admin import access, bp, queries
from issuer.web.admin.roster import csv_response
from verifier.verdict import plain_date

PAGE_SIZE = 50
MAX_EXPORT = 50_000
ACTION_NAMES = {
    "award.issued": "Issued a badge",
    "award.revoked": "Revoked a badge",
    "criterion.recorded": "Recorded a criterion",
    "certification.recorded": "Recorded a certification",
    "student.created": "Added a student",
    "student.updated": "Changed a student",
    "user.created": "Created a user",
    "badge_definition.loaded": "Loaded a badge definition",
}


def _day(name: str, errors: list[str]) -> date | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(f"Give the {'first' if name == 'since' else 'last'} day as 2026-09-01.")
        return None


def _request_filter() -> tuple[audit.AuditFilter, dict[str, Any]]:
    """The filter from the query string, the scope applied first: a pathway the user does not
    manage is 404; a student is looked up among the scope's students only."""
    db = get_session()
    principal = access.principal()
    visible = queries.visible_pathways(db, principal)
    slug = request.args.get("pathway", "")
    if slug:
        pathway_ids: frozenset[int] | None = frozenset({access.managed_pathway(slug).id})
    elif principal.role == "alliance_admin":
        pathway_ids = None
    else:
        pathway_ids = frozenset(p.id for p in visible)
    errors: list[str] = []
    student_ref = request.args.get("student", "").strip()
    student_id = None
    if student_ref:
        query = select(Student.id).where(
            Student.id == int(student_ref)
            if student_ref.isdigit()
            else Student.email == normalise_email(student_ref)
        )
        if pathway_ids is not None:
            query = query.where(Student.pathway_id.in_(pathway_ids))
        student_id = db.scalar(query)
        if student_id is None:
            errors.append("No student with that email or id in these pathways.")
            student_id = -1  # matches nothing
    scope = audit.AuditFilter(
        pathway_ids=pathway_ids,
        action=request.args.get("action", "").strip()[:64],
        student_id=student_id,
        since=_day("since", errors),
        until=_day("until", errors),
    )
    return scope, {"errors": errors, "pathways": visible, "pathway": slug, "student": student_ref}


def _students(events: list[Any], scope: audit.AuditFilter) -> dict[int, Student]:
    ids = {e.student_id for e in events} - {None}
    query = select(Student).where(Student.id.in_(ids))
    if scope.pathway_ids is not None:
        query = query.where(Student.pathway_id.in_(scope.pathway_ids))
    return {s.id: s for s in get_session().scalars(query)}


def _in_words(value: Any) -> str | None:
    """A stored ISO date or instant ("2026-11-30", "2026-11-30T02:00:00+00:00") in words, as
    every page shows dates; None when there is none, the text itself when it is no date."""
    if not value:
        return None
    try:
        return plain_date(date.fromisoformat(str(value)[:10]))
    except ValueError:
        return str(value)


def _summary(event: Any) -> str:
    """The event's details in a few words (ids and flags stay in the CSV export)."""
    d = event.details or {}
    if event.action == "criterion.recorded":
        return f"{d.get('criterion')}: {'met' if d.get('met') else 'not met'}"
    if event.action == "award.revoked":
        return f"reason: {d.get('reason')}"
    if event.action == "award.issued":
        return f"{d.get('badge')}, valid until {_in_words(d.get('valid_until')) or 'no end'}"
    if event.action == "student.updated":
        return "changed " + ", ".join(sorted((d.get("changes") or {}).keys()))
    if event.action == "certification.recorded":
        return f"{d.get('level')} from {_in_words(d.get('awarded_on'))}"
    if event.action == "student.created":
        return f"graduates {d.get('graduation_year')}"
    return ""


@bp.get("/audit")
@access.roles(*access.MANAGERS)
def audit_log() -> str:
    scope, extra = _request_filter()
    page = request.args.get("page", "1")
    number = int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1
    db = get_session()
    events, total = audit.find_events(db, scope, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    pathways = {str(p.id): p.name for p in db.scalars(select(Pathway))}
    return render_template(
        "admin/audit.html",
        events=events,
        total=total,
        page=number,
        pages=max(1, -(-total // PAGE_SIZE)),
        students=_students(events, scope),
        pathway_names=pathways
        if access.user().role is Role.ALLIANCE_ADMIN
        else {str(p.id): p.name for p in extra["pathways"]},
        summary=_summary,
        names=ACTION_NAMES,
        actions=audit.actions(db),
        action=scope.action,
        since=request.args.get("since", ""),
        until=request.args.get("until", ""),
        **extra,
    )


@bp.get("/audit.csv")
@access.roles(*access.MANAGERS)
def audit_export() -> Response:
    scope, extra = _request_filter()
    if extra["errors"]:
        abort(400, description=" ".join(extra["errors"]))
    events, _ = audit.find_events(get_session(), scope, limit=MAX_EXPORT)
    students = _students(events, scope)
    header = ("at", "actor", "action", "student_id", "student", "subject_type", "subject_id",
              "details")  # fmt: skip
    rows = [
        (
            e.at.isoformat(),
            e.actor_label,
            e.action,
            e.student_id or "",
            students[e.student_id].name if e.student_id in students else "",
            e.subject_type,
            e.subject_id,
            json.dumps(e.details, ensure_ascii=False, sort_keys=True),
        )
        for e in events
    ]
    return csv_response(csv_files.to_csv(header, rows), "audit-log.csv")
