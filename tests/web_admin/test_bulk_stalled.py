"""A bulk run whose process was killed does not read "running" for ever (issue 8, item 10):
with no chunk heartbeat for ``STALLED_AFTER`` it shows as stopped, with "Resume the run",
and resuming issues what is left, once."""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from issuer.models import Award, BulkJob, BulkJobChunk
from issuer.web.admin.bulk import STALLED_AFTER
from tests.web_admin.data import LINCOLN

CSV = "student_email\nana.chen@students.example.org\npriya.singh@students.example.org\n"


def _upload(web) -> str:
    response = web.post(
        "/admin/bulk",
        {"badge": "health-care-industry-badge", "file": (io.BytesIO(CSV.encode()), "c.csv")},
        content_type="multipart/form-data",
    )
    return response.location.rsplit("/", 1)[-1]


def _as_if_killed(db, token: str, seconds_ago: float) -> None:
    """What a process killed right after starting the run leaves: the job submitted, its
    chunks' last heartbeat ``seconds_ago``, no row processed."""
    job = db.scalar(select(BulkJob).where(BulkJob.token == token))
    then = datetime.now(UTC) - timedelta(seconds=seconds_ago)
    job.submitted_at = then
    for chunk in db.scalars(select(BulkJobChunk).where(BulkJobChunk.job_id == job.id)):
        chunk.heartbeat_at = then
    db.commit()


def test_bulk_run_without_heartbeat_shows_stopped_with_resume_and_resumes_once(web, db):
    web.login(LINCOLN)
    token = _upload(web)
    _as_if_killed(db, token, seconds_ago=STALLED_AFTER.total_seconds() - 30)
    assert web.get(f"/admin/bulk/{token}/status").get_json()["state"] != "stalled"

    _as_if_killed(db, token, seconds_ago=STALLED_AFTER.total_seconds() + 30)
    assert web.get(f"/admin/bulk/{token}/status").get_json()["state"] == "stalled"
    page = web.get(f"/admin/bulk/{token}").get_data(as_text=True)
    assert "<h2>Stopped</h2>" in page and "Resume the run" in page

    db.expire_all()
    before = db.scalar(select(func.count()).select_from(Award))
    assert web.post(f"/admin/bulk/{token}/issue", {"mode": "resume"}).status_code == 302
    deadline = time.monotonic() + 60
    while (status := web.get(f"/admin/bulk/{token}/status").get_json())["state"] != "finished":
        assert time.monotonic() < deadline, status
        time.sleep(0.1)
    assert status["issued"] == 2
    web.post(f"/admin/bulk/{token}/issue", {"mode": "resume"})  # a finished run: nothing
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Award)) == before + 2
