"""A pathway admin's day: the progress grid, recording a criterion, issuing (and the refusals
in the admin's words), revoking with a reason, and issuing again after expiry."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from issuer.models import AuditEvent, Award, CriterionResult, StatusList, Student
from issuer.services import badges, issuance, status_lists
from tests.web_admin.data import ALLIANCE, LINCOLN, OAKLAND

BADGE = "health-care-industry-badge"


def _issue_token(page: str, student_id: int | None = None) -> str:
    tokens = re.findall(r'name="issue_token" value="([^"]+)"', page)
    if student_id is not None:
        tokens = [t for t in tokens if t.endswith(f"-{student_id}")]
    return tokens[0]


def _awards(db, student_id: int) -> list[Award]:
    db.expire_all()
    return list(
        db.scalars(select(Award).where(Award.student_id == student_id).order_by(Award.issued_at))
    )


def test_dashboard_shows_progress_and_who_is_ready(web):
    web.login(LINCOLN)
    page = web.get("/admin/pathways/lincoln-health").get_data(as_text=True)
    ready = page.split('id="eligible-heading"')[1].split('id="grid-heading"')[0]
    assert "Ana Chen" in ready and "Priya Singh" in ready
    assert "Diego Hernandez" not in ready  # HIPAA training recorded as not met
    assert 'aria-label="Issue to Ana Chen"' in ready
    grid = page.split('id="grid-heading"')[1].split('id="awards-heading"')[0]
    assert grid.count("Not met") == 1
    assert "Expiring soon" in page  # Lincoln's certification ends in 60 days


def test_record_a_criterion_then_issue(web, db):
    web.login(LINCOLN)
    diego = web.net.students["Diego Hernandez"]
    url = f"/admin/pathways/lincoln-health/students/{diego}"
    response = web.post(
        f"{url}/criteria",
        {
            "badge": BADGE,
            "criterion": "hipaa-privacy-training",
            "met": "yes",
            "evidence_url": "https://evidence.example.org/diego-hipaa",
            "note": "Passed 92%",
        },
    )
    assert response.status_code == 302
    page = web.get(response.location).get_data(as_text=True)
    assert "Recorded “HIPAA and patient-privacy training” as met for Diego Hernandez." in page
    result = db.scalar(
        select(CriterionResult).where(
            CriterionResult.student_id == diego,
            CriterionResult.criterion_key == "hipaa-privacy-training",
        )
    )
    assert result.met and result.evidence_url == "https://evidence.example.org/diego-hipaa"
    event = db.scalar(
        select(AuditEvent)
        .where(AuditEvent.action == "criterion.recorded")
        .order_by(AuditEvent.id.desc())
    )
    assert event.actor_label == LINCOLN and event.details["previously_met"] is False

    response = web.post(f"{url}/issue", {"badge": BADGE, "issue_token": _issue_token(page)})
    assert response.status_code == 302
    page = web.get(response.location).get_data(as_text=True)
    [award] = _awards(db, diego)
    assert f"Issued the Health Care Industry Badge to Diego Hernandez ({award.credential_id})" in (
        page
    )
    assert award.issued_by_id is not None
    assert award.credential_json["proof"]["cryptosuite"] == "eddsa-rdfc-2022"


def test_a_bad_criterion_form_keeps_what_was_typed(web, db):
    web.login(LINCOLN)
    diego = web.net.students["Diego Hernandez"]
    response = web.post(
        f"/admin/pathways/lincoln-health/students/{diego}/criteria",
        {
            "badge": BADGE,
            "criterion": "hipaa-privacy-training",
            "met": "yes",
            "evidence_url": "javascript:alert(1)",
            "note": "Typed by hand",
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The evidence link must start with https://" in page
    assert 'value="javascript:alert(1)"' in page and "Typed by hand" in page
    result = db.scalar(
        select(CriterionResult).where(
            CriterionResult.student_id == diego,
            CriterionResult.criterion_key == "hipaa-privacy-training",
        )
    )
    assert result.met is False  # unchanged


def test_the_same_issue_form_sent_twice_issues_once(web, db):
    web.login(LINCOLN)
    ana = web.net.students["Ana Chen"]
    page = web.get("/admin/pathways/lincoln-health").get_data(as_text=True)
    form = {"badge": BADGE, "issue_token": _issue_token(page, ana)}
    url = f"/admin/pathways/lincoln-health/students/{ana}/issue"
    assert web.post(url, form).status_code == 302
    assert web.post(url, form).status_code == 302
    assert len(_awards(db, ana)) == 1


def test_a_candidate_pathways_student_is_refused_in_plain_words(web, db):
    web.login(ALLIANCE)
    kim = web.net.students["Kim Ngo"]
    url = f"/admin/pathways/river-health/students/{kim}"
    page = web.get(url).get_data(as_text=True)
    response = web.post(f"{url}/issue", {"badge": BADGE, "issue_token": _issue_token(page)})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "The badge was not issued" in text
    assert (
        "Riverside Health Pathway holds a Candidate certification; the badge needs an "
        "active Silver or Gold certification."
    ) in text
    assert _awards(db, kim) == []


def test_revoke_needs_a_reason_then_sets_the_status_bit(web, db):
    web.login(OAKLAND)
    award_id = web.net.award_ids["Maria Lopez"]
    page = web.get(f"/admin/awards/{award_id}/revoke").get_data(as_text=True)
    assert "Revoking cannot be undone" in page

    response = web.post(f"/admin/awards/{award_id}/revoke", {"reason": "   "})
    assert response.status_code == 422
    assert "Give the reason for revoking" in response.get_data(as_text=True)

    response = web.post(
        f"/admin/awards/{award_id}/revoke", {"reason": "CPR card expired before issue"}
    )
    assert response.status_code == 302
    assert "Revoked Maria Lopez" in web.get(response.location).get_data(as_text=True)
    db.expire_all()
    award = db.get(Award, award_id)
    assert award.revocation_reason == "CPR card expired before issue"
    status_list = db.get(StatusList, award.status_list_id)
    assert status_lists.bit_is_set(status_list.bitstring, award.status_list_index)
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "award.revoked"))
    assert event.actor_label == OAKLAND

    again = web.post(f"/admin/awards/{award_id}/revoke", {"reason": "twice"})
    assert "already revoked" in web.get(again.location).get_data(as_text=True)


def test_issue_again_after_the_award_expired(web, db, app):
    priya = web.net.students["Priya Singh"]
    long_ago = datetime.now(UTC) - timedelta(days=800)  # a 2-year badge, expired 70 days ago
    with app.app_context():
        student = db.get(Student, priya)
        issuance.issue_badge(
            db,
            student=student,
            badge=badges.find_badge(db, BADGE),
            actor=None,
            signer=app.extensions["signer"],
            site=issuance.IssuerSite.from_config(app.config),
            now=long_ago,
        )
        db.commit()
    web.login(LINCOLN)
    page = web.get("/admin/pathways/lincoln-health").get_data(as_text=True)
    assert 'aria-label="Issue again to Priya Singh"' in page
    assert "Expired" in page
    response = web.post(
        f"/admin/pathways/lincoln-health/students/{priya}/issue",
        {"badge": BADGE, "issue_token": _issue_token(page, priya)},
    )
    assert response.status_code == 302
    old, new = _awards(db, priya)
    now = datetime.now(UTC)
    assert old.valid_until < now < new.valid_until
