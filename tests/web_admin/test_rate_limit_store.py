"""The in-process attempt store behind the sign-in rate limit: a sliding window, and stale
keys forgotten so many tried emails cannot grow it without bound."""

from __future__ import annotations

from issuer.web.security import LoginRateLimiter
from verifier.rate_limit import MemoryAttemptStore


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_attempts_age_out_of_the_window():
    clock = Clock()
    limiter = LoginRateLimiter(MemoryAttemptStore(clock=clock), limit=3, window_seconds=300)
    key = limiter.key("203.0.113.5", " Admin@Example.org ")
    assert key == limiter.key("203.0.113.5", "admin@example.org")
    for _ in range(3):
        limiter.failed(key)
    assert limiter.blocked(key)
    clock.now += 301
    assert not limiter.blocked(key)


def test_success_resets_and_stale_keys_are_dropped():
    clock = Clock()
    store = MemoryAttemptStore(clock=clock, max_keys=5)
    limiter = LoginRateLimiter(store, limit=2, window_seconds=60)
    limiter.failed("a")
    limiter.succeeded("a")
    assert not limiter.blocked("a")
    for n in range(5):
        store.hit(f"old-{n}", 60)
    clock.now += 61
    store.hit("new", 60)
    assert store.count("new", 60) == 1
    assert len(store._attempts) == 1
