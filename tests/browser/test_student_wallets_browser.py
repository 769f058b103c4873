"""'My badges', the name-display consent and the wallet QR page in headless Chromium, at a
phone's 390 px and a laptop's 1280 px: nothing wider than the viewport, every form without
JavaScript-only behaviour, and consent off hides the name from the public page at once."""

from __future__ import annotations

import pytest

from issuer.models import Award
from tests.public.support import issue_award
from tests.wallets.support import student_cookie

pytestmark = pytest.mark.browser
WIDTHS = [390, 1280]


@pytest.fixture
def issue(live_server):
    def make(**options):
        with live_server.session() as session:
            issued = issue_award(live_server.app, session, **options)
            student_id = session.get(Award, issued.award_id).student_id
        return issued, student_id

    return make


def _sign_in(page, live_server, student_id: int) -> None:
    name, value = student_cookie(live_server.app, student_id)
    page.context.add_cookies([{"name": name, "value": value, "url": live_server.base_url}])


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    assert width <= viewport, f"{page.url}: {width}px wide in a {viewport}px viewport"


@pytest.mark.parametrize("width", WIDTHS)
def test_my_badges_and_the_wallet_qr_page_fit_the_screen(
    page, live_server, issue, screenshot, width
):
    page.set_viewport_size({"width": width, "height": 844 if width == 390 else 800})
    issued, student_id = issue(name="Ana Chen")
    issue(name="Ben Ode")  # someone else's badge must not show up
    _sign_in(page, live_server, student_id)
    page.goto("/my/badges")
    assert page.locator("h1").inner_text() == "My badges"
    cards = page.locator("[data-badge]")
    assert cards.count() == 1
    assert cards.first.get_attribute("data-badge") == issued.uuid
    status = page.locator("[data-field=status]").inner_text()
    assert status.startswith("Active until")
    link = page.locator("[data-field=link]")
    assert link.input_value() == live_server.url(f"/badges/{issued.uuid}")
    assert link.get_attribute("readonly") is not None
    _fits(page)
    screenshot(page, f"my-badges-{width}")

    page.get_by_role("button", name="Other wallet (OpenID)").click()
    assert page.locator("[data-offer-state=open]").is_visible()
    assert len(page.locator("[data-field=tx-code]").inner_text()) == 6
    qr = page.locator("[data-field=wallet-qr]")
    assert qr.evaluate("img => img.naturalWidth") > 0  # the QR image loaded under the CSP
    _fits(page)
    screenshot(page, f"wallet-oid4vci-{width}")

    page.goto("/my/badges")
    page.get_by_role("button", name="Learner Credential Wallet").click()
    assert (
        page.locator("[data-link=wallet]")
        .get_attribute("href")
        .startswith("https://lcw.app/request.html?")
    )
    _fits(page)
    screenshot(page, f"wallet-lcw-{width}")


@pytest.mark.parametrize("width", WIDTHS)
def test_consent_toggle_shows_then_hides_the_name_on_the_public_page(
    browser, page, live_server, issue, screenshot, width
):
    page.set_viewport_size({"width": width, "height": 844 if width == 390 else 800})
    issued, student_id = issue(name="Ana Chen")
    employer = browser.new_context(base_url=live_server.base_url).new_page()
    employer.set_viewport_size({"width": width, "height": 844 if width == 390 else 800})
    try:
        employer.goto(f"/badges/{issued.uuid}")
        assert "Ana Chen" not in employer.locator("[data-field=recipient]").inner_text()

        _sign_in(page, live_server, student_id)
        page.goto("/my/badges")
        page.get_by_role("button", name="Show my name").click()
        assert page.locator("[data-name-display=shown]").is_visible()
        _fits(page)
        screenshot(page, f"consent-on-{width}")
        employer.reload()
        assert "Ana Chen" in employer.locator("[data-field=recipient]").inner_text()

        page.get_by_role("button", name="Hide my name").click()
        assert page.locator("[data-name-display=hidden]").is_visible()
        employer.reload()  # the very next request
        assert "Ana Chen" not in employer.content()
        screenshot(employer, f"public-page-after-consent-off-{width}")
    finally:
        employer.context.close()
