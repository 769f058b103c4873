"""The admin pages in headless Chromium: sign in, record a criterion, issue, bulk-issue with
the progress bar, revoke; and the bulk run followed without JavaScript. Screenshots go to
test-artifacts/screenshots/."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from issuer.services.issuance import IssuerSite
from tests.web_admin.data import LINCOLN, PASSWORD, Network, build_network

pytestmark = pytest.mark.browser

COHORT = (
    "student_email,evidence_url\n"
    "ana.chen@students.example.org,https://evidence.example.org/ana\n"
    "priya.singh@students.example.org,\n"
    "nobody@students.example.org,\n"
)


@pytest.fixture
def net(live_server) -> Network:
    app = live_server.app
    with live_server.session() as session:
        return build_network(
            session,
            signer=app.extensions["signer"],
            site=IssuerSite.from_config(app.config),
            now=datetime.now(UTC),
        )


@pytest.fixture
def csp_violations(page) -> list[str]:
    """Console errors about the Content-Security-Policy (an inline script or style)."""
    found: list[str] = []
    page.on(
        "console",
        lambda message: (
            found.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return found


def sign_in(page, email: str = LINCOLN) -> None:
    page.goto("/admin/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Signed in as").wait_for()


def test_sign_in_record_issue_bulk_and_revoke(
    live_server, net, page, screenshot, csp_violations, tmp_path: Path
):
    page.goto("/login")
    page.get_by_label("Email address").fill(LINCOLN)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text().startswith("That email address and password")
    screenshot(page, "01-wrong-password")
    sign_in(page)
    page.get_by_role("link", name="Lincoln High Health Academy").click()
    page.get_by_role("heading", name="Ready to receive the Health Care Industry Badge").wait_for()
    screenshot(page, "02-pathway-dashboard")

    # Record the last criterion Diego needs.
    page.get_by_role("link", name="Diego Hernandez").first.click()
    card = page.locator("#criterion-hipaa-privacy-training")
    card.get_by_label("Met", exact=True).check()
    card.get_by_label("Evidence link (optional)").fill("https://evidence.example.org/diego")
    card.get_by_role("button", name="Record “HIPAA and patient-privacy training”").click()
    page.get_by_text("Recorded “HIPAA and patient-privacy training” as met").wait_for()
    screenshot(page, "03-criterion-recorded")

    # Issue.
    page.get_by_role("button", name="Issue badge").click()
    page.get_by_text("Issued the Health Care Industry Badge to Diego Hernandez").wait_for()
    assert page.get_by_role("cell", name="Active").is_visible()
    screenshot(page, "04-issued")

    # Bulk: preview with an error, issue the valid rows, follow the progress bar.
    csv_file = tmp_path / "cohort.csv"
    csv_file.write_text(COHORT)
    page.get_by_role("link", name="Bulk issue").click()
    page.get_by_label("CSV file").set_input_files(str(csv_file))
    page.get_by_role("button", name="Preview").click()
    page.get_by_text("2 ready · 0 already issued · 1 with errors").wait_for()
    assert page.get_by_role("button", name="Issue all").is_disabled()
    assert page.get_by_text("no student nobody@students.example.org").is_visible()
    screenshot(page, "05-bulk-preview")
    page.get_by_role("button", name="Issue the valid rows (2)").click()
    page.locator("#bulk-progress[data-state=finished]").wait_for()
    assert page.locator("#bulk-progress-bar").evaluate("bar => [bar.value, bar.max]") == [3, 3]
    assert (
        "3 of 3 rows processed · 2 issued · 0 already issued · 1 not issued"
        in page.locator("#bulk-progress-text").inner_text()
    )
    assert page.get_by_role("heading", name="Finished").is_visible()
    # Every row is listed; an issued one opens its public badge page.
    page.get_by_role("link", name="Issued: view the badge").first.wait_for()
    assert page.get_by_role("link", name="Issued: view the badge").count() == 2
    screenshot(page, "06-bulk-finished")
    with page.expect_navigation():
        page.get_by_role("link", name="Issued: view the badge").first.click()
    assert "/badges/" in page.url
    page.go_back()

    # Revoke Diego's badge: the reason is required.
    page.goto("/admin/pathways/lincoln-health")
    page.get_by_role("link", name="Revoke Diego Hernandez's badge").click()
    page.get_by_role(
        "heading", name="Revoke Diego Hernandez's Health Care Industry Badge?"
    ).wait_for()
    page.get_by_role("button", name="Revoke the badge").click()
    assert page.get_by_label("Reason (required)").evaluate("el => el.validity.valueMissing")
    page.get_by_label("Reason (required)").fill("Evidence link was for another student")
    screenshot(page, "07-revoke-confirm")
    page.get_by_role("button", name="Revoke the badge").click()
    page.get_by_text("Revoked Diego Hernandez's Health Care Industry Badge").wait_for()
    assert page.get_by_role(
        "cell", name="Revoked — Evidence link was for another student"
    ).is_visible()
    screenshot(page, "08-revoked")
    assert csp_violations == []


def test_bulk_progress_without_javascript(browser, live_server, net, screenshot, tmp_path: Path):
    context = browser.new_context(base_url=live_server.base_url, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page)
        csv_file = tmp_path / "cohort.csv"
        csv_file.write_text("student_email\nana.chen@students.example.org\n")
        page.goto("/admin/bulk")
        page.get_by_label("CSV file").set_input_files(str(csv_file))
        page.get_by_role("button", name="Preview").click()
        page.get_by_role("button", name="Issue all").click()
        # The page refreshes itself (<noscript> meta refresh) until the run ends.
        page.get_by_role("heading", name="Finished").wait_for(timeout=20_000)
        assert (
            "1 of 1 rows processed · 1 issued" in page.locator("#bulk-progress-text").inner_text()
        )
        screenshot(page, "bulk-finished-no-js")
    finally:
        context.close()
