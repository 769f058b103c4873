"""Issue #12 in headless Chromium, at a phone's width (390 px) and a laptop's (1280 px):

- a pathway admin takes an empty pathway to 30 issued badges without any command: imports a
  roster CSV, fills the criteria grid a whole column at once (the employer's mentor marks the
  employer-assessed column), bulk-issues, opens a badge from "Finished", bulk-revokes two;
- an employer mentor confirms an employer-assessed criterion and the issued credential names
  the employer as its assessor.

Every page of the journey fits the viewport's width (no sideways scrolling of the page)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from issuer.models import Award, Student, User
from issuer.services import certifications, criteria, students
from issuer.services.badges import find_badge
from issuer.services.issuance import IssuerSite
from tests.web_admin.data import BADGE, LINCOLN, PARTNER, PASSWORD, Network, build_network

pytestmark = pytest.mark.browser
WIDTHS = [390, 1280]
SCHOOL_CRITERIA = (
    "clinical-work-based-learning",
    "cpr-bls-certification",
    "health-career-portfolio",
    "hipaa-privacy-training",
)


@pytest.fixture
def net(live_server) -> Network:
    """The shared network, plus an empty Gold pathway, North Health, managed by Lincoln's
    admin."""
    app = live_server.app
    now = datetime.now(UTC)
    with live_server.session() as session:
        network = build_network(
            session,
            signer=app.extensions["signer"],
            site=IssuerSite.from_config(app.config),
            now=now,
        )
        north = certifications.create_pathway(
            session,
            slug="north-health",
            name="North Health Academy",
            school="North High School",
            district="Example Unified",
            sector="health",
            level="gold",
            awarded_on=date.today() - timedelta(days=30),
            expires_on=date.today() + timedelta(days=700),
            actor=None,
            now=now,
        )
        admin = session.scalar(select(User).where(User.email == LINCOLN))
        admin.pathways.append(north)
        session.commit()
    return network


def fits(page, width: int) -> None:
    """The page is no wider than the viewport (tables scroll inside their own box)."""
    page.wait_for_load_state("load")  # the stylesheet applied: a loaded machine may lag
    wide = """() => Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > innerWidth + 1 && !e.closest('.cohort-scroll')).map(e => e.tagName + '#' + e.id + '.' + e.className).slice(0, 5)"""
    assert page.evaluate("document.documentElement.scrollWidth") <= width, (
        page.url,
        page.evaluate(wide),
    )


def sign_in(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Signed in as").wait_for()


def new_page(browser, live_server, width: int):
    context = browser.new_context(
        base_url=live_server.base_url, viewport={"width": width, "height": 900}
    )
    context.set_default_timeout(30_000)
    return context, context.new_page()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_pathway_admin_takes_an_empty_pathway_to_30_badges(
    browser, live_server, net, screenshot, tmp_path: Path, width: int
):
    context, page = new_page(browser, live_server, width)
    mentor_context, mentor = new_page(browser, live_server, width)
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    try:
        sign_in(page, LINCOLN)
        page.goto("/admin/pathways/north-health")
        page.get_by_text("No students yet: import the roster").wait_for()
        page.get_by_role("link", name="Students", exact=True).click()

        # The template, then a roster of 30 (names in several scripts) through the preview.
        with page.expect_download() as template:
            page.get_by_role("link", name="Download the template").click()
        assert Path(template.value.path()).read_text().startswith("name,email,graduation_year")
        names = [f"Student {i:02d}" for i in range(1, 28)] + ["Zoë Ångström", "陳小明", "نور"]
        roster = tmp_path / "roster.csv"
        roster.write_text(
            "name,email,graduation_year,name_display_consent\n"
            + "".join(f"{n},North{i}@Students.Example.org,2027,yes\n" for i, n in enumerate(names))
        )
        page.get_by_label("CSV file").set_input_files(str(roster))
        page.get_by_role("button", name="Preview").click()
        page.get_by_text("30 to add · 0 already on the roster · 0 with errors").wait_for()
        fits(page, width)
        screenshot(page, f"{width}-01-roster-preview")
        page.get_by_role("button", name="Import 30 students").click()
        page.get_by_text("Added 30 students.").wait_for()
        assert page.get_by_text("north29@students.example.org").is_visible()
        assert page.get_by_role("link", name="陳小明", exact=True).is_visible()
        fits(page, width)
        screenshot(page, f"{width}-02-roster")

        # The dashboard explains why no one is ready, and links to the grid.
        page.get_by_role("link", name="← North Health Academy").click()
        readiness = page.locator("#readiness")
        assert "Why no one is ready" in readiness.inner_text()
        assert "“Current CPR/BLS certification”: not recorded for 30 students" in (
            readiness.inner_text()
        )
        fits(page, width)
        screenshot(page, f"{width}-03-why-not-ready")

        # The employer's mentor marks the employer-assessed column for everyone.
        sign_in(mentor, PARTNER)
        mentor.get_by_role("link", name="North Health Academy").click()
        mentor.get_by_role(
            "button", name="Mark “Patient-communication assessment” met for every student"
        ).click()
        mentor.get_by_text("Recorded 30 results.").wait_for()
        assert (
            mentor.get_by_role(
                "button", name="Mark “Current CPR/BLS certification” met for every student"
            ).count()
            == 0
        )
        fits(mentor, width)

        # The admin fills the school's four criteria, a whole column at a time.
        readiness.get_by_role("link", name="Record it in the grid").first.click()
        for title in (
            "120 hours of clinical work-based learning",
            "Current CPR/BLS certification",
            "Health-career portfolio reviewed by industry partners",
            "HIPAA and patient-privacy training",
        ):
            page.get_by_role("button", name=f"Mark “{title}” met for every student").click()
            page.get_by_text("Recorded 30 results.").wait_for()
        fits(page, width)
        screenshot(page, f"{width}-04-grid")

        # Bulk issue to all 30.
        issue = tmp_path / "issue.csv"
        issue.write_text(
            "student_email\n" + "".join(f"north{i}@students.example.org\n" for i in range(30))
        )
        page.goto("/admin/bulk")
        page.get_by_label("CSV file").set_input_files(str(issue))
        page.get_by_role("button", name="Preview").click()
        page.get_by_text("30 ready · 0 already issued · 0 with errors").wait_for()
        page.get_by_role("button", name="Issue all").click()
        page.locator("#bulk-outcomes").wait_for(timeout=120_000)
        outcomes = page.locator("#bulk-outcomes")
        assert outcomes.get_by_role("link", name="Issued: view the badge").count() == 30
        fits(page, width)
        screenshot(page, f"{width}-05-finished")
        page.locator("#bulk-outcomes tr", has_text="north27@students.example.org").get_by_role(
            "link", name="Issued: view the badge"
        ).click()
        page.get_by_text("Health Care Industry Badge").first.wait_for()
        assert "/badges/" in page.url

        # Another file naming the same students: they already hold the badge, not errors.
        other = tmp_path / "again.csv"
        other.write_text(
            "student_email\n"
            + "".join(f"north{i}@students.example.org\n" for i in range(29, -1, -1))
        )
        page.goto("/admin/bulk")
        page.get_by_label("CSV file").set_input_files(str(other))
        page.get_by_role("button", name="Preview").click()
        page.get_by_text("0 ready · 0 already issued · 0 with errors · 30 already hold").wait_for()
        fits(page, width)

        # Bulk revoke two with one reason.
        page.goto("/admin/pathways/north-health")
        page.get_by_label("Select Student 01's badge").check()
        page.get_by_label("Select Student 02's badge").check()
        page.get_by_role("button", name="Revoke the selected badges…").click()
        page.get_by_role("heading", name="Revoke 2 badges").wait_for()
        page.get_by_role("button", name="Revoke 2 badges").click()
        page.get_by_text("Give the reason for revoking.").wait_for()
        page.get_by_label("Reason").fill("Issued before the portfolio panel met")
        fits(page, width)
        screenshot(page, f"{width}-06-bulk-revoke")
        page.get_by_role("button", name="Revoke 2 badges").click()
        page.get_by_text("Revoked 2 badges (Student 01, Student 02).").wait_for()
        with live_server.session() as db:
            north = select(Student.id).where(Student.email.like("north%"))
            issued = db.scalar(
                select(func.count()).select_from(Award).where(Award.student_id.in_(north))
            )
            revoked = db.scalar(
                select(func.count())
                .select_from(Award)
                .where(Award.student_id.in_(north), Award.revoked_at.is_not(None))
            )
        assert (issued, revoked) == (30, 2)

        # The audit log shows what happened, newest first.
        page.get_by_role("link", name="Audit log").first.click()
        page.locator("#audit-events").wait_for()
        assert page.locator("#audit-events").get_by_text("Revoked a badge").count() == 2
        fits(page, width)
        screenshot(page, f"{width}-07-audit")
        assert violations == []
    finally:
        context.close()
        mentor_context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_an_employer_mentor_confirms_the_criterion_and_the_credential_names_the_assessor(
    browser, live_server, net, screenshot, width: int
):
    now = datetime.now(UTC)
    with live_server.session() as db:
        lincoln = certifications.find_pathway(db, "lincoln-health")
        noor = students.create_student(
            db,
            pathway=lincoln,
            name="Noor Haddad",
            email="noor.haddad@students.example.org",
            graduation_year=2027,
            actor=None,
            now=now,
        )
        for key in SCHOOL_CRITERIA:
            criteria.record_result(
                db, student=noor, badge=find_badge(db, BADGE), criterion_key=key, met=True,
                actor=None, now=now,
            )  # fmt: skip
        db.commit()
        noor_id = noor.id
    context, page = new_page(browser, live_server, width)
    try:
        sign_in(page, PARTNER)
        page.get_by_role("link", name="Lincoln High Health Academy").click()
        page.get_by_label("Noor Haddad: Patient-communication assessment met").check()
        page.get_by_label("Evidence link for “Patient-communication assessment”").fill(
            "https://mentors.example.org/rubric/noor"
        )
        fits(page, width)
        screenshot(page, f"{width}-mentor-grid")
        page.get_by_role("button", name="Save the ticked cells").click()
        page.get_by_text("Recorded 1 result.").wait_for()
        page.get_by_role("button", name="Sign out").click()

        sign_in(page, LINCOLN)
        page.goto(f"/admin/pathways/lincoln-health/students/{noor_id}")
        page.get_by_role("button", name="Issue badge").click()
        page.get_by_text("Issued the Health Care Industry Badge to Noor Haddad").wait_for()
        with live_server.session() as db:
            award = db.scalar(select(Award).where(Award.student_id == noor_id))
            credential = award.credential_json
        uuid = credential["id"].removeprefix("urn:uuid:")
        served = json.loads(page.request.get(f"/badges/{uuid}.json").text())
        assessed = [e for e in served["evidence"] if e.get("genre") == "Employer assessment"]
        assert assessed == [
            {
                "type": ["Evidence"],
                "id": "https://mentors.example.org/rubric/noor",
                "name": "Patient-communication assessment",
                "description": f"Assessed by Sutter Health (employer mentor) on "
                f"{now.date().isoformat()}.",
                "genre": "Employer assessment",
            }
        ]
    finally:
        context.close()
