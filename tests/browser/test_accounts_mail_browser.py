"""The student's claim and sign-in pages and the invitation / password-reset pages in headless
Chromium at phone (390 px) and desktop (1280 px) widths: nothing wider than the screen, no
CSP violation, every step a plain form. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from issuer import notifications
from issuer.models import OutboundMessage, Role, User
from issuer.services import users
from issuer.services.issuance import IssuerSite
from tests.web_admin.data import ALLIANCE, LINCOLN, PASSWORD, Network, build_network

pytestmark = pytest.mark.browser
WIDTHS = [390, 1280]


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
    found: list[str] = []
    page.on(
        "console",
        lambda m: found.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return found


def _latest_link(live_server, **where) -> str:
    with live_server.session() as db:
        query = select(OutboundMessage).order_by(OutboundMessage.id.desc())
        for key, value in where.items():
            query = query.where(getattr(OutboundMessage, key) == value)
        text = db.scalars(query).first().body_text
    return re.search(r"http://127\.0\.0\.1:\d+(/\S+)", text).group(1)


def _fits(page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"the page is {scroll}px wide on a {width}px screen"


@pytest.mark.parametrize("width", WIDTHS)
def test_student_claims_a_badge_then_signs_in_again_by_link(
    live_server, net, page, screenshot, csp_violations, width
):
    page.set_viewport_size({"width": width, "height": 800})
    claim = _latest_link(live_server, award_id=net.award_ids["Maria Lopez"])
    page.goto(claim)
    page.get_by_role("heading", name="Claim your Health Care Industry Badge").wait_for()
    _fits(page, width)
    screenshot(page, f"claim-{width}")
    page.get_by_role("button", name="Claim my badge").click()
    page.get_by_role("heading", name="My badges").wait_for()
    assert page.get_by_text("Your badge is claimed").is_visible()
    _fits(page, width)
    screenshot(page, f"my-badges-{width}")

    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", name="See your badges").wait_for()
    page.goto(claim)  # the claim link is used up
    assert page.get_by_role("heading", name="This link was already used").is_visible()
    _fits(page, width)
    screenshot(page, f"link-used-{width}")

    page.get_by_label("Email address").fill(net.student_emails["Maria Lopez"])
    page.get_by_role("button", name="Send me a sign-in link").click()
    page.get_by_role("heading", name="Check your e-mail").wait_for()
    _fits(page, width)
    screenshot(page, f"link-sent-{width}")
    page.goto(_latest_link(live_server, kind="student.sign_in"))
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="My badges").wait_for()
    assert page.get_by_text("Maria Lopez", exact=False).first.is_visible()
    assert csp_violations == []


@pytest.mark.parametrize("width", WIDTHS)
def test_invited_user_sets_a_password_and_a_user_resets_one(
    live_server, net, page, screenshot, csp_violations, width
):
    page.set_viewport_size({"width": width, "height": 800})
    app = live_server.app
    with live_server.session() as db:
        admin = db.scalar(select(User).where(User.email == ALLIANCE))
        user = users.invite_user(
            db,
            email="nia.new@lincoln.example.org",
            name="Nia New",
            role=Role.ALLIANCE_ADMIN,
            actor=admin,
            now=datetime.now(UTC),
        )
        notifications.queue_user_invited(
            db, user, inviter=admin, site=IssuerSite.from_config(app.config), now=datetime.now(UTC)
        )
        db.commit()

    page.goto(_latest_link(live_server, to_address="nia.new@lincoln.example.org"))
    page.get_by_role("heading", name="Welcome, Nia New").wait_for()
    page.get_by_label("New password").fill("short")
    page.get_by_label("The same password again").fill("short")
    page.get_by_role("button", name="Set my password").click()
    page.get_by_text("Use at least 12 characters").wait_for()
    _fits(page, width)
    screenshot(page, f"invitation-error-{width}")
    page.get_by_label("New password").fill("a long enough passphrase")
    page.get_by_label("The same password again").fill("a long enough passphrase")
    page.get_by_role("button", name="Set my password").click()
    page.get_by_text("Your password is set").wait_for()
    page.get_by_label("Email address").fill("nia.new@lincoln.example.org")
    page.get_by_label("Password").fill("a long enough passphrase")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Signed in as Nia New").wait_for()
    page.goto("/admin/people")
    page.get_by_role("heading", name="Invite someone").wait_for()
    _fits(page, width)
    screenshot(page, f"people-{width}")
    page.get_by_role("button", name="Sign out Nia New").click()

    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email address").fill(LINCOLN)
    page.get_by_role("button", name="Send me a link").click()
    page.get_by_role("heading", name="Check your e-mail").wait_for()
    _fits(page, width)
    screenshot(page, f"reset-sent-{width}")
    page.goto(_latest_link(live_server, to_address=LINCOLN))
    page.get_by_role("heading", name="Choose a new password").wait_for()
    _fits(page, width)
    screenshot(page, f"reset-form-{width}")
    page.get_by_label("New password").fill("another long passphrase")
    page.get_by_label("The same password again").fill("another long passphrase")
    page.get_by_role("button", name="Save the new password").click()
    page.get_by_text("Your password is set").wait_for()
    page.get_by_label("Email address").fill(LINCOLN)
    page.get_by_label("Password").fill(PASSWORD)  # the old one no longer works
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("did not match", exact=False).or_(page.get_by_role("alert")).first.wait_for()
    assert csp_violations == []
