"""Issue #12 item 4: the Alliance admin invites users by e-mail, who choose their password
through a single-use, expiring link; password reset by e-mailed link (same answer for known
and unknown addresses, rate limited); disable and re-enable; pathway admins see their
colleagues, read-only."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from issuer.models import OneTimeLink, OutboundMessage, Pathway, User
from tests.web_admin.data import ALLIANCE, LINCOLN, OAKLAND, PARTNER, PASSWORD

URL = re.compile(r"https://badges\.example\.org(/\S+)")
NEW_PASSWORD = "a brand new passphrase"


def _latest_link(db: Any, to: str) -> str:
    db.expire_all()
    message = db.scalars(
        select(OutboundMessage)
        .where(OutboundMessage.to_address == to)
        .order_by(OutboundMessage.id.desc())
    ).first()
    return URL.search(message.body_text).group(1)


def _invite(web: Any, db: Any, email: str = "nia.new@lincoln.example.org") -> str:
    lincoln = db.scalar(select(Pathway.id).where(Pathway.slug == "lincoln-health"))
    web.login(ALLIANCE)
    response = web.post(
        "/admin/people",
        {"name": "Nia New", "email": email, "role": "pathway_admin", "pathways": [lincoln]},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    web.logout()
    return _latest_link(db, email)


def _set_password(web: Any, path: str, password: str, confirm: str | None = None) -> Any:
    return web.post(path, {"password": password, "confirm": confirm or password})


def test_an_invited_user_chooses_a_password_and_signs_in(web, db):
    path = _invite(web, db)
    assert path.startswith("/account/invitation/")
    assert web.login("nia.new@lincoln.example.org", "x" * 12).status_code == 401  # none yet

    page = web.get(path)
    assert page.status_code == 200 and "Welcome, Nia New" in page.get_data(as_text=True)
    mismatch = _set_password(web, path, NEW_PASSWORD, "something else entirely")
    assert mismatch.status_code == 422
    assert "not the same" in mismatch.get_data(as_text=True)
    short = _set_password(web, path, "short")
    assert short.status_code == 422 and "at least 12 characters" in short.get_data(as_text=True)

    done = _set_password(web, path, NEW_PASSWORD)  # the typos above did not use the link
    assert done.status_code == 302 and done.location.endswith("/login")
    signed_in = web.login("nia.new@lincoln.example.org", NEW_PASSWORD)
    assert signed_in.status_code == 302
    assert web.get("/admin/pathways/lincoln-health").status_code == 200  # the invited scope


def test_an_invitation_link_is_single_use_expiring_and_tamper_proof(web, db):
    path = _invite(web, db)
    assert _set_password(web, path, NEW_PASSWORD).status_code == 302
    reused = web.get(path)
    assert reused.status_code == 410 and "already used" in reused.get_data(as_text=True)
    assert _set_password(web, path, "another long passphrase").status_code == 410

    second = _invite(web, db, email="otto.late@lincoln.example.org")
    db.execute(update(OneTimeLink).values(expires_at=datetime.now(UTC) - timedelta(minutes=1)))
    db.commit()
    expired = web.get(second)
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)

    tampered = second[:-4] + ("AAAA" if not second.endswith("AAAA") else "BBBB")
    assert web.get(tampered).status_code == 400
    reset_path = second.replace("/account/invitation/", "/account/reset/")
    assert web.get(reset_path).status_code == 400  # an invitation is not a reset link


def test_a_new_invitation_retires_the_earlier_link(web, db):
    first = _invite(web, db)
    user_id = db.scalar(select(User.id).where(User.email == "nia.new@lincoln.example.org"))
    web.login(ALLIANCE)
    assert web.post(f"/admin/people/{user_id}/invite").status_code == 302
    second = _latest_link(db, "nia.new@lincoln.example.org")
    assert second != first
    assert web.get(first).status_code == 410
    assert web.get(second).status_code == 200
    web.login(ALLIANCE)
    assert "Last e-mail: You are invited" in web.get("/admin/people").get_data(as_text=True)


def test_invite_form_errors_are_plain_words_and_change_nothing(web, db):
    web.login(ALLIANCE)
    before = db.scalar(select(User.id).order_by(User.id.desc()))
    response = web.post("/admin/people", {"name": "", "email": "nope", "role": "pathway_admin"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Give the person" in body and "Enter an e-mail address" in body
    assert "Choose at least one pathway." in body
    taken = web.post("/admin/people", {"name": "Dup", "email": LINCOLN, "role": "alliance_admin"})
    assert taken.status_code == 422 and "already exists" in taken.get_data(as_text=True)
    db.expire_all()
    assert db.scalar(select(User.id).order_by(User.id.desc())) == before


def _ask_reset(web: Any, email: str) -> Any:
    return web.post("/account/reset", {"email": email})


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(web, db):
    known, unknown = LINCOLN, "stranger@example.org"
    a, b = _ask_reset(web, known), _ask_reset(web, unknown)
    assert a.status_code == b.status_code == 200
    assert a.get_data(as_text=True).replace(known, "X") == b.get_data(as_text=True).replace(
        unknown, "X"
    )
    db.expire_all()
    addresses = set(db.scalars(select(OutboundMessage.to_address)))
    assert known in addresses and unknown not in addresses


def test_a_reset_link_changes_the_password_once_and_ends_other_sessions(app, web, db):
    other_device = type(web)(app.test_client(), web.net)
    other_device.login(LINCOLN)
    assert other_device.get("/admin/").status_code == 200

    _ask_reset(web, LINCOLN)
    path = _latest_link(db, LINCOLN)
    assert path.startswith("/account/reset/")
    assert _set_password(web, path, NEW_PASSWORD).status_code == 302
    assert web.login(LINCOLN, PASSWORD).status_code == 401  # the old password is gone
    assert web.login(LINCOLN, NEW_PASSWORD).status_code == 302
    assert other_device.get("/admin/").status_code == 302  # signed out there
    assert web.get(path).status_code == 410


def test_a_reset_link_expires_and_a_tampered_one_is_refused(web, db):
    _ask_reset(web, LINCOLN)
    path = _latest_link(db, LINCOLN)
    assert web.get(path[:-2]).status_code == 400
    db.execute(update(OneTimeLink).values(expires_at=datetime.now(UTC)))
    db.commit()
    assert web.get(path).status_code == 410


def test_password_reset_is_rate_limited(app, web, db):
    app.config["PASSWORD_RESET_RATE_LIMIT"] = 2
    statuses = [_ask_reset(web, LINCOLN).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    db.expire_all()
    assert (
        len(db.scalars(select(OutboundMessage).where(OutboundMessage.to_address == LINCOLN)).all())
        == 2
    )


def test_a_disabled_user_cannot_sign_in_or_reset_until_re_enabled(app, web, db):
    lincoln_id = db.scalar(select(User.id).where(User.email == LINCOLN))
    their_device = type(web)(app.test_client(), web.net)
    their_device.login(LINCOLN)

    web.login(ALLIANCE)
    assert web.post(f"/admin/people/{lincoln_id}/disable").status_code == 302
    assert "Disabled" in web.get("/admin/people").get_data(as_text=True)
    assert their_device.get("/admin/").status_code == 302  # their session ended
    assert their_device.login(LINCOLN).status_code == 401
    _ask_reset(their_device, LINCOLN)
    db.expire_all()
    assert not db.scalars(
        select(OutboundMessage).where(OutboundMessage.to_address == LINCOLN)
    ).all()

    assert web.post(f"/admin/people/{lincoln_id}/enable").status_code == 302
    assert their_device.login(LINCOLN).status_code == 302


def test_the_alliance_admin_cannot_disable_themselves(web, db):
    me = db.scalar(select(User.id).where(User.email == ALLIANCE))
    web.login(ALLIANCE)
    response = web.post(f"/admin/people/{me}/disable", follow_redirects=True)
    assert "cannot disable your own account" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(User, me).active


def test_pathway_admins_see_their_colleagues_read_only(web, db):
    _invite(web, db)  # Nia joins Lincoln
    web.login(LINCOLN)
    page = web.get("/admin/people").get_data(as_text=True)
    assert "Nia New" in page and "Lin Coln" in page
    assert "Oak Land" not in page and "Ada Alliance" not in page  # not colleagues
    assert "Invite someone" not in page and "Disable" not in page


def test_employer_partners_have_no_people_page(web):
    web.login(PARTNER)
    assert web.get("/admin/people").status_code == 403
    web.logout()
    web.login(OAKLAND)
    assert web.get("/admin/people").status_code == 200
