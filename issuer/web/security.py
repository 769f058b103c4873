"""Security headers on every response, session cookie defaults, and the sign-in rate limit.

The rate limiter keeps its counts in a :class:`AttemptStore`; the in-process
:class:`MemoryAttemptStore` is right for one server process. With several processes or hosts,
pass a shared store (for example one on Redis ``INCR`` + ``EXPIRE``) with the same two methods.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from flask import Flask, Response, request

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


class AttemptStore(Protocol):
    def hit(self, key: str, window_seconds: float) -> int:
        """Count one attempt for ``key``; return the attempts within the window."""

    def count(self, key: str, window_seconds: float) -> int:
        """The attempts for ``key`` within the window."""

    def reset(self, key: str) -> None:
        """Forget ``key`` (after a successful sign-in)."""


@dataclass
class MemoryAttemptStore:
    """Attempt times per key, in this process's memory."""

    clock: Callable[[], float] = time.monotonic
    max_keys: int = 10_000
    _attempts: dict[str, list[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def hit(self, key: str, window_seconds: float) -> int:
        now = self.clock()
        with self._lock:
            recent = [t for t in self._attempts.get(key, []) if now - t < window_seconds]
            recent.append(now)
            self._attempts[key] = recent
            if len(self._attempts) > self.max_keys:  # many emails tried: forget stale ones
                self._attempts = {
                    k: times
                    for k, times in self._attempts.items()
                    if now - times[-1] < window_seconds
                }
            return len(recent)

    def count(self, key: str, window_seconds: float) -> int:
        now = self.clock()
        with self._lock:
            return sum(1 for t in self._attempts.get(key, []) if now - t < window_seconds)

    def reset(self, key: str) -> None:
        with self._lock:
            self._attempts.pop(key, None)


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
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    if app.config.get("ENV_NAME") == "production":
        app.config["SESSION_COOKIE_SECURE"] = True
    app.extensions["login_rate_limiter"] = LoginRateLimiter(
        MemoryAttemptStore(),
        limit=int(app.config.get("LOGIN_RATE_LIMIT", 10)),
        window_seconds=float(app.config.get("LOGIN_RATE_WINDOW_SECONDS", 300)),
    )
    app.after_request(add_security_headers)
