"""Criteria at cohort scale: one grid per pathway and badge (students by criteria) where a
whole column or row is marked met with one button, cells are ticked in one form, and a
results CSV is previewed then recorded. Works without JavaScript.

Who edits which column follows ``permissions.can_record_criterion``: the school's staff the
school-assessed criteria, the employer's partners the employer-assessed ones; each sees the
other's columns read-only. The results CSV (export and upload) is for the school's staff only:
it carries students' emails, which partners do not need to assess in person."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from badge_definitions import BadgeDefinition
from issuer import csv_files, permissions
from issuer.database import get_session
from issuer.models import BadgeDefinitionRecord, Pathway, Role, Student
from issuer.services import criteria
from issuer.services.badges import definition_of
from issuer.web.admin import access, bp, bulk, context, csv_preview, queries
from issuer.web.admin.roster import csv_response

GRID_ROLES = (*access.MANAGERS, Role.EMPLOYER_PARTNER)
MAX_NOTE = 2000


def _badge(pathway_sector: str, slug: str | None) -> BadgeDefinitionRecord:
    if slug:
        return access.badge(slug)
    badges = queries.badges_for_sector(get_session(), pathway_sector)
    if not badges:
        abort(404, description=f"No badge is open to {pathway_sector} pathways yet.")
    return badges[0]


def _place(slug: str, badge_slug: str | None) -> tuple[Pathway, BadgeDefinitionRecord]:
    """The pathway (checked against the user's scope first) and the badge."""
    user = access.user()
    if user.role is Role.EMPLOYER_PARTNER:
        if badge_slug:
            record = access.badge(badge_slug)
        else:  # the first badge their organisation backs
            record = get_session().scalar(
                select(BadgeDefinitionRecord)
                .where(BadgeDefinitionRecord.employer_id == user.organisation_id)
                .order_by(BadgeDefinitionRecord.name)
            )
            if record is None:
                abort(404, description=access.NOT_YOURS)
        return access.assessing_pathway(slug, record), record
    pathway = access.managed_pathway(slug)
    return pathway, _badge(pathway.sector, badge_slug)


def editable_keys(
    definition: BadgeDefinition, record: BadgeDefinitionRecord, pathway: Pathway
) -> set[str]:
    """The criteria the signed-in user records on this grid."""
    principal = access.principal()
    return {
        c.key
        for c in definition.criteria
        if permissions.can_record_criterion(
            principal,
            pathway_id=pathway.id,
            employer_id=record.employer_id,
            employer_assessed=c.employer_assessed,
        )
    }


def _page(
    pathway: Pathway,
    record: BadgeDefinitionRecord,
    *,
    errors: list[str] | None = None,
    upload_error: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    definition = definition_of(record)
    rows = [
        row
        for row in queries.pathway_grid(get_session(), pathway, record, context.now())
        if row.student.active
    ]
    return render_template(
        "admin/grid.html",
        pathway=pathway,
        badge=record,
        definition=definition,
        rows=rows,
        editable=editable_keys(definition, record, pathway),
        errors=errors or [],
        upload_error=upload_error,
    ), status


@bp.get("/pathways/<slug>/criteria")
@access.roles(*GRID_ROLES)
def criteria_grid(slug: str) -> tuple[str, int]:
    pathway, record = _place(slug, request.args.get("badge"))
    return _page(pathway, record)


@bp.post("/pathways/<slug>/criteria")
@access.roles(*GRID_ROLES)
def save_criteria_grid(slug: str) -> Any:
    """Save every ticked / unticked cell, then the column or row whose "mark all met" button
    was pressed. An unticked cell that was never recorded stays unrecorded."""
    pathway, record = _place(slug, request.form.get("badge"))
    definition = definition_of(record)
    editable = editable_keys(definition, record, pathway)
    db = get_session()
    now = context.now()
    rows = [r for r in queries.pathway_grid(db, pathway, record, now) if r.student.active]
    action = request.form.get("set", "")
    errors: list[str] = []
    evidence: dict[str, str] = {}
    notes: dict[str, str] = {}
    for key in editable:
        url = request.form.get(f"evidence-{key}", "").strip()
        note = request.form.get(f"note-{key}", "").strip()
        title = definition.criterion(key).title  # type: ignore[union-attr]
        if url and not url.startswith(("https://", "http://")):
            errors.append(f"The evidence link for “{title}” must start with https://.")
        if len(url) > 1000 or len(note) > MAX_NOTE:
            errors.append(f"The evidence link or note for “{title}” is too long.")
        if url:
            evidence[key] = url
        if note:
            notes[key] = note
    kind, _, target = action.partition(":")
    if action and (
        kind not in ("column", "row")
        or (kind == "column" and target not in editable)
        or (kind == "row" and target not in {str(r.student.id) for r in rows})
    ):
        errors.append("That button does not belong to this grid; reload the page.")
    if errors:
        return _page(pathway, record, errors=errors, status=422)
    cells: dict[tuple[Student, str], bool] = {}
    for row in rows:
        for key in editable:
            ticked = request.form.get(f"cell-{row.student.id}-{key}") == "met"
            shown = f"{row.student.id}:{key}" in request.form.getlist("cells")
            recorded = row.results.get(key)
            if (kind == "column" and target == key) or (
                kind == "row" and target == str(row.student.id)
            ):
                cells[(row.student, key)] = True
            elif shown and (ticked or recorded is not None):
                cells[(row.student, key)] = ticked
    try:
        written = criteria.record_grid(
            db,
            badge=record,
            cells=cells,
            actor=access.user(),
            now=now,
            evidence_urls=evidence,
            notes=notes,
        )
    except (LookupError, ValueError, permissions.PermissionDenied) as exc:
        db.rollback()
        return _page(pathway, record, errors=[str(exc)], status=422)
    db.commit()
    flash(f"Recorded {written} result{'s' if written != 1 else ''}.", "success")
    return redirect(url_for("admin.criteria_grid", slug=pathway.slug, badge=record.slug))


@bp.get("/pathways/<slug>/criteria.csv")
@access.roles(*access.MANAGERS)
def criteria_export(slug: str) -> Response:
    """The results as a CSV in the format the results upload reads (round trip)."""
    pathway, record = _place(slug, request.args.get("badge"))
    definition = definition_of(record)
    rows = queries.pathway_grid(get_session(), pathway, record, context.now())
    header = ["student_id", "student_email", "name", *criteria.results_columns(definition)]
    lines = []
    for row in rows:
        if not row.student.active:
            continue
        line: list[object] = [row.student.id, row.student.email, row.student.name]
        for key in definition.criterion_keys:
            result = row.results.get(key)
            line.append("" if result is None else ("met" if result.met else "not met"))
            line.append((result.evidence_url or "") if result is not None else "")
        lines.append(line)
    return csv_response(
        csv_files.to_csv(header, lines), f"{pathway.slug}-{record.slug}-criteria.csv"
    )


def _too_large(slug: str) -> tuple[str, int]:
    pathway, record = _place(slug, request.args.get("badge"))
    return _page(pathway, record, upload_error=csv_files.TOO_LARGE, status=413)


bulk.UPLOAD_PAGES["admin.criteria_preview"] = _too_large


@bp.post("/pathways/<slug>/criteria/preview")
@access.roles(*access.MANAGERS)
def criteria_preview(slug: str) -> Any:
    pathway, record = _place(slug, request.args.get("badge") or request.form.get("badge"))
    return csv_preview.preview_upload(
        lambda db, content: criteria.preview_results(
            db, pathway=pathway, badge=record, content=content, actor=access.user()
        ),
        statuses=(criteria.READY, criteria.UNCHANGED, criteria.ERROR),
        refuse=lambda message, status: _page(pathway, record, upload_error=message, status=status),
        template="admin/criteria_preview.html",
        pathway=pathway,
        badge=record,
        definition=definition_of(record),
    )


@bp.post("/pathways/<slug>/criteria/import")
@access.roles(*access.MANAGERS)
def criteria_import(slug: str) -> Any:
    pathway, record = _place(slug, request.form.get("badge"))
    db = get_session()
    try:
        rows = criteria.import_results(
            db,
            pathway=pathway,
            badge=record,
            content=request.form.get("content", "").encode(),
            actor=access.user(),
            now=context.now(),
        )
    except csv_files.CsvFileError as exc:
        db.rollback()
        return _page(pathway, record, upload_error=f"This file cannot be used: {exc}.", status=422)
    db.commit()
    recorded = sum(len(r.cells) for r in rows if r.status == criteria.READY)
    flash(f"Recorded {recorded} result{'s' if recorded != 1 else ''}.", "success")
    return redirect(url_for("admin.criteria_grid", slug=pathway.slug, badge=record.slug))
