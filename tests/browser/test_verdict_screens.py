"""What an employer sees on the first screen after scanning a badge's QR code, on a phone
(390 x 844) and a desktop (1280 x 800): for an active, a revoked, an expired and a tampered badge
(issue #11). Screenshots: test-artifacts/screenshots/test_verdict_screens-*."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.public.support import issue_award
from verifier.verdict import plain_date

pytestmark = pytest.mark.browser

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
PLAIN_DATE = re.compile(r"^\d{1,2} (January|February|March|April|May|June|July|August|September|October|November|December) \d{4}$")  # fmt: skip


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request, page) -> dict[str, int]:
    page.set_viewport_size(VIEWPORTS[request.param])
    return VIEWPORTS[request.param]


@pytest.fixture
def issue(live_server):
    def make(**options):
        with live_server.session() as session:
            return issue_award(live_server.app, session, **options)

    return make


def on_first_screen(page, locator) -> bool:
    """Entirely inside the viewport without scrolling."""
    page.evaluate("() => window.scrollTo(0, 0)")
    box = locator.bounding_box()
    height = page.evaluate("() => window.innerHeight")
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def starts_on_first_screen(page, locator) -> bool:
    page.evaluate("() => window.scrollTo(0, 0)")
    box = locator.bounding_box()
    return box is not None and 0 <= box["y"] < page.evaluate("() => window.innerHeight")


def _date_in_words(time_element) -> datetime:
    """The <time>'s text is a date in words; its datetime is the exact UTC instant."""
    instant = datetime.fromisoformat(time_element.get_attribute("datetime").replace("Z", "+00:00"))
    assert PLAIN_DATE.match(time_element.inner_text())
    assert time_element.inner_text() == plain_date(instant)
    assert time_element.get_attribute("title").endswith(" UTC")
    return instant


def test_active_badge_qr_landing(page, viewport, issue, screenshot, axe_check, fits_viewport):
    award = issue(name="Maria Lopez", consent=True)
    page.goto(f"/verify/{award.uuid}")
    verdict = page.locator("[data-verdict]")
    assert verdict.get_attribute("data-state") == "genuine"
    headline = page.locator("#verdict-heading")
    assert headline.inner_text().strip().endswith("Genuine and current")
    for field in ("headline", "holder", "name", "issuer", "valid-until", "unlocks"):
        assert on_first_screen(page, page.locator(f'[data-field="{field}"]')), field
    assert page.locator('[data-field="holder"]').inner_text() == "Maria Lopez"
    assert page.locator('[data-field="issuer"]').inner_text().startswith("Linked Learning Alliance")
    assert "did:" not in verdict.inner_text()
    until = _date_in_words(page.locator('[data-field="valid-until"] time'))
    assert until > datetime.now(UTC)
    assert starts_on_first_screen(page, page.locator("#benefits-heading"))
    assert not page.locator("details#checks").evaluate("el => el.open")  # folded below
    fits_viewport(page)
    axe_check(page)
    screenshot(page, "active")

    # Then the holder's email.
    page.get_by_label("Holder's email address").fill(award.email)
    page.get_by_role("button", name="Check email").click()
    assert page.locator("[data-recipient-check]").get_attribute("data-recipient-check") == "match"
    assert award.email not in page.content()


def test_revoked_badge_leads_with_the_date_and_offers_only_evidence(
    page, viewport, issue, screenshot, axe_check, fits_viewport, live_server
):
    award = issue(name="Joseph Park", consent=True, revoke_reason="CPR card had expired")
    for path in (f"/verify/{award.uuid}", f"/badges/{award.uuid}"):
        page.goto(path)
        verdict = page.locator("[data-verdict]")
        assert verdict.get_attribute("data-state") == "revoked"
        assert page.locator("#verdict-heading").inner_text().strip().startswith("✘")
        assert on_first_screen(page, page.locator('[data-field="headline"]'))
        headline = page.locator('[data-field="headline"]').inner_text()
        revoked_on = _date_in_words(page.locator('[data-field="headline"] time'))
        assert headline == f"Revoked on {plain_date(revoked_on)}"
        assert revoked_on.date() == datetime.now(UTC).date()
        assert "revoked by its issuer" in verdict.inner_text()
        assert page.locator('[data-field="holder"]').inner_text() == "Joseph Park"
        assert on_first_screen(page, page.locator('[data-field="holder"]'))
        if path.startswith("/verify/"):
            assert starts_on_first_screen(page, page.locator("#benefits-heading"))
        assert page.locator('[data-eligible="true"]').count() == 0
        fits_viewport(page)
        axe_check(page)
        screenshot(page, "revoked-" + path.split("/")[1])
    # The badge page: no LinkedIn, no QR, no card; the evidence of what was revoked remains.
    assert page.locator("[data-link=linkedin]").count() == 0
    assert page.get_by_role("link", name="Printable card").count() == 0
    assert page.get_by_role("heading", name="Download the evidence").is_visible()
    href = page.get_by_role("link", name="Credential (JSON-LD)").get_attribute("href")
    evidence = page.request.get(live_server.url(href))
    assert evidence.ok and json.loads(evidence.body())["id"] == award.credential_id


def test_expired_badge_says_the_day(page, viewport, issue, screenshot, axe_check, fits_viewport):
    award = issue(name="Old Timer", consent=True, issued_at=datetime.now(UTC) - timedelta(days=800))
    for path in (f"/verify/{award.uuid}", f"/badges/{award.uuid}"):
        page.goto(path)
        assert page.locator("[data-verdict]").get_attribute("data-state") == "expired"
        assert on_first_screen(page, page.locator('[data-field="headline"]'))
        expired_on = _date_in_words(page.locator('[data-field="headline"] time'))
        assert expired_on < datetime.now(UTC)
        assert page.locator('[data-field="headline"]').inner_text().startswith("Expired on ")
        assert page.locator('[data-field="holder"]').inner_text() == "Old Timer"
        assert on_first_screen(page, page.locator('[data-field="holder"]'))
        if path.startswith("/verify/"):
            assert starts_on_first_screen(page, page.locator("#benefits-heading"))
        fits_viewport(page)
        axe_check(page)
        screenshot(page, "expired-" + path.split("/")[1])
    assert page.locator("[data-link=linkedin]").count() == 0


def test_tampered_badge_is_not_genuine(
    page, viewport, issue, screenshot, axe_check, fits_viewport, live_server
):
    award = issue(name="Ana Chen", consent=True)
    credential = json.loads(page.request.get(live_server.url(f"/badges/{award.uuid}.json")).body())
    credential["credentialSubject"]["achievement"]["name"] = "Chief of Surgery"
    page.goto("/verify")
    page.fill("#credential", json.dumps(credential))
    page.get_by_role("button", name="Verify").click()
    verdict = page.locator("[data-verdict]")
    assert verdict.get_attribute("data-state") == "not-genuine"
    assert on_first_screen(page, page.locator('[data-field="headline"]'))
    assert page.locator('[data-field="headline"]').inner_text() == "Not genuine"
    assert "changed after it was issued" in verdict.inner_text()
    text = page.locator("main").inner_text()
    assert "Chief of Surgery" not in text and "Ana Chen" not in text
    fits_viewport(page)
    axe_check(page)
    screenshot(page, "tampered")
