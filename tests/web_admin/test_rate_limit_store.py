"""The sign-in limiter over the in-process attempt store: a sliding window per limit, back-off
tiers, success forgetting the account's failures (never the address's), and stale keys
forgotten so many tried emails cannot grow the store without bound."""

from __future__ import annotations

from issuer.web.security import AttemptLimiter, Limit, Refusal, client_key
from verifier.rate_limit import MemoryAttemptStore


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def limiter(clock: Clock, **kwargs) -> AttemptLimiter:
    return AttemptLimiter(
        MemoryAttemptStore(clock=clock),
        scope="login",
        per_address=kwargs.pop("per_address", Limit(100, 300)),
        per_account=kwargs.pop("per_account", Limit(3, 300)),
        overall=kwargs.pop("overall", Limit(1000, 300)),
        **kwargs,
    )


def test_account_attempts_age_out_of_the_window_whatever_the_emails_spelling():
    clock = Clock()
    limits = limiter(clock, backoff_steps=0)
    for n in range(3):
        assert limits.check(f"203.0.113.{n}", " Admin@Example.org ") is None
        limits.hit(f"203.0.113.{n}", " Admin@Example.org " if n % 2 else "admin@example.org")
    assert limits.check("198.51.100.7", "ADMIN@example.org") == Refusal("account", 300)
    clock.now += 301
    assert limits.check("198.51.100.7", "admin@example.org") is None


def test_sign_in_backoff_doubles_the_attempts_over_twelve_times_the_window():
    """3 failures: wait 5 min; 6 failures within the hour: wait an hour; 12 within 12 h."""
    clock = Clock()
    limits = limiter(clock)
    for _ in range(3):
        limits.hit("203.0.113.5", "a@example.org")
    assert limits.check("203.0.113.5", "a@example.org") == Refusal("account", 300)
    clock.now += 301
    assert limits.check("203.0.113.5", "a@example.org") is None
    for _ in range(3):
        limits.hit("203.0.113.5", "a@example.org")
    assert limits.check("203.0.113.5", "a@example.org") == Refusal("account", 3600)
    clock.now += 301
    assert limits.check("203.0.113.5", "a@example.org") == Refusal("account", 3600)
    clock.now += 3600
    assert limits.check("203.0.113.5", "a@example.org") is None


def test_success_resets_the_account_but_not_the_address():
    clock = Clock()
    limits = limiter(clock, per_address=Limit(4, 300), backoff_steps=0)
    for _ in range(2):
        limits.hit("203.0.113.5", "victim@example.org")
    limits.reset("victim@example.org")
    assert limits.check("192.0.2.1", "victim@example.org") is None
    for _ in range(2):
        limits.hit("203.0.113.5", "other@example.org")
    limits.reset("mine@example.org")  # the guesser signs in to their own account
    assert limits.check("203.0.113.5", "third@example.org") == Refusal("address", 300)


def test_ipv6_clients_are_counted_per_64():
    assert client_key("2001:db8:1:2:aaaa::1") == client_key("2001:db8:1:2:bbbb::2")
    assert client_key("2001:db8:1:2::1") != client_key("2001:db8:1:3::1")
    assert client_key("::ffff:203.0.113.5") == client_key("203.0.113.5") == "203.0.113.5"


def test_stale_keys_are_dropped():
    clock = Clock()
    store = MemoryAttemptStore(clock=clock, max_keys=5)
    for n in range(5):
        store.hit(f"old-{n}", 60)
    clock.now += 61
    store.hit("new", 60)
    assert store.count("new", 60) == 1
    assert len(store._attempts) == 1
