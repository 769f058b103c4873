"""Cross-site request forgery protection: one random token per session, checked on every
unsafe request (POST, PUT, PATCH, DELETE).

Forms carry it as a hidden ``csrf_token`` field (``{{ csrf_token() }}`` in templates gives the
value); scripts send it in the ``X-CSRF-Token`` header. A stateless public API that reads no
cookies can opt out by naming its blueprint in ``CSRF_EXEMPT_BLUEPRINTS`` (config).
"""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, abort, current_app, request, session

SESSION_KEY = "csrf_token"
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MISSING_MESSAGE = (
    "The form is missing its security token or the token is out of date "
    "(perhaps you signed in again in another tab). Go back, reload the page "
    "and try again."
)


def token() -> str:
    """This session's token, created on first use."""
    if SESSION_KEY not in session:
        session[SESSION_KEY] = secrets.token_urlsafe(32)
    return session[SESSION_KEY]


def rotate() -> None:
    """A fresh token (on sign-in, so a token planted before it is useless)."""
    session[SESSION_KEY] = secrets.token_urlsafe(32)


def check() -> None:
    """Abort with 400 when an unsafe request does not carry this session's token."""
    if request.method not in UNSAFE_METHODS or request.routing_exception is not None:
        return  # no route matched: the 404/405 answers, not a token complaint
    if request.blueprint in current_app.config.get("CSRF_EXEMPT_BLUEPRINTS", ()):
        return
    expected = session.get(SESSION_KEY)
    sent = request.headers.get(HEADER) or request.form.get(FIELD, "")
    if not expected or not hmac.compare_digest(str(sent).encode(), str(expected).encode()):
        abort(400, description=MISSING_MESSAGE)


def init_app(app: Flask) -> None:
    app.before_request(check)
    app.jinja_env.globals["csrf_token"] = token
