"""Security headers on every response, session cookie flags, and the sign-in limits
(:class:`AttemptLimiter`, reusable by any form that guesses at a secret).

The limiter keeps its counts in the store ``RATE_LIMIT_STORAGE_URL`` names (see
:mod:`verifier.rate_limit`): in memory for one server process, on Redis when several share it.
"""

from __future__ import annotations

import ipaddress
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


@dataclass(frozen=True)
class Limit:
    """At most ``attempts`` failures per ``window_seconds``."""

    attempts: int
    window_seconds: float


@dataclass(frozen=True)
class Refusal:
    """Why an attempt is refused: ``kind`` is "address", "account" or "overall", and
    ``retry_after`` the seconds to wait (an upper bound: the window of the limit hit)."""

    kind: str
    retry_after: int


ADDRESS, ACCOUNT, OVERALL = "address", "account", "overall"


def client_key(address: str) -> str:
    """The client an address stands for: an IPv4 address, or an IPv6 /64 (one subscriber
    usually holds a whole /64, so counting single IPv6 addresses would count nothing)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


@dataclass
class AttemptLimiter:
    """Failed attempts of one kind (``scope``: "login", "password-reset", …) counted per
    client address, per account and overall, with back-off.

    The API, for every form that guesses at a secret or sends mail::

        limiter = current_app.extensions["login_rate_limiter"]   # or AttemptLimiter(...)
        if (refusal := limiter.check(address, account)) is not None:
            ...answer 429, Retry-After: refusal.retry_after
        ok = ...try...
        limiter.reset(account) if ok else limiter.hit(address, account)

    Back-off: each limit also holds, ``backoff_steps`` times over, with twice the attempts
    over ``backoff_factor`` times the window (defaults: 10 in 5 min, 20 in 1 h, 40 in 12 h),
    so a patient guesser waits ever longer. Counts live in ``store`` (memory, or Redis
    shared by every process: :mod:`verifier.rate_limit`).
    """

    store: AttemptStore
    scope: str
    per_address: Limit
    per_account: Limit
    overall: Limit
    backoff_steps: int = 2
    backoff_factor: int = 12

    def _tiers(self, kind: str, value: str) -> list[tuple[str, Limit]]:
        base = {ADDRESS: self.per_address, ACCOUNT: self.per_account, OVERALL: self.overall}[kind]
        return [
            (
                f"{self.scope}:{kind}:{step}:{value}",
                Limit(
                    base.attempts * 2**step,
                    base.window_seconds * self.backoff_factor**step,
                ),
            )
            for step in range(self.backoff_steps + 1)
        ]

    def _keys(self, address: str, account: str) -> list[tuple[str, list[tuple[str, Limit]]]]:
        return [
            (ADDRESS, self._tiers(ADDRESS, client_key(address))),
            (ACCOUNT, self._tiers(ACCOUNT, account.strip().lower())),
            (OVERALL, self._tiers(OVERALL, "*")),
        ]

    def check(self, address: str, account: str) -> Refusal | None:
        """None when an attempt from ``address`` on ``account`` (an e-mail address, any
        case) may go ahead; else the refusal with the longest wait. Counts nothing."""
        worst: Refusal | None = None
        for kind, tiers in self._keys(address, account):
            for key, limit in tiers:
                if self.store.count(key, limit.window_seconds) >= limit.attempts:
                    wait = int(limit.window_seconds)
                    if worst is None or wait > worst.retry_after:
                        worst = Refusal(kind, wait)
        return worst

    def hit(self, address: str, account: str) -> None:
        """Count one failed attempt under every limit."""
        for _kind, tiers in self._keys(address, account):
            for key, limit in tiers:
                self.store.hit(key, limit.window_seconds)

    def reset(self, account: str) -> None:
        """After a success: forget the account's failures (never the address's, so a guesser
        cannot clear their count by signing in to an account of their own)."""
        for key, _limit in self._tiers(ACCOUNT, account.strip().lower()):
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
    window = float(app.config["LOGIN_RATE_WINDOW_SECONDS"])
    app.extensions["login_rate_limiter"] = AttemptLimiter(
        app.extensions["rate_limit_store"],
        scope=str(app.config["LOGIN_RATE_KEY_PREFIX"]),
        per_address=Limit(int(app.config["LOGIN_RATE_LIMIT_PER_ADDRESS"]), window),
        per_account=Limit(int(app.config["LOGIN_RATE_LIMIT"]), window),
        overall=Limit(int(app.config["LOGIN_RATE_LIMIT_OVERALL"]), window),
        backoff_steps=int(app.config["LOGIN_BACKOFF_STEPS"]),
        backoff_factor=int(app.config["LOGIN_BACKOFF_FACTOR"]),
    )
    app.after_request(add_security_headers)
