"""Security headers on every response, session cookie flags, and the sign-in rate limit.

The rate limiter keeps its counts in the store ``RATE_LIMIT_STORAGE_URL`` names (see
:mod:`verifier.rate_limit`): in memory for one server process, on Redis when several share it.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, Response, request

from verifier.rate_limit import AttemptStore, store_from_url

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"


def add_security_headers(response: Response) -> Response:
    """Headers a view may override (``setdefault``) but never forgets."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


@dataclass
class LoginRateLimiter:
    """At most ``limit`` failed sign-ins per ``window_seconds`` for one IP address and email."""

    store: AttemptStore
    limit: int = 10
    window_seconds: float = 300.0

    @staticmethod
    def key(ip: str, email: str) -> str:
        return f"login:{ip}:{email.strip().lower()}"

    def blocked(self, key: str) -> bool:
        return self.store.count(key, self.window_seconds) >= self.limit

    def failed(self, key: str) -> None:
        self.store.hit(key, self.window_seconds)

    def succeeded(self, key: str) -> None:
        self.store.reset(key)


def init_app(app: Flask) -> None:
    app.extensions.setdefault(
        "rate_limit_store", store_from_url(app.config.get("RATE_LIMIT_STORAGE_URL", "memory://"))
    )
    if app.config.get("ENV_NAME") == "production":
        app.config["SESSION_COOKIE_SECURE"] = True
    if str(app.config.get("PUBLIC_BASE_URL", "")).startswith("https://"):
        # __Host-: the browser takes the cookie only if Secure, Path=/ and no Domain, so a
        # sibling subdomain cannot plant or overwrite it.
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["SESSION_COOKIE_DOMAIN"] = None
        app.config["SESSION_COOKIE_PATH"] = "/"
        if app.config.get("SESSION_COOKIE_NAME", "session") == "session":
            app.config["SESSION_COOKIE_NAME"] = "__Host-session"
    app.extensions["login_rate_limiter"] = LoginRateLimiter(
        app.extensions["rate_limit_store"],
        limit=int(app.config.get("LOGIN_RATE_LIMIT", 10)),
        window_seconds=float(app.config.get("LOGIN_RATE_WINDOW_SECONDS", 300)),
    )
    app.after_request(add_security_headers)
