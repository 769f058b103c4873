"""Bulk issuance from a CSV: upload, preview with per-row errors, issue in the background,
follow the progress (``admin.js`` polls the JSON status; without JavaScript the page
refreshes itself)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, current_app, g, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from issuer import permissions
from issuer.database import get_session
from issuer.models import BadgeDefinitionRecord, Student
from issuer.services import bulk_issuance
from issuer.web.admin import access, bp, bulk_jobs, context, errors

MAX_BYTES = 2 * 1024 * 1024
TOO_LARGE = (
    f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB. Split it into smaller "
    f"files (at most {bulk_issuance.MAX_ROWS:,} rows each)."
)


# endpoint -> the page that says "too large" on its own upload form (admin-cohort's uploads)
UPLOAD_PAGES: dict[str, Callable[..., Any]] = {}


def _badges() -> list[BadgeDefinitionRecord]:
    return list(
        get_session().scalars(select(BadgeDefinitionRecord).order_by(BadgeDefinitionRecord.name))
    )


def _upload_page(
    error: str | None = None, badge_slug: str = "", status: int = 200
) -> tuple[str, int]:
    return render_template(
        "admin/bulk_upload.html",
        badges=_badges(),
        error=error,
        badge_slug=badge_slug,
        max_rows=bulk_issuance.MAX_ROWS,
    ), status


def _job(token: str) -> bulk_jobs.Job:
    job = bulk_jobs.store(current_app).load(token, access.user().id)
    if job is None:
        abort(404, description="There is no such upload among yours (uploads are kept for a day).")
    return job


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge) -> Any:
    """The body is over ``MAX_CONTENT_LENGTH`` (refused before any view runs): on the upload
    form, say so on the form; elsewhere, the usual error page."""
    user = g.get("user")
    if (
        request.endpoint == "admin.bulk_upload"
        and user is not None
        and (user.role in access.MANAGERS)
    ):
        return _upload_page(TOO_LARGE, status=413)
    if request.endpoint in UPLOAD_PAGES and user is not None and user.role in access.MANAGERS:
        return UPLOAD_PAGES[request.endpoint](**(request.view_args or {}))
    return errors.render(error)


@bp.get("/bulk")
@access.roles(*access.MANAGERS)
def bulk_upload_form() -> tuple[str, int]:
    return _upload_page()


@bp.post("/bulk")
@access.roles(*access.MANAGERS)
def bulk_upload() -> Any:
    try:
        upload = request.files.get("file")
        badge_slug = request.form.get("badge", "")
    except RequestEntityTooLarge:
        return _upload_page(TOO_LARGE, status=413)
    if upload is None or not upload.filename:
        return _upload_page("Choose a CSV file to upload.", badge_slug, 422)
    content = upload.stream.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        return _upload_page(TOO_LARGE, badge_slug, 413)
    badge = get_session().scalar(
        select(BadgeDefinitionRecord).where(BadgeDefinitionRecord.slug == badge_slug)
    )
    if badge is None:
        return _upload_page("Choose the badge to issue.", badge_slug, 422)
    db = get_session()
    try:
        plan = bulk_issuance.preview(
            db, content=content, badge=badge, actor=access.user(), now=context.now()
        )
    except bulk_issuance.BulkFileError as exc:
        return _upload_page(f"This file cannot be used: {exc}.", badge_slug, 422)
    finally:
        db.rollback()  # a preview changes nothing
    job = bulk_jobs.store(current_app).create(
        content=content, user_id=access.user().id, plan=plan, filename=upload.filename[:200]
    )
    return redirect(url_for("admin.bulk_job", token=job.token))


@bp.get("/bulk/<token>")
@access.roles(*access.MANAGERS)
def bulk_job(token: str) -> str:
    """The preview until the run starts, then its progress."""
    job = _job(token)
    return render_template(
        "admin/bulk_job.html",
        job=job,
        badge=access.badge(job.badge_slug),
        issued=_issued(job) if job.state != bulk_jobs.PREVIEWED else [],
    )


def _issued(job: bulk_jobs.Job) -> list[dict[str, Any]]:
    """The rows issued by the run or before it, each with the student's name (read among the
    admin's pathways only) and the credential's UUID for the badge page link."""
    rows = [r for r in job.rows if r.get("credential_id")]
    ids = {r.get("student_id") for r in rows} - {None}
    principal = access.principal()
    names = {
        s.id: s.name
        for s in get_session().scalars(select(Student).where(Student.id.in_(ids)))
        if permissions.can_manage_pathway(principal, s.pathway_id)
    }
    return [
        {
            "line": r["line"],
            "name": names.get(r.get("student_id"), r["student_ref"]),
            "uuid": r["credential_id"].removeprefix("urn:uuid:"),
            "status": r["status"],
        }
        for r in rows
    ]


@bp.post("/bulk/<token>/issue")
@access.roles(*access.MANAGERS)
def bulk_issue(token: str) -> Response:
    job = _job(token)
    mode = request.form.get("mode", "")
    if mode not in ("all", "valid"):
        abort(400, description="Choose “Issue all” or “Issue the valid rows”.")
    if mode == "all" and job.count(bulk_issuance.ERROR):
        abort(
            400,
            description="Some rows have errors: fix the file and upload it again, or "
            "choose “Issue the valid rows”.",
        )
    if job.state == bulk_jobs.PREVIEWED:
        bulk_jobs.start(current_app._get_current_object(), job, mode)  # type: ignore[attr-defined]
    return redirect(url_for("admin.bulk_job", token=token))


@bp.get("/bulk/<token>/status")
@access.roles(*access.MANAGERS)
def bulk_status(token: str) -> Response:
    response = jsonify(_job(token).progress())
    response.headers["Cache-Control"] = "no-store"
    return response
