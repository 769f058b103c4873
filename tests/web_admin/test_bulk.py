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
        if status["state"] not in ("queued", "running"):
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
    assert "no student nobody@students.example.org" in page
    # Another school's student is refused in words that name nothing about them.
    assert "no student maria.lopez@students.example.org in your pathways" in page
    assert "Maria" not in page and "Oakland" not in page
    assert '<button type="submit" name="mode" value="all" disabled' in page
    assert awards(db) == before  # a preview issues nothing

    refused = web.post(f"/admin/bulk/{token}/issue", {"mode": "all"})
    assert refused.status_code == 400
    assert awards(db) == before

    started = web.post(f"/admin/bulk/{token}/issue", {"mode": "valid"})
    assert started.status_code == 302
    status = wait_until_done(web, token)
    assert {k: v for k, v in status.items() if k != "failures"} == {
        "state": "finished",
        "total": 5,
        "processed": 5,
        "issued": 2,
        "skipped": 0,
        "failed": 3,
        "chunks_done": 1,
        "chunk_count": 1,
    }
    assert [f["line"] for f in status["failures"]] == [4, 5, 6]
    assert awards(db) == before + 2
    page = web.get(f"/admin/bulk/{token}").get_data(as_text=True)
    assert "5 of 5 rows processed · 2 issued · 0 already issued · 3 not issued" in page
    assert "<progress" in page
    # The finished run lists every row; issued ones link to their public badge page.
    issued_ids = [
        a.credential_id
        for a in db.scalars(select(Award).where(Award.idempotency_key.like("csv:%")))
    ]
    assert len(issued_ids) == 2
    for credential_id in issued_ids:
        assert f"/badges/{credential_id.removeprefix('urn:uuid:')}" in page
    assert "Not issued: no student nobody@students.example.org in your pathways" in page
    # Each issued row shows its delivery (#10): the award e-mail queued, not claimed yet.
    assert page.count("E-mail queued") == 2 and page.count("Not claimed yet") == 2

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


def test_a_file_of_any_row_count_is_previewed_in_full(web):
    """No row cap (the 2 MB upload limit bounds the web; the command line has none): every row
    is counted, and the page lists the first ones."""
    web.login(LINCOLN)
    rows = "student_id\n" + "".join(f"{900000 + i}\n" for i in range(12_000))
    response = upload(web, rows)
    assert response.status_code == 302
    page = web.get(response.location).get_data(as_text=True)
    assert "0 ready · 0 already issued · 12000 with errors" in page
    assert "The first 2000 of 12000 rows are listed" in page


def test_an_upload_is_visible_only_to_who_uploaded_it(web, app):
    web.login(LINCOLN)
    token = upload(web, COHORT).location.rsplit("/", 1)[-1]
    assert web.get(f"/admin/bulk/{token}").status_code == 200
    assert web.get("/admin/bulk/not-a-real-token-at-all-xxxx").status_code == 404
    assert web.get("/admin/bulk/..%2F..%2Fetc").status_code == 404
