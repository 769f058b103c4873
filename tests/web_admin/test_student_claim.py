"""Issue #10 item 2: claim links and students' sign-in links are signed (itsdangerous),
single-use and expiring; reused, expired, tampered and other students' links are refused with
a clear page; the sign-in form answers the same for known and unknown addresses and is rate
limited."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from issuer.models import LinkPurpose, OneTimeLink, OutboundMessage
from issuer.services.issuance import IssuerSite
from issuer.services.links import LinkSigner

URL = re.compile(r"https://badges\.example\.org(/\S+)")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _link_in(db: Any, **where: Any) -> str:
    db.expire_all()
    query = select(OutboundMessage).order_by(OutboundMessage.id.desc())
    for key, value in where.items():
        query = query.where(getattr(OutboundMessage, key) == value)
    message = db.scalars(query).first()
    return URL.search(message.body_text).group(1)


def _open_and_confirm(client: Any, path: str) -> Any:
    page = client.get(path)
    if page.status_code != 200:
        return page
    token = CSRF.search(page.get_data(as_text=True)).group(1)
    return client.post(path, data={"csrf_token": token})


def _claim_path(web: Any, db: Any) -> str:
    return _link_in(db, award_id=web.net.award_ids["Maria Lopez"])


def test_a_claim_link_works_once(app, web, db):
    path = _claim_path(web, db)
    student = app.test_client()
    assert _open_and_confirm(student, path).location.endswith("/my/badges")
    other_device = app.test_client()
    again = other_device.get(path)
    assert again.status_code == 410
    assert "already used" in again.get_data(as_text=True)
    assert other_device.get("/my/badges").status_code == 302  # not signed in


def test_opening_a_claim_link_without_confirming_does_not_use_it(app, web, db):
    """Mail scanners fetch links: a GET shows the page and leaves the link usable."""
    path = _claim_path(web, db)
    assert app.test_client().get(path).status_code == 200
    assert app.test_client().get(path).status_code == 200
    assert _open_and_confirm(app.test_client(), path).status_code == 302


def test_an_expired_claim_link_is_refused(app, web, db):
    path = _claim_path(web, db)
    db.execute(update(OneTimeLink).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    db.commit()
    page = app.test_client().get(path)
    assert page.status_code == 410 and "has expired" in page.get_data(as_text=True)
    assert "Send me a sign-in link" in page.get_data(as_text=True)  # the way forward


def test_a_tampered_claim_link_is_refused(app, web, db):
    path = _claim_path(web, db)
    token = path.rsplit("/", 1)[1]
    flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    for bad in (flipped, token[:-5], "x" * 40, "a." * 300):
        page = app.test_client().get(f"/my/claim/{bad}")
        assert page.status_code == 400, bad
        assert "not valid" in page.get_data(as_text=True)


def test_a_link_signed_with_another_secret_or_for_another_use_is_refused(app, web, db):
    path = _claim_path(web, db)
    nonce = db.scalars(select(OneTimeLink.nonce)).first()
    forged = LinkSigner("not our secret").dumps(nonce, LinkPurpose.STUDENT_CLAIM)
    assert app.test_client().get(f"/my/claim/{forged}").status_code == 400
    ours = path.rsplit("/", 1)[1]
    assert app.test_client().get(f"/my/sign-in/{ours}").status_code == 400  # claim ≠ sign-in


def test_another_students_link_is_refused_while_signed_in(app, web, db):
    """On a shared device, a link for someone else does not switch students silently."""
    maria_path = _claim_path(web, db)
    client = app.test_client()
    page = client.get("/my/sign-in")
    csrf = CSRF.search(page.get_data(as_text=True)).group(1)
    client.post(
        "/my/sign-in", data={"csrf_token": csrf, "email": web.net.student_emails["Ana Chen"]}
    )
    ana_path = _link_in(db, student_id=web.net.students["Ana Chen"])
    assert _open_and_confirm(client, ana_path).location.endswith("/my/badges")

    refused = client.get(maria_path)
    assert refused.status_code == 403
    assert "for another student" in refused.get_data(as_text=True)
    assert "Sign out" in refused.get_data(as_text=True)
    # the link stays usable by its own student
    assert _open_and_confirm(app.test_client(), maria_path).status_code == 302


def _ask_for_link(client: Any, email: str) -> Any:
    page = client.get("/my/sign-in")
    csrf = CSRF.search(page.get_data(as_text=True)).group(1)
    return client.post("/my/sign-in", data={"csrf_token": csrf, "email": email})


def test_the_sign_in_form_answers_the_same_for_known_and_unknown_addresses(app, web, db):
    known = web.net.student_emails["Ana Chen"]
    unknown = "nobody.here@students.example.org"
    a = _ask_for_link(app.test_client(), known)
    b = _ask_for_link(app.test_client(), unknown)
    assert a.status_code == b.status_code == 200
    assert a.get_data(as_text=True).replace(known, "X") == b.get_data(as_text=True).replace(
        unknown, "X"
    )
    db.expire_all()
    sent_to = set(db.scalars(select(OutboundMessage.to_address)))
    assert known in sent_to and unknown not in sent_to


def test_a_sign_in_link_signs_the_student_in_once(app, web, db):
    email = web.net.student_emails["Ana Chen"]
    client = app.test_client()
    _ask_for_link(client, email)
    path = _link_in(db, student_id=web.net.students["Ana Chen"])
    assert path.startswith("/my/sign-in/")
    assert _open_and_confirm(client, path).location.endswith("/my/badges")
    assert "Ana Chen" in client.get("/my/badges").get_data(as_text=True)
    assert app.test_client().get(path).status_code == 410


def test_sign_in_links_are_rate_limited_per_address(app, web, db):
    app.config["STUDENT_SIGN_IN_RATE_LIMIT"] = 2
    email = web.net.student_emails["Ana Chen"]
    client = app.test_client()
    statuses = [_ask_for_link(client, email).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert "Too many links" in _ask_for_link(client, email).get_data(as_text=True)
    db.expire_all()
    assert (
        len(
            db.scalars(
                select(OutboundMessage).where(OutboundMessage.kind == "student.sign_in")
            ).all()
        )
        == 2
    )
    # unknown addresses are limited the same way (no difference to observe)
    statuses = [_ask_for_link(client, "ghost@example.org").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_a_bad_address_gets_a_form_message(app, web):
    response = _ask_for_link(app.test_client(), "not an address")
    assert response.status_code == 422
    assert "Enter an e-mail address" in response.get_data(as_text=True)


def test_my_badges_needs_a_signed_in_student(app, web):
    response = app.test_client().get("/my/badges")
    assert response.status_code == 302 and "/my/sign-in" in response.location


def test_sign_out_ends_the_student_session(app, web, db):
    client = app.test_client()
    assert _open_and_confirm(client, _claim_path(web, db)).status_code == 302
    page = client.get("/my/badges")
    csrf = CSRF.search(page.get_data(as_text=True)).group(1)
    assert client.post("/my/sign-out", data={"csrf_token": csrf}).status_code == 302
    assert client.get("/my/badges").status_code == 302


def test_site_without_a_secret_cannot_make_links():
    import pytest

    with pytest.raises(ValueError, match="secret"):
        LinkSigner("")
    assert IssuerSite("https://x.example", "X").link_secret == ""


def test_a_student_session_opens_no_admin_page_and_an_admin_session_no_student_page(app, web, db):
    student = app.test_client()
    assert _open_and_confirm(student, _claim_path(web, db)).status_code == 302
    for path in ("/admin/", "/admin/people", "/admin/pathways/oak-health", "/dev/outbox/0"):
        response = student.get(path)
        assert response.status_code in (302, 404), path
        if response.status_code == 302:
            assert "/login" in response.location
    web.login("admin@oakland.example.org")
    response = web.get("/my/badges")
    assert response.status_code == 302 and "/my/sign-in" in response.location
