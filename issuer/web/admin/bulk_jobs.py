"""Bulk uploads between preview and issue, and the background run that issues them.

An upload lives in ``<instance>/bulk-uploads/<token>/``: ``upload.csv`` (the file, deleted when
its run ends: it names students, who are mostly minors) and ``job.json`` (owner, badge, the
preview, then the run's progress). Files rather than memory, so the preview, the run and the
status requests may be served by different worker processes on one host. Uploads older than
a day are removed whenever a new one arrives.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import shutil
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy.exc import OperationalError

from issuer.database import get_session
from issuer.models import User
from issuer.services import badges, bulk_issuance, issuance

MAX_AGE_SECONDS = 24 * 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
log = logging.getLogger(__name__)

PREVIEWED, RUNNING, FINISHED, FAILED = "previewed", "running", "finished", "failed"


@dataclass
class Job:
    token: str
    user_id: int
    badge_slug: str
    filename: str
    rows: list[dict[str, Any]]  # the preview: line, student_ref, student_id, status, messages
    state: str = PREVIEWED
    mode: str | None = None  # all | valid
    total: int = 0  # rows to issue in this run
    processed: int = 0
    issued: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row["status"] == status)

    def progress(self) -> dict[str, Any]:
        """What the status endpoint returns."""
        return {
            "state": self.state,
            "total": self.total,
            "processed": self.processed,
            "issued": self.issued,
            "failed": len(self.failures),
            "failures": self.failures,
            "error": self.error,
        }


class JobStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _dir(self, token: str) -> Path:
        return self.directory / token

    def create(
        self, *, content: bytes, user_id: int, plan: bulk_issuance.BulkPlan, filename: str
    ) -> Job:
        self._purge_old()
        token = secrets.token_urlsafe(24)
        folder = self._dir(token)
        folder.mkdir(parents=True, mode=0o700)
        (folder / "upload.csv").write_bytes(content)
        job = Job(
            token=token,
            user_id=user_id,
            badge_slug=plan.badge_slug,
            filename=filename,
            rows=[
                {
                    "line": r.line,
                    "student_ref": r.student_ref,
                    "student_id": r.student_id,
                    "status": r.status,
                    "messages": r.messages,
                    "credential_id": r.credential_id,
                }
                for r in plan.rows
            ],
        )
        self.save(job)
        return job

    def load(self, token: str, user_id: int) -> Job | None:
        """The job, if ``token`` names one that belongs to ``user_id``."""
        if not _TOKEN.match(token):
            return None
        try:
            data = json.loads((self._dir(token) / "job.json").read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return None
        job = Job(**data)
        return job if job.user_id == user_id else None

    def content(self, job: Job) -> bytes:
        return (self._dir(job.token) / "upload.csv").read_bytes()

    def save(self, job: Job) -> None:
        """Written whole and renamed into place, so a reader never sees half a file."""
        target = self._dir(job.token) / "job.json"
        partial = target.with_suffix(".partial")
        partial.write_text(json.dumps(asdict(job)))
        os.replace(partial, target)

    def discard_content(self, job: Job) -> None:
        (self._dir(job.token) / "upload.csv").unlink(missing_ok=True)

    def _purge_old(self) -> None:
        if not self.directory.exists():
            return
        cutoff = time.time() - MAX_AGE_SECONDS
        for folder in self.directory.iterdir():
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)


def store(app: Flask) -> JobStore:
    return JobStore(
        Path(app.config.get("BULK_UPLOAD_DIR") or Path(app.instance_path) / "bulk-uploads")
    )


def start(app: Flask, job: Job, mode: str) -> threading.Thread:
    """Mark the job running and issue its rows in a background thread."""
    job.state, job.mode = RUNNING, mode
    job_store = store(app)
    job_store.save(job)
    thread = threading.Thread(
        target=_run, args=(app, job_store, job), daemon=True, name=f"bulk-issue-{job.token[:8]}"
    )
    app.extensions.setdefault("bulk_runs", set()).add(thread)
    thread.start()
    return thread


def wait_for_runs(app: Flask, timeout: float = 60.0) -> None:
    """Block until this process's bulk runs have ended (before shutdown or wiping data)."""
    deadline = time.monotonic() + timeout
    for thread in list(app.extensions.get("bulk_runs", ())):
        thread.join(max(0.0, deadline - time.monotonic()))
        if not thread.is_alive():
            app.extensions["bulk_runs"].discard(thread)


def _run(app: Flask, job_store: JobStore, job: Job) -> None:
    """The run owns its transactions: a commit after each issued row, a rollback after each
    refused one. The preview is taken again first, so rows issued since it show as done."""
    with app.app_context():
        db = get_session()
        try:
            actor = db.get(User, job.user_id)
            if actor is None or not actor.active:
                raise bulk_issuance.BulkRefused("your account is no longer active")
            badge = badges.find_badge(db, job.badge_slug)
            now = datetime.now(UTC)
            plan = bulk_issuance.preview(
                db, content=job_store.content(job), badge=badge, actor=actor, now=now
            )
            db.rollback()  # end the preview's read transaction before issuing
            job.total = len(plan.ready)
            job_store.save(job)
            outcomes = bulk_issuance.issue_rows(
                db,
                plan,
                badge=badge,
                actor=actor,
                signer=app.extensions["signer"],
                site=issuance.IssuerSite.from_config(app.config),
                now=now,
                issue_valid_rows=job.mode == "valid",
            )
            rows = {row["line"]: row for row in job.rows}
            for outcome in outcomes:
                message = outcome.message
                if outcome.issued:
                    try:
                        db.commit()
                        job.issued += 1
                        rows.get(outcome.line, {}).update(
                            status="done", credential_id=outcome.credential_id
                        )
                    except OperationalError as exc:  # the commit may or may not have landed
                        db.rollback()
                        message = bulk_issuance.database_lost(exc)
                else:
                    db.rollback()
                if message is not None:
                    job.failures.append({"line": outcome.line, "message": message})
                job.processed += 1
                job_store.save(job)
            job.state = FINISHED
        except (bulk_issuance.BulkRefused, bulk_issuance.BulkFileError, LookupError) as exc:
            db.rollback()
            job.state, job.error = FAILED, str(exc)
        except Exception:
            db.rollback()
            log.exception("bulk issuance %s stopped", job.token)
            job.state = FAILED
            job.error = (
                "The run stopped on an unexpected error. Upload the same file again: "
                "rows already issued are not issued twice."
            )
        finally:
            job_store.discard_content(job)
            job_store.save(job)
