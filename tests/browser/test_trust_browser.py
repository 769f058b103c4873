"""The trust pages of #11 in headless Chromium, on a 390 px phone and a 1280 px screen: the
Alliance's registry page, the employer's endorsement page and the benefit-granted line on the
verify page; each fits its viewport and works through its forms (no JavaScript needed).
Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from issuer.models import Award
from issuer.services.issuance import IssuerSite
from tests.web_admin.data import ALLIANCE, PARTNER, PASSWORD, Network, build_network

pytestmark = pytest.mark.browser

VIEWPORTS = {"phone": (390, 844), "desktop": (1280, 800)}
FOREIGN = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request, page) -> str:
    width, height = VIEWPORTS[request.param]
    page.set_viewport_size({"width": width, "height": height})
    return request.param


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


def sign_in(page, email: str) -> None:
    page.goto("/admin/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Signed in as").wait_for()


def assert_fits(page, selector: str | None = None) -> None:
    """The page (or, on a page others lay out, our ``selector`` part of it) fits the viewport."""
    width = page.viewport_size["width"]
    if selector is None:
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, f"the page is {scroll_width} px wide in {width} px"
        return
    box = page.locator(selector).bounding_box()
    overflow = page.locator(selector).evaluate("e => e.scrollWidth - e.clientWidth")
    assert box["x"] >= 0 and box["x"] + box["width"] <= width and overflow <= 0, (
        f"{selector} spans {box} with {overflow} px of overflow in {width} px"
    )


def test_the_registry_page_adds_and_suspends_an_issuer(
    live_server, net, page, viewport, screenshot
):
    sign_in(page, ALLIANCE)
    page.get_by_role("link", name="Recognized issuers").first.click()
    page.get_by_role("heading", name="Recognized issuers").wait_for()
    page.get_by_label("Issuer's name").fill("Valley Community College")
    page.get_by_label("Issuer's identifier").fill(FOREIGN)
    page.get_by_label("Website").fill("https://valley.example.edu")
    page.get_by_role("button", name="Add to the registry").click()
    page.get_by_text("Valley Community College is now a recognized issuer.").wait_for()
    entry = page.locator("li[data-status]", has_text="Valley Community College")
    assert entry.get_attribute("data-status") == "active"
    assert_fits(page)
    screenshot(page, f"registry-{viewport}")
    entry.get_by_role("button", name="Suspend").click()
    entry = page.locator("li[data-status]", has_text="Valley Community College")
    assert entry.get_attribute("data-status") == "suspended"
    assert "Suspended" in entry.inner_text()
    assert_fits(page)


def test_the_employer_signs_and_withdraws_its_endorsement(
    live_server, net, page, viewport, screenshot
):
    sign_in(page, PARTNER)
    page.get_by_role("link", name="Endorsement").click()
    page.get_by_label("Why you endorse it").fill(
        "Sutter Health hires entry-level clinical staff who meet these criteria."
    )
    page.get_by_role("button", name="Sign the endorsement").click()
    page.get_by_text("now endorses the Health Care Industry Badge").wait_for()
    item = page.locator("li[data-endorsement]").first
    assert item.get_attribute("data-state") == "active"
    assert_fits(page)
    screenshot(page, f"endorsement-{viewport}")
    item.get_by_label("Reason for withdrawing").fill("Criteria under review")
    item.get_by_role("button", name="Withdraw this endorsement").click()
    page.get_by_text("The endorsement is withdrawn").wait_for()
    assert page.locator("li[data-endorsement]").first.get_attribute("data-state") == "revoked"
    assert_fits(page)


def test_the_employer_records_a_benefit_and_the_next_scan_says_already_granted(
    live_server, net, page, viewport, screenshot
):
    with live_server.session() as db:
        uuid = db.get(Award, net.award_ids["Maria Lopez"]).credential_id.removeprefix("urn:uuid:")
    page.goto(f"/verify/{uuid}")
    assert page.locator("#grants").count() == 0  # nothing of grants for the public
    sign_in(page, PARTNER)
    page.goto(f"/verify/{uuid}")
    line = page.locator('[data-grant="medical-assisting-exam-funding"]')
    line.get_by_role(
        "button", name="Record Medical Assisting State Exam funding as granted"
    ).click()
    page.get_by_text("Recorded: the benefit was granted.").wait_for()
    page.goto(f"/verify/{uuid}")  # the next scan
    line = page.locator('[data-grant="medical-assisting-exam-funding"]')
    assert "Already granted on" in line.inner_text()
    assert line.get_by_role("button").count() == 0
    # The verify page's own layout is the verdict screen's (employer-pages); ours is #grants.
    assert_fits(page, "#grants")
    page.locator("#grants").scroll_into_view_if_needed()
    screenshot(page, f"granted-{viewport}")
