"""Every public and admin page: no serious or critical axe-core violation, nothing wider than
the viewport at 320, 390 and 1280 px, and a focus ring of 3:1 contrast or more (issue #11).

``axe_check`` and ``fits_viewport`` come from tests/browser/conftest.py; use them in new
browser tests for new pages."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from issuer.services.issuance import IssuerSite
from tests.public.support import issue_award
from tests.web_admin.data import ALLIANCE, LINCOLN, PARTNER, PASSWORD, build_network

pytestmark = pytest.mark.browser

WIDTHS = (320, 390, 1280)
UNKNOWN = "6f1c1d1e-8d39-4c5b-9b43-2d3c8a4c2f10"


def check_every_width(page, name, open_page, axe_check, fits_viewport, screenshot) -> None:
    """Open the page at each width: it fits; axe passes (and a screenshot is kept) at the
    narrowest and the widest."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 844 if width < 1000 else 800})
        open_page()
        fits_viewport(page)
        if width in (WIDTHS[0], WIDTHS[-1]):
            axe_check(page)
            screenshot(page, f"{name}-{width}")


def _goto(page, path):
    return lambda: page.goto(path)


def test_every_public_page(page, live_server, axe_check, fits_viewport, screenshot):
    with live_server.session() as session:
        app = live_server.app
        active = issue_award(app, session, name="Maria Lopez", consent=True)
        revoked = issue_award(app, session, name="Joe Park", revoke_reason="Issued in error")
        expired = issue_award(
            app, session, name="Old Timer", issued_at=datetime.now(UTC) - timedelta(days=800)
        )
    credential = page.request.get(live_server.url(f"/badges/{active.uuid}.json")).text()

    def paste(text):
        def run():
            page.goto("/verify")
            page.fill("#credential", text)
            with page.expect_navigation():
                page.get_by_role("button", name="Verify").click()
            page.locator("[data-verdict], [data-error]").first.wait_for()

        return run

    def stale_form_token():
        page.goto(f"/badges/{active.uuid}")
        page.locator("#recipient-email").fill("someone@example.org")
        page.locator("input[name=csrf_token]").last.evaluate("el => el.value = 'stale'")
        page.get_by_role("button", name="Check", exact=True).click()
        assert page.locator("[data-error-code='400']").count() == 1

    pages = {
        "home": _goto(page, "/"),
        "login": _goto(page, "/login"),
        "verify-form": _goto(page, "/verify"),
        "verify-refused": paste("hello, is this my badge?"),
        "verify-genuine": paste(credential),
        "verify-tampered": paste(credential.replace("Health Care Industry Badge", "Surgeon", 1)),
        "qr-active": _goto(page, f"/verify/{active.uuid}"),
        "qr-revoked": _goto(page, f"/verify/{revoked.uuid}"),
        "qr-expired": _goto(page, f"/verify/{expired.uuid}"),
        "badge-active": _goto(page, f"/badges/{active.uuid}"),
        "badge-revoked": _goto(page, f"/badges/{revoked.uuid}"),
        "badge-expired": _goto(page, f"/badges/{expired.uuid}"),
        "card": _goto(page, f"/badges/{active.uuid}/card"),
        "error-404": _goto(page, "/no-such-page"),
        "error-404-badge": _goto(page, f"/badges/{UNKNOWN}"),
        "error-400": stale_form_token,
    }
    for name, open_page in pages.items():
        check_every_width(page, name, open_page, axe_check, fits_viewport, screenshot)
    assert json.loads(credential)["id"] == active.credential_id


def _sign_in(page, email):
    page.context.clear_cookies()
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Signed in as").wait_for()


def test_every_admin_page(page, live_server, axe_check, fits_viewport, screenshot, tmp_path: Path):
    app = live_server.app
    with live_server.session() as session:
        net = build_network(
            session,
            signer=app.extensions["signer"],
            site=IssuerSite.from_config(app.config),
            now=datetime.now(UTC),
        )
    cohort = tmp_path / "cohort.csv"
    cohort.write_text("student_email\nana.chen@students.example.org\nnobody@students.example.org\n")

    def wrong_password():
        page.context.clear_cookies()
        page.goto("/login")
        page.get_by_label("Email address").fill(LINCOLN)
        page.get_by_label("Password").fill("not the password")
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("alert").wait_for()

    def bulk_preview():
        page.goto("/admin/bulk")
        page.get_by_label("CSV file").set_input_files(str(cohort))
        page.get_by_role("button", name="Preview").click()
        page.get_by_text("with errors").first.wait_for()

    check_every_width(page, "login-refused", wrong_password, axe_check, fits_viewport, screenshot)
    diego = net.students["Diego Hernandez"]
    by_role = {
        LINCOLN: {
            "pathway-home": "/admin/",
            "pathway-dashboard": "/admin/pathways/lincoln-health",
            "student": f"/admin/pathways/lincoln-health/students/{diego}",
            "bulk-upload": "/admin/bulk",
            "admin-404": "/admin/pathways/no-such-pathway",
        },
        ALLIANCE: {
            "alliance-home": "/admin/",
            "alliance-dashboard": "/admin/alliance",
            "certification": "/admin/alliance/pathways/lincoln-health/certification",
            "gold-pathway": "/admin/pathways/oak-health",
            "revoke": f"/admin/awards/{net.award_ids['Maria Lopez']}/revoke",
        },
        PARTNER: {
            "employer-home": "/admin/",
            "employer-badge": "/admin/badges/health-care-industry-badge",
        },
    }
    for email, paths in by_role.items():
        _sign_in(page, email)
        for name, path in paths.items():
            check_every_width(page, name, _goto(page, path), axe_check, fits_viewport, screenshot)
        if email == LINCOLN:
            # A flash message: a live region around a real list (valid list semantics).
            page.goto(f"/admin/pathways/lincoln-health/students/{diego}")
            card = page.locator("#criterion-hipaa-privacy-training")
            card.get_by_label("Met", exact=True).check()
            card.get_by_role("button", name="Record “HIPAA and patient-privacy training”").click()
            flash = page.locator("[role=status] > ul.flashes > li.flash")
            assert "Recorded" in flash.first.inner_text()
            assert page.locator("ul[role], li[role]").count() == 0
            axe_check(page)
            check_every_width(
                page, "bulk-preview", bulk_preview, axe_check, fits_viewport, screenshot
            )
            page.get_by_role("button", name="Issue the valid rows (1)").click()
            page.locator("#bulk-progress[data-state=finished]").wait_for(timeout=30_000)
            job = page.url
            check_every_width(
                page, "bulk-finished", _goto(page, job), axe_check, fits_viewport, screenshot
            )


def _contrast(first: list[float], second: list[float]) -> float:
    def luminance(rgb: list[float]) -> float:
        channels = [c / 255 for c in rgb[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


FOCUS_COLOURS = """() => {
  const rgb = s => s.match(/[\\d.]+/g).map(Number);
  const el = document.activeElement;
  let bg = el.parentElement;
  while (bg && rgb(getComputedStyle(bg).backgroundColor)[3] === 0) bg = bg.parentElement;
  const style = getComputedStyle(el);
  return {tag: el.tagName, style: style.outlineStyle, width: parseFloat(style.outlineWidth),
          ring: rgb(style.outlineColor),
          background: bg ? rgb(getComputedStyle(bg).backgroundColor) : [255, 255, 255]};
}"""


def test_the_focus_ring_has_three_to_one_contrast(page, live_server):
    """WCAG 2.2 SC 1.4.11 (non-text contrast) and 2.4.7 (focus visible), on a link, a form
    field in a card and a button, reached with the keyboard."""
    page.goto("/verify")
    seen = set()
    for _ in range(12):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS_COLOURS)
        if focus["tag"] in seen or focus["tag"] == "BODY":
            continue
        seen.add(focus["tag"])
        assert focus["style"] != "none" and focus["width"] >= 2, focus
        assert _contrast(focus["ring"], focus["background"]) >= 3, focus
    assert {"A", "TEXTAREA", "BUTTON"} <= seen


def test_the_accessibility_check_catches_a_serious_violation(page, live_server, axe_check):
    """The check itself can fail: an unlabelled field and an image without alt text."""
    page.goto("/")
    page.evaluate(
        """() => {
            const main = document.querySelector('main');
            main.append(document.createElement('input'));
            const image = document.createElement('img');
            image.src = '/static/img/health-care-industry-badge.png';
            main.append(image);
        }"""
    )
    with pytest.raises(AssertionError, match=r"image-alt|label"):
        axe_check(page)


def test_the_student_pages(page, live_server, axe_check, fits_viewport, screenshot):
    """'My badges' and the wallet offer page of a signed-in student."""
    from issuer.models import Award
    from tests.wallets.support import student_cookie

    with live_server.session() as session:
        issued = issue_award(live_server.app, session, name="Ana Chen")
        student_id = session.get(Award, issued.award_id).student_id
    name, value = student_cookie(live_server.app, student_id)
    page.context.add_cookies([{"name": name, "value": value, "url": live_server.base_url}])

    def wallet_offer():
        page.goto("/my/badges")
        page.get_by_role("button", name="Other wallet (OpenID)").click()
        page.locator("[data-offer-state=open]").wait_for()

    check_every_width(
        page, "my-badges", _goto(page, "/my/badges"), axe_check, fits_viewport, screenshot
    )
    check_every_width(page, "wallet-offer", wallet_offer, axe_check, fits_viewport, screenshot)
