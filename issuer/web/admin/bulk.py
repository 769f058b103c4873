"""Bulk issuance from a CSV: upload, preview with per-row errors, issue in the background,
follow the progress (``admin.js`` polls the JSON status; without JavaScript the page
refreshes itself).

The upload becomes a job in the database (``issuer.jobs.bulk``): its preview, its run and its
progress are read from there, so any web process on any host can serve any of these pages,
and a run survives a web restart (queue workers carry on; "Resume" restarts an in-process
run that a restart stopped).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import abort, current_app, g, jsonify, redirect, render_template, request, url_for
from sqlalchemy import func, select
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from issuer.database import get_session
from issuer.jobs import bulk as bulk_jobs
from issuer.jobs import executors
from issuer.models import Award, BadgeDefinitionRecord, BulkJob, BulkJobChunk
from issuer.notifications import status as delivery_status
from issuer.services import scope
from issuer.web.admin import access, bp, context, errors

MAX_BYTES = 2 * 1024 * 1024
PREVIEW_ROWS = 2_000  # rows listed on the preview page; the counts cover the whole file
STALLED_AFTER = timedelta(minutes=2)  # no chunk finished or started for this long: stopped
TOO_LARGE = (
    f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB. Split it into smaller files, "
    "or ask the Alliance to run it with the awards bulk-issue command (no size limit)."
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
        "admin/bulk_upload.html", badges=_badges(), error=error, badge_slug=badge_slug
    ), status


def _job(token: str) -> BulkJob:
    """The signed-in user's own job named by ``token`` (404 for anyone else's)."""
    job = get_session().scalar(
        select(BulkJob).where(BulkJob.token == token, BulkJob.actor_id == access.user().id)
    )
    if job is None:
        abort(404, description="There is no such upload among yours.")
    return job


def _stalled(job: BulkJob, progress: bulk_jobs.JobProgress) -> bool:
    """Started, unfinished, and no chunk has moved for a while: the process running it has
    stopped (a restart, a crash); the page then offers to resume."""
    if job.submitted_at is None or progress.state == bulk_jobs.FINISHED:
        return False
    last = get_session().scalar(
        select(func.max(BulkJobChunk.heartbeat_at)).where(BulkJobChunk.job_id == job.id)
    )
    return (last or job.submitted_at) < datetime.now(UTC) - STALLED_AFTER


def _status(job: BulkJob) -> dict[str, Any]:
    """What the status endpoint returns and the progress section shows."""
    progress = bulk_jobs.progress(get_session(), job)
    status = progress.to_json()
    if _stalled(job, progress):
        status["state"] = "stalled"
    status["failures"] = [
        {"line": row.line, "message": row.message}
        for row in bulk_jobs.rows(get_session(), job, outcome=bulk_jobs.FAILED, limit=100)
    ]
    return status


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
    db = get_session()
    badge = db.scalar(select(BadgeDefinitionRecord).where(BadgeDefinitionRecord.slug == badge_slug))
    if badge is None:
        return _upload_page("Choose the badge to issue.", badge_slug, 422)
    try:
        job = bulk_jobs.open_job(
            db,
            stream=io.BytesIO(content),
            filename=upload.filename,
            badge=badge,
            actor=access.user(),
            now=context.now(),
        )
    except bulk_jobs.BulkFileError as exc:
        db.rollback()
        return _upload_page(f"This file cannot be used: {exc}.", badge_slug, 422)
    db.commit()
    return redirect(url_for("admin.bulk_job", token=job.token))


@bp.get("/bulk/<token>")
@access.roles(*access.MANAGERS)
def bulk_job(token: str) -> str:
    """The preview until the run starts, then its progress, then every row's outcome."""
    job = _job(token)
    db = get_session()
    if job.submitted_at is None:
        check = bulk_jobs.check(db, job, now=context.now(), row_limit=PREVIEW_ROWS)
        db.rollback()  # a preview changes nothing
        return render_template("admin/bulk_job.html", job=job, check=check, status=None)
    status = _status(job)
    outcomes = (
        bulk_jobs.rows(db, job, limit=PREVIEW_ROWS) if status["state"] == bulk_jobs.FINISHED else []
    )
    return render_template(
        "admin/bulk_job.html",
        job=job,
        check=None,
        status=status,
        outcomes=outcomes,
        awards=_awards_of(outcomes),
    )


def _awards_of(outcomes: list[Any]) -> dict[str, Award]:
    """The awards the finished rows name (issued, or already held), by credential id, with
    their delivery state read in one query, for the "Delivery" column. Only awards of
    students in the admin's pathways: a row names one only after its scoped look-up."""
    ids = [row.credential_id for row in outcomes if row.credential_id]
    if not ids:
        return {}
    awards = {
        award.credential_id: award
        for award in get_session().scalars(
            scope.awards(access.principal()).where(Award.credential_id.in_(ids))
        )
    }
    g.setdefault("award_delivery_states", {}).update(
        delivery_status.award_delivery_states(get_session(), [a.id for a in awards.values()])
    )
    return awards


@bp.post("/bulk/<token>/issue")
@access.roles(*access.MANAGERS)
def bulk_issue(token: str) -> Response:
    """Start the run ("all" only when no row has an error; "valid" issues the others), or
    resume a stalled one. Starting a run that is already going does nothing."""
    job = _job(token)
    db = get_session()
    mode = request.form.get("mode", "")
    if mode not in ("all", "valid", "resume"):
        abort(400, description="Choose “Issue all” or “Issue the valid rows”.")
    if job.submitted_at is None:
        if mode == "resume":
            abort(400, description="This upload has not been started yet.")
        if mode == "all" and bulk_jobs.check(db, job, now=context.now()).failed:
            abort(
                400,
                description="Some rows have errors: fix the file and upload it again, or "
                "choose “Issue the valid rows”.",
            )
        job.submitted_at = datetime.now(UTC)
    elif not (mode == "resume" and _stalled(job, bulk_jobs.progress(db, job))):
        return redirect(url_for("admin.bulk_job", token=token))
    pending = bulk_jobs.pending_chunks(db, job)
    db.commit()
    executors.executor_of(current_app._get_current_object()).submit(job.id, pending)  # type: ignore[attr-defined]
    return redirect(url_for("admin.bulk_job", token=token))


@bp.get("/bulk/<token>/status")
@access.roles(*access.MANAGERS)
def bulk_status(token: str) -> Response:
    response = jsonify(_status(_job(token)))
    response.headers["Cache-Control"] = "no-store"
    return response
