"""Server-side sessions: ``flask.session`` kept in the ``web_sessions`` table.

A signed-in session (an admin's ``user_id``, a student's ``student_id`` from
:mod:`issuer.web.student_session`) is a record: the cookie holds only a random token (256
bits), the table the token's SHA-256 (so a copy of the database signs nobody in), the
session's content, the signed-in user and two times. Every page keeps using ``flask.session``
as before. A visitor who is not signed in (a form's CSRF token, a flashed message) gets no
record: that content stays in a signed cookie as Flask would keep it, so anonymous traffic
(every visit to the public verifier's form) writes nothing to the database; such a cookie
can never carry a signed-in identity (those keys are dropped when it is read).

- ``session.clear()`` ends the record: signing out deletes it, so a copied cookie stops
  working; signing in (which clears first) gets a new token, so a token planted before
  sign-in is useless (session fixation).
- A session unused for ``SESSION_IDLE_TIMEOUT_SECONDS`` (30 min) or older than
  ``SESSION_ABSOLUTE_TIMEOUT_SECONDS`` (12 h) is deleted when next presented, and ended
  sessions are purged whenever a new one starts.
- "Sign out everywhere" and disabling a user delete every record of that user
  (:func:`issuer.services.users.end_all_sessions`).
- Every page of a signed-in session, and every response that sets or deletes the cookie, is
  ``Cache-Control: no-store``, so no shared or browser cache keeps an authenticated page.

Chosen over Flask-Session: its SQLAlchemy backend needs Flask-SQLAlchemy (we use plain
SQLAlchemy 2.0 sessions and Alembic), stores the raw session id as the key, and knows no
absolute timeout; this is one table and two methods.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, Request, request
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SecureCookieSession, SessionInterface
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, or_, update
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.wrappers import Response

from issuer.models import WebSession

MAX_TOKEN_CHARS = 64  # token_urlsafe(32) is 43 characters; anything longer is not ours
MAX_COOKIE_CHARS = 4096
TOUCH_INTERVAL = timedelta(seconds=60)  # last_seen_at is written at most once a minute
IDENTITY_KEYS = ("user_id", "student_id")  # only ever kept in a server-side record


def digest(token: str) -> str:
    """The record id of a cookie token: its SHA-256, hex (64 characters)."""
    return hashlib.sha256(token.encode()).hexdigest()


class ServerSession(SecureCookieSession):
    """The session's content plus the token it is stored under (None: not stored yet)."""

    def __init__(
        self,
        initial: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        last_seen_at: datetime | None = None,
        presented: bool = False,
    ) -> None:
        super().__init__(initial)
        self.token = token
        self.last_seen_at = last_seen_at
        self.presented = presented  # the request carried a session cookie
        self.ended: list[str] = []  # tokens whose records this request ends

    def clear(self) -> None:
        """Empty the session and end its record; anything stored afterwards gets a new
        token (signing in) or none at all (signing out)."""
        if self.token is not None:
            self.ended.append(self.token)
            self.token = None
        super().clear()
        self.modified = True


def signed_in(session: dict[str, Any]) -> bool:
    """The session names a signed-in admin or student."""
    return any(key in session for key in IDENTITY_KEYS)


class DatabaseSessionInterface(SessionInterface):
    """``flask.session`` over the ``web_sessions`` table (see the module docstring).

    ``clock`` gives the current UTC time (tests move it). Each open and save uses its own
    short database session, apart from the view's transaction.
    """

    serializer = TaggedJSONSerializer()

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        idle_timeout: timedelta,
        absolute_timeout: timedelta,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.sessions = sessions
        self.idle_timeout = idle_timeout
        self.absolute_timeout = absolute_timeout
        self.clock = clock

    def expired(self, record: WebSession, now: datetime) -> bool:
        """Unused for longer than the idle timeout, or started before the absolute one."""
        return (
            now - record.last_seen_at > self.idle_timeout
            or now - record.created_at > self.absolute_timeout
        )

    def _signer(self, app: Flask) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(
            app.secret_key or "", salt="anonymous-session", serializer=self.serializer
        )

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        token = request.cookies.get(self.get_cookie_name(app))
        if token and "." in token and len(token) <= MAX_COOKIE_CHARS:  # an anonymous cookie
            try:
                data = self._signer(app).loads(
                    token, max_age=int(self.absolute_timeout.total_seconds())
                )
            except BadSignature:
                return ServerSession(presented=True)
            if not isinstance(data, dict) or signed_in(data):
                return ServerSession(presented=True)  # never an identity without a record
            return ServerSession(data, presented=True)
        if not token or len(token) > MAX_TOKEN_CHARS:
            return ServerSession(presented=bool(token))
        now = self.clock()
        with self.sessions() as db:
            record = db.get(WebSession, digest(token))
            if record is None:
                return ServerSession(presented=True)
            if self.expired(record, now):
                db.delete(record)
                db.commit()
                return ServerSession(presented=True)
            data = self.serializer.loads(record.data)
            return ServerSession(
                data, token=token, last_seen_at=record.last_seen_at, presented=True
            )

    def save_session(self, app: Flask, session: Any, response: Response) -> None:
        if not isinstance(session, ServerSession):  # only ours are opened by this interface
            return
        if session.accessed:
            response.vary.add("Cookie")
        now = self.clock()
        with self.sessions() as db:
            if not session and session.token is not None:  # emptied: the record ends too
                session.ended.append(session.token)
                session.token = None
            if session.ended:
                db.execute(delete(WebSession).where(WebSession.id.in_(map(digest, session.ended))))
            if not session:
                if session.presented or session.ended:
                    self._delete_cookie(app, response)
            elif session.token is None and not signed_in(session):
                if session.modified:  # anonymous: a signed cookie, no record
                    self._set_cookie(app, response, self._signer(app).dumps(dict(session)))
            elif session.token is None:
                session.token = secrets.token_urlsafe(32)
                self._purge(db, now)
                db.add(
                    WebSession(
                        id=digest(session.token),
                        data=self.serializer.dumps(dict(session)),
                        user_id=_user_id(session),
                        created_at=now,
                        last_seen_at=now,
                    )
                )
                self._set_cookie(app, response, session.token)
            elif session.modified or self._stale(session, now):
                # Never re-created: a record deleted meanwhile (sign-out) stays deleted.
                db.execute(
                    update(WebSession)
                    .where(WebSession.id == digest(session.token))
                    .values(
                        data=self.serializer.dumps(dict(session)),
                        user_id=_user_id(session),
                        last_seen_at=now,
                    )
                )
            db.commit()
        if session.token is not None and request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"  # a signed-in page

    def _stale(self, session: ServerSession, now: datetime) -> bool:
        return session.last_seen_at is None or now - session.last_seen_at > TOUCH_INTERVAL

    def _purge(self, db: Session, now: datetime) -> None:
        """Delete every ended record (whoever never came back)."""
        db.execute(
            delete(WebSession).where(
                or_(
                    WebSession.last_seen_at < now - self.idle_timeout,
                    WebSession.created_at < now - self.absolute_timeout,
                )
            )
        )

    def _cookie_options(self, app: Flask) -> dict[str, Any]:
        return {
            "domain": self.get_cookie_domain(app),
            "path": self.get_cookie_path(app),
            "secure": self.get_cookie_secure(app),
            "samesite": self.get_cookie_samesite(app),
            "httponly": self.get_cookie_httponly(app),
        }

    def _set_cookie(self, app: Flask, response: Response, value: str) -> None:
        """A browser-session cookie (no Expires): the server decides when it ends."""
        response.set_cookie(self.get_cookie_name(app), value, **self._cookie_options(app))
        response.headers["Cache-Control"] = "no-store"

    def _delete_cookie(self, app: Flask, response: Response) -> None:
        response.delete_cookie(self.get_cookie_name(app), **self._cookie_options(app))
        response.headers["Cache-Control"] = "no-store"


def _user_id(session: ServerSession) -> int | None:
    value = session.get("user_id")
    return value if isinstance(value, int) else None


def init_app(app: Flask) -> None:
    """Install the interface, with the timeouts from configuration."""
    app.session_interface = DatabaseSessionInterface(
        app.extensions["sqlalchemy_sessionmaker"],
        idle_timeout=timedelta(seconds=float(app.config["SESSION_IDLE_TIMEOUT_SECONDS"])),
        absolute_timeout=timedelta(seconds=float(app.config["SESSION_ABSOLUTE_TIMEOUT_SECONDS"])),
    )
