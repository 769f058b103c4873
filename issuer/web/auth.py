"""Sign-in and sign-out. The session holds the user's id and ``session_version``; a user who is
deactivated, or whose version was bumped ("sign out everywhere"), is signed out on their next
request."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response

from issuer.database import get_session
from issuer.models import User
from issuer.services import users
from issuer.web import csrf
from issuer.web.security import ACCOUNT, ADDRESS, AttemptLimiter, Refusal

bp = Blueprint("auth", __name__)

WRONG_CREDENTIALS = "That email address and password do not match an active account."
RATE_LIMITED = (
    "Too many failed sign-ins for this email address. Wait a few minutes and try "
    "again, or ask the Alliance to reset your password."
)
REFUSALS = {
    ACCOUNT: RATE_LIMITED,
    ADDRESS: "Too many failed sign-ins from your network. Wait a while and try again.",
    "overall": "Sign-in is paused after many failed attempts across the site. "
    "Try again in a few minutes.",
}


def load_signed_in_user() -> None:
    """``g.user``: the signed-in, active user whose session is still current, else None."""
    g.user = None
    user_id = session.get("user_id")
    if user_id is None:
        return
    user = get_session().get(User, user_id)
    if user is None or not user.active or user.session_version != session.get("session_version"):
        session.clear()
        return
    g.user = user


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapped(**kwargs: Any) -> Any:
        if g.get("user") is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(**kwargs)

    return wrapped


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no host, not ``//evil``)."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and "\\" not in target:
            return target
    return url_for("admin.index")


def _limiter() -> AttemptLimiter:
    return current_app.extensions["login_rate_limiter"]


def _refused(refusal: Refusal, email: str, next_url: str) -> Response:
    """429 with the form kept, the reason in plain words, and ``Retry-After``."""
    page = render_template(
        "auth/login.html", email=email, next=next_url, error=REFUSALS[refusal.kind]
    )
    response = current_app.make_response((page, 429))
    response.headers["Retry-After"] = str(refusal.retry_after)
    return response


@bp.route("/login", methods=("GET", "POST"))
def login() -> Any:
    if request.method == "GET":
        if g.get("user") is not None:
            return redirect(url_for("admin.index"))
        return render_template("auth/login.html", email="", next=request.args.get("next", ""))
    email = request.form.get("email", "").strip()
    password = request.form.get("password", "")
    next_url = request.form.get("next", "")
    limiter, address = _limiter(), request.remote_addr or "unknown"
    refusal = limiter.check(address, email)
    if refusal is not None:  # before the (deliberately slow) password check
        return _refused(refusal, email, next_url)
    db = get_session()
    user = users.authenticate(db, email, password) if email and password else None
    if user is None:
        limiter.hit(address, email)
        db.rollback()
        return render_template(
            "auth/login.html", email=email, next=next_url, error=WRONG_CREDENTIALS
        ), 401
    db.commit()  # authenticate may have upgraded the password hash
    limiter.reset(email)
    session.clear()
    session["user_id"], session["session_version"] = user.id, user.session_version
    csrf.rotate()
    flash(f"Signed in as {user.name}.", "success")
    return redirect(_safe_next(next_url))


@bp.post("/logout")
def logout() -> Response:
    session.clear()
    flash("You are signed out.", "success")
    return redirect(url_for("auth.login"))


@bp.post("/logout-everywhere")
@login_required
def logout_everywhere() -> Response:
    """End this user's sessions on every device."""
    users.end_all_sessions(g.user)
    get_session().commit()
    session.clear()
    flash("You are signed out on every device.", "success")
    return redirect(url_for("auth.login"))


def init_app(app: Any) -> None:
    app.before_request(load_signed_in_user)
