"""A pathway's dashboard and its students: record criteria, issue, re-issue."""

from __future__ import annotations

import re
import secrets
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for

from issuer import permissions
from issuer.database import get_session
from issuer.models import BadgeDefinitionRecord, Pathway, Student
from issuer.services import criteria, issuance
from issuer.services.badges import definition_of
from issuer.web.admin import access, bp, context, queries

_ISSUE_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _badge_for(pathway: Pathway, slug: str | None) -> BadgeDefinitionRecord:
    """The badge named by ``slug``, else the first badge of the pathway's sector."""
    if slug:
        return access.badge(slug)
    badges = queries.badges_for_sector(get_session(), pathway.sector)
    if not badges:
        abort(404, description=f"No badge is open to {pathway.sector} pathways yet.")
    return badges[0]


@bp.get("/pathways/<slug>")
@access.roles(*access.MANAGERS)
def pathway_dashboard(slug: str) -> str:
    """Who is ready and why the others are not (with links to the fix), the criteria
    progress and the awards. A pathway whose sector has no badge yet still gets its page."""
    db = get_session()
    pathway = access.managed_pathway(slug)
    badges = queries.badges_for_sector(db, pathway.sector)
    now = context.now()
    flag = queries.certification_flag(pathway, now.date())
    if not badges and not request.args.get("badge"):
        return render_template("admin/pathway.html", pathway=pathway, badge=None, flag=flag)
    badge = _badge_for(pathway, request.args.get("badge"))
    rows = [row for row in queries.pathway_grid(db, pathway, badge, now) if row.student.active]
    return render_template(
        "admin/pathway.html",
        pathway=pathway,
        badge=badge,
        definition=definition_of(badge),
        badges=badges,
        rows=rows,
        awards=queries.awards_of_badge(db, badge, pathway),
        eligible=[row for row in rows if row.eligibility.eligible],
        readiness=queries.readiness(rows),
        flag=flag,
        now=now,
        status=queries.award_status,
        issue_token=secrets.token_urlsafe(24),
    )


def _student_page(
    pathway: Pathway,
    student: Student,
    badge: BadgeDefinitionRecord,
    *,
    status: int = 200,
    **extra: Any,
) -> tuple[str, int]:
    """The student's page; ``extra`` carries a refused form's values and messages."""
    db = get_session()
    now = context.now()
    row = next(
        r for r in queries.pathway_grid(db, pathway, badge, now) if r.student.id == student.id
    )
    extra.setdefault("form", {})
    return render_template(
        "admin/student.html",
        pathway=pathway,
        student=student,
        badge=badge,
        definition=definition_of(badge),
        row=row,
        now=now,
        status=queries.award_status,
        issue_token=secrets.token_urlsafe(24),
        **extra,
    ), status


@bp.get("/pathways/<slug>/students/<int:student_id>")
@access.roles(*access.MANAGERS)
def student_page(slug: str, student_id: int) -> tuple[str, int]:
    pathway = access.managed_pathway(slug)
    student = access.managed_student(pathway, student_id)
    return _student_page(pathway, student, _badge_for(pathway, request.args.get("badge")))


@bp.post("/pathways/<slug>/students/<int:student_id>/criteria")
@access.roles(*access.MANAGERS)
def record_criterion(slug: str, student_id: int) -> Any:
    pathway = access.managed_pathway(slug)
    student = access.managed_student(pathway, student_id)
    badge = _badge_for(pathway, request.form.get("badge"))
    form = {
        key: request.form.get(key, "").strip()
        for key in ("criterion", "met", "evidence_url", "note")
    }
    errors = []
    if definition_of(badge).criterion(form["criterion"]) is None:
        errors.append("Choose one of the badge's criteria.")
    if form["met"] not in ("yes", "no"):
        errors.append("Choose “met” or “not met”.")
    if form["evidence_url"] and not form["evidence_url"].startswith(("https://", "http://")):
        errors.append("The evidence link must start with https:// (or http://).")
    if len(form["evidence_url"]) > 1000:
        errors.append("The evidence link is too long (at most 1000 characters).")
    if errors:
        return _student_page(pathway, student, badge, status=422, form=form, form_errors=errors)
    db = get_session()
    try:
        criteria.record_result(
            db,
            student=student,
            badge=badge,
            criterion_key=form["criterion"],
            met=form["met"] == "yes",
            evidence_url=form["evidence_url"] or None,
            note=form["note"] or None,
            actor=access.user(),
            now=context.now(),
        )
    except (LookupError, ValueError, permissions.PermissionDenied) as exc:
        db.rollback()
        return _student_page(pathway, student, badge, status=422, form=form, form_errors=[str(exc)])
    db.commit()
    title = definition_of(badge).criterion(form["criterion"]).title
    flash(
        f"Recorded “{title}” as {'met' if form['met'] == 'yes' else 'not met'} for {student.name}.",
        "success",
    )
    return redirect(
        url_for("admin.student_page", slug=slug, student_id=student.id, badge=badge.slug)
    )


@bp.post("/pathways/<slug>/students/<int:student_id>/issue")
@access.roles(*access.MANAGERS)
def issue(slug: str, student_id: int) -> Any:
    """Issue (or, after expiry or revocation, issue again). The form's one-time token is the
    idempotency key, so a double-click or a resent form issues once."""
    pathway = access.managed_pathway(slug)
    student = access.managed_student(pathway, student_id)
    badge = _badge_for(pathway, request.form.get("badge"))
    token = request.form.get("issue_token", "")
    if not _ISSUE_TOKEN.match(token):
        abort(400, description="The issue form is incomplete; reload the page and try again.")
    db = get_session()
    try:
        award = issuance.issue_badge(
            db,
            student=student,
            badge=badge,
            actor=access.user(),
            signer=context.signer(),
            site=context.site(),
            now=context.now(),
            idempotency_key=f"web:{token}",
        )
    except issuance.NotEligible as exc:
        db.rollback()
        return _student_page(pathway, student, badge, status=422, refusals=exc.result.messages)
    except (issuance.IdempotencyConflict, permissions.PermissionDenied) as exc:
        db.rollback()
        return _student_page(pathway, student, badge, status=422, refusals=[str(exc)])
    db.commit()
    flash(f"Issued the {badge.name} to {student.name} ({award.credential_id}).", "success")
    return redirect(
        url_for("admin.student_page", slug=slug, student_id=student.id, badge=badge.slug)
    )
