"""Server-side sessions (issue 8, item 4): signing out ends the session on the server, so a
copied cookie stops working; idle and absolute timeouts; a new token at sign-in; cookie flags
(HttpOnly, SameSite=Lax, Secure and the ``__Host-`` prefix over https); ``Cache-Control:
no-store`` on every authenticated page; students' sessions through the same ``flask.session``.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from issuer.models import User, WebSession
from issuer.web import student_session
from tests.web_admin.conftest import Browser
from tests.web_admin.data import LINCOLN

COOKIE = "__Host-session"  # the test app is published at https://badges.example.org


class Clock:
    """The session interface's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(app: Flask) -> Clock:
    clock = Clock()
    app.session_interface.clock = clock  # type: ignore[attr-defined]
    return clock


def _thief(app: Flask, web: Browser) -> Any:
    cookie = web.client.get_cookie(COOKIE)
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie(COOKIE, cookie.value)
    assert thief.get("/admin/").status_code == 200
    return thief


def _signed_out(response: Any) -> bool:
    return response.status_code == 302 and response.location.startswith("/login")


def _records(db: Any, email: str = LINCOLN) -> int:
    db.expire_all()
    user_id = db.scalar(select(User.id).where(User.email == email))
    return db.scalar(
        select(func.count()).select_from(WebSession).where(WebSession.user_id == user_id)
    )


def test_sign_out_deletes_the_server_side_session_so_a_copied_cookie_stops_working(app, web, db):
    web.login(LINCOLN)
    thief = _thief(app, web)
    assert _records(db) == 1
    assert web.logout().status_code == 302
    assert _records(db) == 0
    assert _signed_out(thief.get("/admin/"))
    assert _signed_out(thief.get("/admin/pathways/lincoln-health"))


def test_sign_out_everywhere_deletes_every_session_of_the_user(app, web, db):
    web.login(LINCOLN)
    other_device = Browser(app.test_client(), web.net)
    other_device.login(LINCOLN)
    assert _records(db) == 2
    web.post("/logout-everywhere")
    assert _records(db) == 0
    assert _signed_out(other_device.get("/admin/"))


def test_session_idle_timeout_signs_out_after_30_minutes_unused(app, web, clock):
    web.login(LINCOLN)
    clock.advance(minutes=29)
    assert web.get("/admin/").status_code == 200  # in use: the idle time starts again
    clock.advance(minutes=29)
    assert web.get("/admin/").status_code == 200
    clock.advance(minutes=31)
    assert _signed_out(web.get("/admin/"))


def test_session_absolute_timeout_signs_out_after_12_hours_however_active(app, web, clock):
    web.login(LINCOLN)
    for _ in range(35):  # 11 h 40 min of activity, a request every 20 minutes
        clock.advance(minutes=20)
        assert web.get("/admin/").status_code == 200
    clock.advance(minutes=21)
    assert _signed_out(web.get("/admin/"))


def test_session_timeouts_are_configurable(app, web, clock):
    app.session_interface.idle_timeout = timedelta(minutes=5)  # type: ignore[attr-defined]
    web.login(LINCOLN)
    clock.advance(minutes=6)
    assert _signed_out(web.get("/admin/"))


def test_sign_in_issues_a_new_session_token_and_the_old_one_ends(app, web, db):
    """Session fixation: a token a visitor held before signing in is worthless after."""
    web.get("/login")  # an anonymous session (it holds the form's CSRF token)
    before = web.client.get_cookie(COOKIE).value
    web.login(LINCOLN)
    after = web.client.get_cookie(COOKIE).value
    assert after != before
    planted = app.test_client()
    planted.set_cookie(COOKIE, before)
    assert _signed_out(planted.get("/admin/"))


def test_the_database_keeps_only_a_digest_of_the_session_token(app, web, db):
    web.login(LINCOLN)
    token = web.client.get_cookie(COOKIE).value
    db.expire_all()
    ids = set(db.scalars(select(WebSession.id)))
    assert token not in ids
    assert hashlib.sha256(token.encode()).hexdigest() in ids


def test_session_cookie_over_https_is_host_prefixed_secure_httponly_samesite_lax(web):
    response = web.login(LINCOLN)
    cookie = response.headers["Set-Cookie"]
    attributes = [part.strip().lower() for part in cookie.split(";")]
    assert cookie.startswith(f"{COOKIE}=")
    assert {"secure", "httponly", "samesite=lax", "path=/"} <= set(attributes)
    assert not [a for a in attributes if a.startswith(("domain=", "expires=", "max-age="))]


def test_session_cookie_over_http_is_httponly_samesite_lax_without_the_host_prefix(
    database_url, tmp_path
):
    from wsgi import create_app

    app = create_app(
        {
            "ENV_NAME": "test",
            "DATABASE_URL": database_url,
            "KEYS_DIR": str(tmp_path / "keys"),
            "KEY_SCRYPT_N": 2**10,
            "LOAD_BADGES_ON_START": False,
            "PUBLIC_BASE_URL": "http://localhost:5000",
        }
    )
    response = app.test_client().get("/login")
    attributes = [part.strip().lower() for part in response.headers["Set-Cookie"].split(";")]
    assert attributes[0].startswith("session=")
    assert {"httponly", "samesite=lax"} <= set(attributes)
    assert "secure" not in attributes
    app.extensions["sqlalchemy_engine"].dispose()


ADMIN_PAGES = (
    "/admin/",
    "/admin/pathways/lincoln-health",
    "/admin/pathways/lincoln-health/students/{ana}",
    "/admin/bulk",
)


def test_authenticated_pages_are_cache_control_no_store(web):
    response = web.login(LINCOLN)
    assert response.headers["Cache-Control"] == "no-store"  # the response setting the session
    for path in ADMIN_PAGES:
        response = web.get(path.format(ana=web.net.students["Ana Chen"]))
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
    response = web.logout()
    assert response.headers["Cache-Control"] == "no-store"


def test_a_public_page_without_a_session_keeps_its_own_caching(app, web):
    response = app.test_client().get("/.well-known/did.json")
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert response.headers.get("Set-Cookie") is None


def test_student_sessions_use_the_same_server_side_store(app: Flask, web: Browser, db):
    """``issuer.web.student_session`` keeps working over ``flask.session``, and signing the
    student out ends the record too."""
    ana = web.net.students["Ana Chen"]

    @app.get("/_test/student/in")
    def student_in() -> str:
        student_session.sign_in_student(ana)
        return "in"

    @app.get("/_test/student/me")
    def student_me() -> str:
        return str(student_session.current_student_id())

    client = app.test_client()
    client.get("/_test/student/in")
    assert client.get("/_test/student/me").get_data(as_text=True) == str(ana)
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(WebSession)) == 1
    stranger = app.test_client()
    assert stranger.get("/_test/student/me").get_data(as_text=True) == "None"


def test_anonymous_visitors_get_no_session_record(app, web, db):
    """The public forms' CSRF token lives in a signed cookie: anonymous traffic writes no
    rows (else every visit to /verify would)."""
    client = app.test_client()
    for path in ("/verify", "/login", "/verify"):
        assert client.get(path).status_code == 200
    assert client.get_cookie(COOKIE) is not None
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(WebSession)) == 0


def test_a_signed_anonymous_cookie_never_carries_a_signed_in_identity(app, web, db):
    """Only a server-side record signs anyone in: an anonymous cookie (validly signed with
    the app's key, or an old client-side Flask session) naming a user is ignored."""
    user_id = db.scalar(select(User.id).where(User.email == LINCOLN))
    forged = app.session_interface._signer(app).dumps(  # type: ignore[attr-defined]
        {"user_id": user_id, "session_version": 1}
    )
    client = app.test_client()
    client.set_cookie(COOKIE, forged)
    assert _signed_out(client.get("/admin/"))
    from flask.sessions import SecureCookieSessionInterface

    old_style = (
        SecureCookieSessionInterface()
        .get_signing_serializer(app)
        .dumps({"user_id": user_id, "session_version": 1})
    )
    client.set_cookie(COOKIE, old_style)
    assert _signed_out(client.get("/admin/"))


def test_a_session_emptied_without_clear_ends_its_record(app, web, db):
    """A student signing out pops their keys rather than clearing: the record goes too."""
    ana = web.net.students["Ana Chen"]

    @app.get("/_test/student/in")
    def student_in() -> str:
        student_session.sign_in_student(ana)
        return "in"

    @app.get("/_test/student/out")
    def student_out() -> str:
        student_session.sign_out_student()
        return "out"

    client = app.test_client()
    client.get("/_test/student/in")
    copied = client.get_cookie(COOKIE).value
    client.get("/_test/student/out")
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(WebSession)) == 0
    assert db.get(WebSession, hashlib.sha256(copied.encode()).hexdigest()) is None
