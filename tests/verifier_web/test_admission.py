"""Issue #8 item 3, CPU starvation: the mechanisms that keep one client's expensive requests
from raising everyone's latency. Each test asserts a mechanism, never a timing:

* one work budget is shared by every canonicalization and JSON-LD check of a request, the
  endorsements included: tests/security/test_work_budget.py;
* what a request cost is charged to its client's rate limit;
* a client whose verifications are all running is refused at once (429, Retry-After) while
  another client is served; a full verifier answers 503 with Retry-After.
"""

from __future__ import annotations

import json

import pytest

from tests.security.test_work_budget import TickingClock
from verifier.rate_limit import MemoryAttemptStore, RateLimit


@pytest.fixture
def counted(app):
    store = MemoryAttemptStore()
    app.extensions["verify_rate_limit"] = RateLimit(store, limit=60, window_seconds=60)
    return app, store


def test_the_work_a_verification_cost_is_charged_to_its_client(counted, client, issue):
    app, store = counted
    body = client.get(f"/badges/{issue().uuid}.json").data
    app.extensions["verify_work_clock"] = TickingClock(0.1)  # every read: 100 ms of CPU
    answer = client.post("/api/v1/verify", data=body, content_type="application/json")
    assert answer.status_code == 200 and answer.json["verified"] is False
    config = app.config
    burned = 1 + int(config["VERIFY_WORK_BUDGET_SECONDS"] / config["VERIFY_COST_UNIT_SECONDS"])
    assert burned > 1
    assert store.count("verify:127.0.0.1", 60) == burned
    app.extensions["verify_work_clock"] = lambda: 0.0  # free
    client.post("/api/v1/verify", data=body, content_type="application/json")
    assert store.count("verify:127.0.0.1", 60) == burned + 1


def test_a_second_client_is_served_while_the_first_is_saturated(app, client, issue):
    body = client.get(f"/badges/{issue().uuid}.json").data
    gate = app.extensions["verify_concurrency"]
    for _ in range(gate.per_client):
        assert gate.enter("verify:10.0.0.1") is None  # its verifications are all running
    refused = client.post(
        "/api/v1/verify",
        data=body,
        content_type="application/json",
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
    assert "already running" in refused.json["detail"]
    served = client.post(
        "/api/v1/verify",
        data=body,
        content_type="application/json",
        environ_base={"REMOTE_ADDR": "10.0.0.2"},
    )
    assert served.status_code == 200 and served.json["verified"] is True
    assert gate.running("verify:10.0.0.2") == 0  # its slot was given back


def test_a_full_verifier_answers_503_with_retry_after(app, client):
    gate = app.extensions["verify_concurrency"]
    for index in range(gate.total):
        assert gate.enter(f"verify:10.9.0.{index}") is None
    answer = client.post("/api/v1/verify", data=json.dumps({}), content_type="application/json")
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "1"
    page = client.post("/verify", data={"credential": "{}"})
    assert page.status_code in (400, 503)  # the CSRF check comes first for the page
