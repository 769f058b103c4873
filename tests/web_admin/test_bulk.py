"""Bulk issuance from a CSV through the web: preview with per-row errors, issuing the valid
rows in the background (followed through the JSON status), and the same file uploaded again
issuing nothing twice."""

from __future__ import annotations

import io
import time

from sqlalchemy import func, select

from issuer.models import Award
from tests.web_admin.data import LINCOLN

BADGE = "health-care-industry-badge"
COHORT = (
    "student_email,evidence_url\n"
    "ana.chen@students.example.org,https://evidence.example.org/ana\n"
    "priya.singh@students.example.org,\n"
    "diego.hernandez@students.example.org,\n"  # HIPAA training not met
    "nobody@students.example.org,\n"
    "maria.lopez@students.example.org,\n"  # Oakland's student: not Lincoln's admin's
)


def upload(web, content: str | bytes, name: str = "cohort.csv"):
    data = content.encode() if isinstance(content, str) else content
    return web.post(
        "/admin/bulk",
        {"badge": BADGE, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def wait_until_done(web, token: str) -> dict:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = web.get(f"/admin/bulk/{token}/status").get_json()
        if status["state"] != "running":
            return status
        time.sleep(0.1)
    raise AssertionError("the bulk run did not finish within a minute")


def awards(db) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(Award))


def test_preview_then_issue_the_valid_rows_then_upload_again(web, db):
    web.login(LINCOLN)
    before = awards(db)
    response = upload(web, COHORT)
    assert response.status_code == 302
    token = response.location.rsplit("/", 1)[-1]
    page = web.get(response.location).get_data(as_text=True)
    assert "2 ready · 0 already issued · 3 with errors" in page
    assert "Diego Hernandez: “HIPAA and patient-privacy training” is recorded as not met." in page
    assert "no student nobody@students.example.org in your pathways" in page
    assert "no student maria.lopez@students.example.org in your pathways" in page
    assert "Maria Lopez" not in page and "Oakland" not in page
    assert '<button type="submit" name="mode" value="all" disabled' in page
    assert awards(db) == before  # a preview issues nothing

    refused = web.post(f"/admin/bulk/{token}/issue", {"mode": "all"})
    assert refused.status_code == 400
    assert awards(db) == before

    started = web.post(f"/admin/bulk/{token}/issue", {"mode": "valid"})
    assert started.status_code == 302
    status = wait_until_done(web, token)
    assert status == {
        "state": "finished",
        "total": 2,
        "processed": 2,
        "issued": 2,
        "failed": 0,
        "failures": [],
        "error": None,
    }
    assert awards(db) == before + 2
    page = web.get(f"/admin/bulk/{token}").get_data(as_text=True)
    assert "2 of 2 processed · 2 issued" in page
    assert "<progress" in page

    # Starting the same run again does nothing.
    web.post(f"/admin/bulk/{token}/issue", {"mode": "valid"})
    assert wait_until_done(web, token)["issued"] == 2

    again = upload(web, COHORT)
    page = web.get(again.location).get_data(as_text=True)
    assert "0 ready · 2 already issued · 3 with errors" in page
    token2 = again.location.rsplit("/", 1)[-1]
    web.post(f"/admin/bulk/{token2}/issue", {"mode": "valid"})
    assert wait_until_done(web, token2)["issued"] == 0
    assert awards(db) == before + 2


def test_a_clean_file_can_issue_all(web, db):
    web.login(LINCOLN)
    before = awards(db)
    response = upload(web, "student_email\nana.chen@students.example.org\n")
    page = web.get(response.location).get_data(as_text=True)
    assert '<button type="submit" name="mode" value="all" >' in page or (
        'value="all" disabled' not in page
    )
    token = response.location.rsplit("/", 1)[-1]
    web.post(f"/admin/bulk/{token}/issue", {"mode": "all"})
    assert wait_until_done(web, token)["issued"] == 1
    assert awards(db) == before + 1


def test_unusable_files_are_explained_and_the_badge_choice_kept(web):
    web.login(LINCOLN)
    response = upload(web, "name,email\nAna,ana@example.org\n")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "the file needs a student_email or a student_id column" in page
    assert f'<option value="{BADGE}" selected>' in page

    response = upload(web, "student_email\n\xff".encode("latin-1"))
    assert response.status_code == 422
    assert "not UTF-8" in response.get_data(as_text=True)

    big = b"student_email\n" + b"x@students.example.org\n" * 100_000  # > 2 MB
    response = upload(web, big)
    assert response.status_code == 413
    assert "larger than 2 MB" in response.get_data(as_text=True)

    response = web.post("/admin/bulk", {"badge": BADGE}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose a CSV file" in response.get_data(as_text=True)


def test_too_many_rows_are_refused(web):
    web.login(LINCOLN)
    rows = "student_id\n" + "1\n" * 10_001
    response = upload(web, rows)
    assert response.status_code == 422
    assert "split it into files of at most 10000" in response.get_data(as_text=True)


def test_an_upload_is_visible_only_to_who_uploaded_it(web, app):
    web.login(LINCOLN)
    token = upload(web, COHORT).location.rsplit("/", 1)[-1]
    assert web.get(f"/admin/bulk/{token}").status_code == 200
    assert web.get("/admin/bulk/not-a-real-token-at-all-xxxx").status_code == 404
    assert web.get("/admin/bulk/..%2F..%2Fetc").status_code == 404


# --- A killed run: heartbeat (issue 8, item 10) -----------------------------------------------


def _as_if_killed_mid_run(app, token: str, user_id: int, seconds_ago: float) -> None:
    """What a process killed while issuing leaves on disk: the job "running", its last sign
    of life ``seconds_ago``."""
    import os

    from issuer.web.admin import bulk_jobs

    jobs = bulk_jobs.store(app)
    job = jobs.load(token, user_id)
    job.state, job.mode = bulk_jobs.RUNNING, "valid"
    jobs.save(job)
    stamp = time.time() - seconds_ago
    os.utime(jobs.directory / token / "job.json", (stamp, stamp))


def _user_id(db, email: str) -> int:
    from issuer.models import User

    return db.scalar(select(User.id).where(User.email == email))


def test_bulk_run_without_heartbeat_for_a_minute_shows_interrupted_and_resumes(app, web, db):
    web.login(LINCOLN)
    before = awards(db)
    response = upload(web, COHORT)
    token = response.location.rsplit("/", 1)[-1]
    _as_if_killed_mid_run(app, token, _user_id(db, LINCOLN), seconds_ago=10)
    assert web.get(f"/admin/bulk/{token}/status").get_json()["state"] == "running"

    _as_if_killed_mid_run(app, token, _user_id(db, LINCOLN), seconds_ago=61)
    status = web.get(f"/admin/bulk/{token}/status").get_json()
    assert status["state"] == "interrupted"
    assert "Upload the same file again to resume" in status["error"]
    page = web.get(f"/admin/bulk/{token}").get_data(as_text=True)
    assert "Interrupted" in page and "Upload the same file again</a>" in page
    assert 'http-equiv="refresh"' not in page  # no endless refreshing of a dead run

    again = upload(web, COHORT)  # resuming: the same file issues what is left
    token2 = again.location.rsplit("/", 1)[-1]
    web.post(f"/admin/bulk/{token2}/issue", {"mode": "valid"})
    assert wait_until_done(web, token2)["issued"] == 2
    assert awards(db) == before + 2


def test_bulk_run_heartbeat_is_touched_while_a_slow_row_is_issued(app, web, db, monkeypatch):
    from issuer.web.admin import bulk_jobs

    class SlowSigner:
        def __init__(self, inner):
            self.inner, self.issuer_did = inner, inner.issuer_did

        def sign_ldp(self, credential):
            time.sleep(0.3)
            return self.inner.sign_ldp(credential)

        def sign_jwt(self, credential):
            return self.inner.sign_jwt(credential)

    monkeypatch.setattr(bulk_jobs, "HEARTBEAT_SECONDS", 0.05)
    monkeypatch.setitem(app.extensions, "signer", SlowSigner(app.extensions["signer"]))
    web.login(LINCOLN)
    token = upload(web, "student_email\nana.chen@students.example.org\n").location.rsplit("/")[-1]
    web.post(f"/admin/bulk/{token}/issue", {"mode": "all"})
    heartbeat = bulk_jobs.store(app).directory / token / "heartbeat"
    deadline = time.monotonic() + 30
    while not heartbeat.exists():
        assert time.monotonic() < deadline, "no heartbeat during the run"
        time.sleep(0.02)
    assert wait_until_done(web, token)["issued"] == 1
