# ruff: noqa: F811 - the fixtures imported below are parameters of the tests
"""Class 8, the pages: what a hostile visitor or a hostile credential can do to the web app.

* Escaping: a correctly signed foreign credential (did:key) whose name, description, issuer
  name, achievement name and criteria carry markup and ``javascript:`` URLs is shown on
  /verify as text: no element, event-handler attribute or ``javascript:`` link of its making.
* CSRF: every POST route of ``app.url_map`` outside the stateless JSON API answers 400 with
  the CSRF message when the token is missing, forged, or another session's, and does nothing.
* Sessions: a session cookie copied before "sign out everywhere", or before the user was
  disabled, is refused afterwards (and stays refused when the user signs in again or is
  re-enabled).
* Rate limits: verification (API 429 problem with Retry-After, the page's message, one budget
  for both), sign-in (the 11th failed attempt is refused with the right password too, whatever
  the email's case or an X-Forwarded-For header says), and both shared by two app instances
  through Redis.
* Headers: CSP without 'unsafe-inline' and with frame-ancestors 'none', nosniff, on pages, API
  answers and downloads; HSTS only over https; the SVG download an attachment with a
  sandboxing CSP.
* Bodies over the limits: 413 problem+json from the API.

Every test runs under the no-network guard of tests/security/conftest.py; the Redis test lets
through only 127.0.0.1:6379 (the allowance of tests/security/test_network.py).
"""

from __future__ import annotations

import json
import re
import secrets
import socket
import uuid
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import url_for
from sqlalchemy import select

from issuer.models import User
from issuer.services import users
from issuer.web.auth import RATE_LIMITED
from issuer.web.csrf import MISSING_MESSAGE
from issuer.web.public.badges import DOWNLOAD_CSP
from issuer.web.security import HSTS
from keys.did import did_key_for
from keys.keypairs import KeyPair
from keys.proofs import create_proof
from tests.public.conftest import client, issue  # noqa: F401 - fixtures
from tests.security.test_network import Loopback, loopback  # noqa: F401 - fixture
from tests.verifier.conftest import make_credential
from tests.web_admin.conftest import Browser, db, net, web  # noqa: F401 - fixtures
from tests.web_admin.data import ALLIANCE, LINCOLN, PASSWORD
from verifier.rate_limit import MemoryAttemptStore, RateLimit
from verifier.web.problems import PROBLEM_TYPE

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _token(client: Any, page: str = "/verify") -> str:
    match = _TOKEN.search(client.get(page).get_data(as_text=True))
    assert match, f"{page} has no CSRF token"
    return match.group(1)


def _problem(status: int, title: str, detail: str) -> dict[str, Any]:
    return {
        "type": PROBLEM_TYPE + title.lower().replace(" ", "-"),
        "title": title,
        "status": status,
        "detail": detail,
    }


# -- every value from a credential is escaped ---------------------------------------------------


class Markup(HTMLParser):
    """Elements, attributes and inline script text of a page, as a browser would see them."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.inline_script = ""
        self._in_script = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {name: value or "" for name, value in attrs}))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.inline_script += data


URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset"}

HOSTILE = {
    "name": "<script>alert('name')</script>",
    "description": '"><img src=x onerror=alert("description")>',
    "issuer": "</code><svg onload=alert('issuer')>",
    "achievement": "<iframe src=\"javascript:alert('achievement')\"></iframe>",
    "narrative": "<a href=\"javascript:alert('criteria')\">the criteria</a>",
}
JAVASCRIPT_URL = "javascript:alert(document.cookie)"


def _hostile_credential() -> dict[str, Any]:
    key_pair = KeyPair.generate()
    did = did_key_for(key_pair.public_key)
    credential = make_credential(
        name=HOSTILE["name"],
        description=HOSTILE["description"],
        image={"id": JAVASCRIPT_URL, "type": "Image"},
        issuer={"id": did, "type": ["Profile"], "name": HOSTILE["issuer"], "url": JAVASCRIPT_URL,
                "image": {"id": JAVASCRIPT_URL, "type": "Image"}},
        achievement={
            "id": "https://evil.example/achievements/1",
            "type": ["Achievement"],
            "name": HOSTILE["achievement"],
            "description": HOSTILE["description"],
            "criteria": {"id": JAVASCRIPT_URL, "narrative": HOSTILE["narrative"]},
            "image": {"id": JAVASCRIPT_URL, "type": "Image"},
        },
        credential_status=None,
    )  # fmt: skip
    return create_proof(
        credential, key_pair, f"{did}#{key_pair.public_key.to_multikey()}",
        created="2026-01-01T00:00:00Z",
    )  # fmt: skip


def _assert_inert(html: str) -> Markup:
    page = Markup(html)
    for tag, attributes in page.elements:
        assert tag not in {"iframe", "svg", "object", "embed"}, (tag, attributes)
        assert tag != "img" or attributes.get("src", "").startswith("/static/"), attributes
        handlers = [name for name in attributes if name.startswith("on")]
        assert handlers == [], (tag, attributes)
        for name in URL_ATTRIBUTES & set(attributes):
            value = re.sub(r"[\s\x00-\x1f]", "", attributes[name]).lower()
            assert not value.startswith(("javascript:", "data:", "vbscript:")), (tag, attributes)
    assert page.inline_script.strip() == ""
    return page


def test_a_hostile_signed_credential_is_shown_as_text_on_the_verify_page(client):
    signed = _hostile_credential()
    response = client.post(
        "/verify", data={"credential": json.dumps(signed), "csrf_token": _token(client)}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-verdict="verified"' in html  # so its values are shown at all
    _assert_inert(html)
    assert '<dd data-field="name">&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;</dd>' in html
    assert "&lt;/code&gt;&lt;svg onload=alert(&#39;issuer&#39;)&gt;" in html
    assert "javascript:" not in html
    for value in HOSTILE.values():
        assert value not in html


def test_a_hostile_issuer_id_in_a_check_message_is_escaped(client):
    """A did:key signature on a credential naming a hostile issuer: the verdict quotes it."""
    key_pair = KeyPair.generate()
    did = did_key_for(key_pair.public_key)
    credential = make_credential(credential_status=None)
    credential["issuer"]["id"] = "did:web:evil.example:<script>alert(1)</script>"
    signed = create_proof(
        credential, key_pair, f"{did}#{key_pair.public_key.to_multikey()}",
        created="2026-01-01T00:00:00Z",
    )  # fmt: skip
    response = client.post(
        "/verify", data={"credential": json.dumps(signed), "csrf_token": _token(client)}
    )
    html = response.get_data(as_text=True)
    _assert_inert(html)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_api_answers_hostile_values_as_json_never_as_html(client):
    response = client.post("/api/v1/verify", json=_hostile_credential())
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.get_json()["credential"]["name"] == HOSTILE["name"]  # data, not markup


# -- CSRF on every state-changing form ------------------------------------------------------------

# The stateless JSON API and the wallet protocols (authenticated by their offers' own secrets,
# never by our session cookie) read no cookies.
CSRF_EXEMPT = ("verifier_api", "oid4vci", "vcapi_exchange")
SAMPLE = {"IntegerConverter": 1, "UUIDConverter": uuid.UUID(int=7)}


def _post_routes(app: Any) -> list[str]:
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "POST" not in rule.methods or rule.endpoint.split(".")[0] in CSRF_EXEMPT:
                continue
            values = {
                name: SAMPLE.get(type(converter).__name__, "lincoln-health")
                for name, converter in rule._converters.items()
            }
            urls.append(url_for(rule.endpoint, **values))
    return urls


def test_the_csrf_exemption_is_only_the_json_api_and_the_wallet_protocols(app):
    assert app.config["CSRF_EXEMPT_BLUEPRINTS"] == CSRF_EXEMPT
    assert len(_post_routes(app)) >= 10


def _refused(response: Any) -> None:
    assert response.status_code == 400
    assert MISSING_MESSAGE in response.get_data(as_text=True)


def test_every_post_route_refuses_a_missing_or_forged_token(app, web):
    routes = _post_routes(app)
    web.login(ALLIANCE)
    other = app.test_client()
    someone_elses = _token(other, "/login")  # a valid token, of another session
    for url in routes:
        for visitor in (web.client, app.test_client()):  # signed in; a stranger
            _refused(visitor.post(url, data={"email": ALLIANCE, "password": PASSWORD}))
            for forged in ("", "forged", someone_elses):
                _refused(visitor.post(url, data={"csrf_token": forged, "email": ALLIANCE}))
                _refused(visitor.post(url, headers={"X-CSRF-Token": forged or "x"}))
    # Nothing was done: still signed in, in the same session.
    assert web.get("/admin/").status_code == 200


def test_a_refused_sign_out_everywhere_changes_nothing(app, web, db):
    web.login(LINCOLN)
    before = db.scalar(select(User.session_version).where(User.email == LINCOLN))
    _refused(web.client.post("/logout-everywhere", data={"csrf_token": "forged"}))
    db.expire_all()
    assert db.scalar(select(User.session_version).where(User.email == LINCOLN)) == before
    assert web.get("/admin/").status_code == 200


def test_a_sign_in_without_a_token_does_not_sign_in(app, net):
    stranger = app.test_client()
    _refused(stranger.post("/login", data={"email": LINCOLN, "password": PASSWORD}))
    assert stranger.get("/admin/").status_code == 302


# -- sessions invalidated server-side ---------------------------------------------------------------


def _thief_with_cookie_of(app: Any, web: Browser) -> Any:
    cookie = web.client.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    assert thief.get("/admin/").status_code == 200  # the copy works, before
    return thief


def _signed_out(response: Any) -> None:
    assert response.status_code == 302
    assert response.location.startswith("/login")


def test_a_copied_cookie_is_refused_after_sign_out_everywhere(app, web):
    web.login(LINCOLN)
    thief = _thief_with_cookie_of(app, web)
    assert web.post("/logout-everywhere").status_code == 302
    _signed_out(thief.get("/admin/"))
    web.login(LINCOLN)  # signing in again does not revive the old session
    assert web.get("/admin/").status_code == 200
    _signed_out(thief.get("/admin/"))


def test_a_copied_cookie_is_refused_after_the_user_is_disabled(app, web, db):
    web.login(LINCOLN)
    thief = _thief_with_cookie_of(app, web)
    user = db.scalar(select(User).where(User.email == LINCOLN))
    users.deactivate(user)
    db.commit()
    _signed_out(thief.get("/admin/pathways/lincoln-health"))
    _signed_out(web.get("/admin/"))
    user.active = True  # re-enabled: the sessions from before stay ended
    db.commit()
    _signed_out(thief.get("/admin/"))


# -- rate limits ------------------------------------------------------------------------------------

VERIFY_LIMITED = "Too many verifications from your address; try again in a minute."


@pytest.fixture
def limited(app):
    app.extensions["verify_rate_limit"] = RateLimit(
        MemoryAttemptStore(), limit=3, window_seconds=60
    )
    return app


def test_the_verify_api_answers_429_with_retry_after(limited):
    client = limited.test_client()
    for n in range(3):
        spoofed = {"X-Forwarded-For": f"198.51.100.{n}"}  # ignored: no proxy is configured
        assert client.post("/api/v1/verify", data="x.y.z", content_type="text/plain",
                           headers=spoofed).status_code == 200  # fmt: skip
    response = client.post("/api/v1/verify", data="x.y.z", content_type="text/plain")
    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"
    assert response.get_json() == _problem(
        429, "Too many requests", "more than 3 verifications in 60 s; try again shortly"
    )
    assert response.headers["Retry-After"] == "60"


def test_the_verify_page_and_api_share_one_budget(limited):
    client = limited.test_client()
    token = _token(client)
    for _ in range(3):
        client.post("/api/v1/verify", data="x.y.z", content_type="text/plain")
    response = client.post("/verify", data={"credential": "x.y.z", "csrf_token": token})
    assert response.status_code == 429
    assert f"data-error>{VERIFY_LIMITED}</p>" in response.get_data(as_text=True)


def test_the_eleventh_sign_in_is_refused_even_with_the_right_password(web):
    for n in range(10):
        email = ALLIANCE.upper() if n % 2 else f"  {ALLIANCE} "  # one account, any spelling
        response = web.post("/login", {"email": email, "password": "guess"},
                            headers={"X-Forwarded-For": f"198.51.100.{n}"})  # fmt: skip
        assert response.status_code == 401
    response = web.login(ALLIANCE)
    assert response.status_code == 429
    assert RATE_LIMITED in response.get_data(as_text=True)
    assert web.get("/admin/").status_code == 302


REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis_apps(database_url: str, tmp_path: Path, net: Any, loopback: Loopback) -> Iterator[Any]:
    """Two app instances (two "processes") on one database and one Redis."""
    loopback.ports.add(6379)
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.3).close()
    except OSError as error:
        pytest.skip(f"Redis is not running on 127.0.0.1:6379 ({error})")
    import redis

    from wsgi import create_app

    config = {
        "ENV_NAME": "test",
        "DATABASE_URL": database_url,
        "LOAD_BADGES_ON_START": False,
        "KEY_SCRYPT_N": 2**10,
        "RATE_LIMIT_STORAGE_URL": REDIS_URL,
        "VERIFY_RATE_LIMIT": 3,
        "VERIFY_RATE_WINDOW_SECONDS": 86400,  # fixed windows: no boundary inside the test
        "LOGIN_RATE_WINDOW_SECONDS": 86400,
    }
    apps = [create_app({**config, "KEYS_DIR": str(tmp_path / f"keys-{n}")}) for n in (1, 2)]
    address = f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}"  # this run's keys only
    yield (*apps, address)
    store = redis.Redis.from_url(REDIS_URL, socket_timeout=0.5)
    for key in store.scan_iter(f"badges:rate:*{address}*", count=1000):
        store.delete(key)
    assert list(store.scan_iter(f"badges:rate:*{address}*")) == []
    store.close()
    for app in apps:
        app.extensions["sqlalchemy_engine"].dispose()


def test_two_app_instances_share_the_limits_through_redis(redis_apps):
    first, second, address = redis_apps
    environ = {"REMOTE_ADDR": address}
    a, b = first.test_client(), second.test_client()

    def verify(client: Any) -> int:
        return client.post("/api/v1/verify", data="x.y.z", content_type="text/plain",
                           environ_base=environ).status_code  # fmt: skip

    assert [verify(a), verify(b), verify(a)] == [200, 200, 200]
    assert verify(b) == 429  # the fourth, counted across both instances

    for instance in (a, b):
        token = _token(instance, "/login")
        for _ in range(5):
            response = instance.post(
                "/login",
                data={"email": LINCOLN, "password": "guess", "csrf_token": token},
                environ_base=environ,
            )
            assert response.status_code == 401  # fmt: skip
    response = a.post(
        "/login",
        data={"email": LINCOLN, "password": PASSWORD, "csrf_token": _token(a, "/login")},
        environ_base=environ,
    )
    assert response.status_code == 429  # fmt: skip
    assert RATE_LIMITED in response.get_data(as_text=True)


# -- security headers --------------------------------------------------------------------------------


def _csp(response: Any) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    directives = [part.strip().split(" ", 1) for part in header.split(";") if part.strip()]
    return {parts[0]: parts[1] if len(parts) > 1 else "" for parts in directives}


def _assert_headers(response: Any, *, https: bool) -> dict[str, str]:
    csp = _csp(response)
    for value in csp.values():
        assert "'unsafe-inline'" not in value and "'unsafe-eval'" not in value, csp
    assert csp["frame-ancestors"] == "'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    if https:
        assert response.headers["Strict-Transport-Security"] == HSTS
    else:
        assert "Strict-Transport-Security" not in response.headers
    return csp


def _responses(client: Any, award: Any, **kwargs: Any) -> dict[str, Any]:
    badge = f"/badges/{award.uuid}"
    return {
        # HTML pages
        "/": client.get("/", **kwargs),
        "/verify": client.get("/verify", **kwargs),
        "/login": client.get("/login", **kwargs),
        "/admin/ (redirect)": client.get("/admin/", **kwargs),
        badge: client.get(badge, **kwargs),
        f"/verify/{award.uuid}": client.get(f"/verify/{award.uuid}", **kwargs),
        "404": client.get("/verify/no-such-badge", **kwargs),
        "400 (CSRF)": client.post("/logout", **kwargs),
        # JSON API
        "/api/v1/openapi.json": client.get("/api/v1/openapi.json", **kwargs),
        "POST /api/v1/verify": client.post("/api/v1/verify", json={"a": 1}, **kwargs),
        "415 problem": client.post("/api/v1/verify", data=b"x", **kwargs),
        # downloads
        **{f"{badge}{suffix}": client.get(f"{badge}{suffix}", **kwargs)
           for suffix in (".json", ".jwt", ".png", ".svg", "/qr.svg", "/qr.png")},
    }  # fmt: skip


@pytest.mark.parametrize("https", [False, True], ids=["http", "https"])
def test_security_headers_on_pages_api_answers_and_downloads(client, issue, https):
    award = issue()
    # environ_overrides: the test client sets wsgi.url_scheme after applying environ_base
    kwargs = {"environ_overrides": {"wsgi.url_scheme": "https"}} if https else {}
    for name, response in _responses(client, award, **kwargs).items():
        assert response.status_code < 500, name
        try:
            csp = _assert_headers(response, https=https)
        except (AssertionError, KeyError) as error:
            raise AssertionError(f"{name}: {error!r}") from None
        if response.mimetype == "text/html":
            assert csp["default-src"] == "'self'", name
            assert "script-src" not in csp, name  # scripts fall back to 'self'
            assert csp["object-src"] == "'none'" and csp["base-uri"] == "'self'", name
            assert response.headers["X-Frame-Options"] == "DENY", name


def test_the_svg_download_is_a_sandboxed_attachment(client, issue):
    award = issue()
    response = client.get(f"/badges/{award.uuid}.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="health-care-industry-badge-{award.uuid[:8]}.svg"'
    )
    assert response.headers["Content-Security-Policy"] == DOWNLOAD_CSP
    csp = _csp(response)
    assert csp["default-src"] == "'none'" and "sandbox" in csp and "allow-scripts" not in csp
    qr = client.get(f"/badges/{award.uuid}/qr.svg?download=1")
    assert qr.headers["Content-Disposition"].startswith("attachment;")
    assert qr.headers["Content-Security-Policy"] == DOWNLOAD_CSP


# -- request bodies over the limits ------------------------------------------------------------------

OVERSIZED = {
    "JSON": ("application/json", b'{"name": "' + b"x" * (256 * 1024) + b'"}', 262144),
    "VC-JWT": ("text/plain", b"x" * (256 * 1024 + 1), 262144),
    "PNG": ("image/png", b"\x89PNG" + bytes(2 * 1024 * 1024), 2097152),
    "multipart": ("multipart/form-data; boundary=b",
                  b"--b\r\nContent-Disposition: form-data; name=\"credential\"\r\n\r\n"
                  + b"x" * (2 * 1024 * 1024 + 64 * 1024) + b"\r\n--b--\r\n", 2162688),
}  # fmt: skip


@pytest.mark.parametrize("endpoint", ["/api/v1/verify", "/api/v1/benefits"])
@pytest.mark.parametrize(("content_type", "body", "limit"), OVERSIZED.values(), ids=list(OVERSIZED))
def test_oversized_bodies_answer_413_problem_json(client, endpoint, content_type, body, limit):
    response = client.post(endpoint, data=body, content_type=content_type)
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert response.get_json() == _problem(
        413, "Input too large", f"the request body is larger than {limit} bytes"
    )
