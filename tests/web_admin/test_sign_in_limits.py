"""Sign-in limits per client address, per account and overall (issue 8, item 5): one password
tried against many e-mails from one address meets a 429 (each attempt is an Argon2 check,
~170 ms of CPU); a spread-out attack meets the overall limit; the refusal comes before the
password is checked and says how long to wait."""

from __future__ import annotations

from typing import Any

from issuer.web.auth import REFUSALS
from issuer.web.security import AttemptLimiter, Limit
from tests.web_admin.data import LINCOLN, PASSWORD
from verifier.rate_limit import MemoryAttemptStore


def _sign_in(web: Any, email: str, password: str, address: str) -> Any:
    return web.post(
        "/login", {"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def test_sign_in_limit_per_address_stops_one_password_against_500_emails(web):
    statuses = []
    for n in range(500):
        response = _sign_in(web, f"guess{n}@example.org", "Summer2026!", "203.0.113.9")
        statuses.append(response.status_code)
        if response.status_code == 429:
            break
    assert statuses == [401] * 30 + [429]
    assert REFUSALS["address"] in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) == 300
    # Another client is not held back by it; the guesser is, even with a right password.
    assert _sign_in(web, LINCOLN, PASSWORD, "198.51.100.4").status_code == 302
    web.logout()
    assert _sign_in(web, LINCOLN, PASSWORD, "203.0.113.9").status_code == 429


def test_sign_in_limit_per_ipv6_64_counts_a_whole_subscriber_prefix(web):
    statuses = [
        _sign_in(web, f"guess{n}@example.org", "x", f"2001:db8:5:6::{n + 1:x}").status_code
        for n in range(31)
    ]
    assert statuses == [401] * 30 + [429]


def test_sign_in_limit_overall_holds_against_many_addresses(app, web):
    app.extensions["login_rate_limiter"] = AttemptLimiter(
        MemoryAttemptStore(),
        scope="login",
        per_address=Limit(30, 300),
        per_account=Limit(10, 300),
        overall=Limit(5, 300),
    )
    for n in range(5):
        assert _sign_in(web, f"guess{n}@example.org", "x", f"192.0.2.{n}").status_code == 401
    response = _sign_in(web, "guess9@example.org", "x", "198.51.100.200")
    assert response.status_code == 429
    assert REFUSALS["overall"] in response.get_data(as_text=True)


def test_a_refused_sign_in_does_not_check_the_password(app, web, monkeypatch):
    from issuer.services import users

    for n in range(10):
        _sign_in(web, LINCOLN, f"wrong{n}", f"192.0.2.{n}")
    checked = []
    monkeypatch.setattr(users, "authenticate", lambda *a: checked.append(a))
    assert _sign_in(web, LINCOLN, PASSWORD, "192.0.2.77").status_code == 429
    assert checked == []
