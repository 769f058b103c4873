"""Signing in and out, wrong passwords, the rate limit, CSRF, session invalidation and the
security headers."""

from __future__ import annotations

from sqlalchemy import select

from issuer.models import User
from issuer.services import users
from tests.web_admin.data import ALLIANCE, LINCOLN


def test_sign_in_then_out(web):
    response = web.login(LINCOLN)
    assert response.status_code == 302 and response.location == "/admin/"
    page = web.get("/admin/").get_data(as_text=True)
    assert "Welcome, Lin Coln" in page
    assert "Lincoln High Health Academy" in page

    assert web.logout().status_code == 302
    assert web.get("/admin/").status_code == 302  # back to the sign-in page


def test_a_page_asked_for_before_sign_in_opens_after_it(web):
    response = web.get("/admin/pathways/lincoln-health")
    assert response.status_code == 302
    assert response.location.startswith("/login?next=/admin/pathways/lincoln-health")
    response = web.post(
        "/login",
        {
            "email": LINCOLN,
            "password": "correct horse battery staple",
            "next": "/admin/pathways/lincoln-health",
        },
    )
    assert response.location == "/admin/pathways/lincoln-health"


def test_next_never_leaves_the_site(web):
    response = web.post(
        "/login",
        {
            "email": LINCOLN,
            "password": "correct horse battery staple",
            "next": "//evil.example.com/admin",
        },
    )
    assert response.location == "/admin/"


def test_wrong_password_says_so_and_keeps_the_email(web):
    response = web.login(LINCOLN, "not the password at all")
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert "That email address and password do not match an active account." in page
    assert f'value="{LINCOLN}"' in page
    assert web.get("/admin/").status_code == 302


def test_too_many_failed_sign_ins_are_refused_even_with_the_right_password(web):
    for _ in range(10):
        assert web.login(ALLIANCE, "wrong password, again").status_code == 401
    response = web.login(ALLIANCE)
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.get_data(as_text=True)
    # Another account from the same address is not locked out.
    assert web.login(LINCOLN).status_code == 302


def test_a_form_without_the_csrf_token_is_refused(web):
    web.login(ALLIANCE)
    response = web.client.post(
        "/admin/alliance/pathways/lincoln-health/certification",
        data={"level": "gold", "awarded_on": "2026-09-01"},
    )
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    wrong = web.client.post("/logout", data={"csrf_token": "forged"})
    assert wrong.status_code == 400
    assert web.get("/admin/").status_code == 200  # still signed in


def test_sign_in_without_a_token_is_refused(web):
    response = web.client.post(
        "/login", data={"email": LINCOLN, "password": "correct horse battery staple"}
    )
    assert response.status_code == 400


def test_a_deactivated_user_is_signed_out_on_the_next_request(web, db):
    web.login(LINCOLN)
    assert web.get("/admin/").status_code == 200
    user = db.scalar(select(User).where(User.email == LINCOLN))
    users.deactivate(user)
    db.commit()
    response = web.get("/admin/pathways/lincoln-health")
    assert response.status_code == 302 and response.location.startswith("/login")
    assert web.login(LINCOLN).status_code == 401


def test_sign_out_everywhere_ends_other_sessions(web, app):
    other = app.test_client()
    web.login(LINCOLN)
    web2 = type(web)(other, web.net)
    web2.login(LINCOLN)
    assert web2.get("/admin/").status_code == 200
    web.post("/logout-everywhere")
    assert web2.get("/admin/").status_code == 302


def test_security_headers_on_every_response(web):
    for response in (web.get("/login"), web.get("/admin/"), web.get("/static/admin.js")):
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in response.headers
    secure = web.get("/login", base_url="https://badges.example.org")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
