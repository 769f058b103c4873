"""Bulk uploads between preview and issue, and the background run that issues them.

An upload lives in ``<instance>/bulk-uploads/<token>/``: ``upload.csv`` (the file, deleted when
its run ends: it names students, who are mostly minors) and ``job.json`` (owner, badge, the
preview, then the run's progress). Files rather than memory, so the preview, the run and the
status requests may be served by different worker processes on one host. Uploads older than
a day are removed whenever a new one arrives.

A running job shows it is alive by a heartbeat: ``job.json`` is rewritten after every row and
a ``heartbeat`` file is touched every ``HEARTBEAT_SECONDS`` besides (a slow row, a long
preview). A process killed mid-run leaves the job "running" on disk; once its last sign of life
is older than ``BULK_HEARTBEAT_TIMEOUT_SECONDS`` it reads as ``interrupted``, and the page says
to upload the same file again (issuing resumes where it stopped: rows are idempotent).
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
INTERRUPTED = "interrupted"  # running on disk, but no heartbeat for too long: read-only state
HEARTBEAT_SECONDS = 5.0
DEFAULT_HEARTBEAT_TIMEOUT = 60.0
INTERRUPTED_MESSAGE = (
    "The run was interrupted (the server stopped while issuing). Upload the same file again "
    "to resume: badges already issued are not issued twice."
)


@dataclass
class Job:
    token: str
    user_id: int
    badge_slug: str
    filename: str
    rows: list[dict[str, Any]]  # the preview: line, student_ref, status, messages
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
    def __init__(
        self, directory: Path, heartbeat_timeout: float = DEFAULT_HEARTBEAT_TIMEOUT
    ) -> None:
        self.directory = directory
        self.heartbeat_timeout = heartbeat_timeout

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
        if job.user_id != user_id:
            return None
        if job.state == RUNNING and self.last_heartbeat(job) < time.time() - self.heartbeat_timeout:
            job.state, job.error = INTERRUPTED, INTERRUPTED_MESSAGE
        return job

    def beat(self, job: Job) -> None:
        """The run is alive (touch ``heartbeat``)."""
        (self._dir(job.token) / "heartbeat").touch()

    def last_heartbeat(self, job: Job) -> float:
        """The run's last sign of life (Unix time): a heartbeat or a progress write."""
        times = []
        for name in ("heartbeat", "job.json"):
            try:
                times.append((self._dir(job.token) / name).stat().st_mtime)
            except FileNotFoundError:
                continue
        return max(times, default=0.0)

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
        Path(app.config.get("BULK_UPLOAD_DIR") or Path(app.instance_path) / "bulk-uploads"),
        heartbeat_timeout=float(app.config["BULK_HEARTBEAT_TIMEOUT_SECONDS"]),
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
    refused one. The preview is taken again first, so rows issued since it show as done.
    A companion thread touches the heartbeat until the run ends."""
    ended = threading.Event()

    def heartbeat() -> None:
        while not ended.wait(HEARTBEAT_SECONDS):
            job_store.beat(job)

    threading.Thread(target=heartbeat, daemon=True, name=f"bulk-beat-{job.token[:8]}").start()
    try:
        _issue(app, job_store, job)
    finally:
        ended.set()


def _issue(app: Flask, job_store: JobStore, job: Job) -> None:
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
            for outcome in outcomes:
                message = outcome.message
                if outcome.issued:
                    try:
                        db.commit()
                        job.issued += 1
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
