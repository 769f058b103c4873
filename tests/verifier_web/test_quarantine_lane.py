"""Issue #8, isolation: one client's expensive requests must not raise everyone's latency.

* verifications that look expensive run in the quarantine lane, a separate worker process at
  the lowest CPU priority (nice 19, ``SCHED_IDLE`` on Linux), and still get their right verdict;
* a client whose verification was costly is sent there for a while, others are not;
* a lane that died answers 503 problem JSON with ``Retry-After`` ("could not check", never a
  verdict), and the next request starts a new one;
* a client refused by the rate limit is answered 429 in front of the app until its
  ``Retry-After`` has passed, without being counted again.

No timings are asserted: ``bench/bench_verify_flood.py`` measures the latency.
"""

from __future__ import annotations

import copy
import json
import multiprocessing
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from tests.security.test_work_budget import TickingClock
from verifier.inputs import ParsedInput
from verifier.rate_limit import MarkedKeys, MemoryAttemptStore, RateLimit
from verifier.web import intake
from verifier.web.lane import LanePolicy, QuarantineLane, looks_expensive

JSON = "application/json"


def _lane_workers() -> list[multiprocessing.Process]:
    return multiprocessing.active_children()


@pytest.fixture
def lane(app: Any) -> Iterator[QuarantineLane]:
    """The app with a quarantine lane of one worker (the test configuration runs none)."""
    assert _lane_workers() == []
    lane = QuarantineLane(app.extensions["verify_lane_factory"], timeout_seconds=300)
    app.extensions["verify_lane"] = lane
    yield lane
    lane.close()


def _post(client: Any, body: bytes, address: str) -> Any:
    return client.post(
        "/api/v1/verify", data=body, content_type=JSON, environ_base={"REMOTE_ADDR": address}
    )


def _padded(credential: dict[str, Any], size: int) -> bytes:
    """The same credential sent with insignificant whitespace up to ``size`` bytes."""
    text = json.dumps(credential)
    return (text + " " * max(0, size - len(text))).encode()


def test_a_large_request_is_verified_in_the_niced_lane_with_its_right_verdict(
    app, client, issue, lane
):
    credential = json.loads(client.get(f"/badges/{issue().uuid}.json").data)
    large = app.extensions["verify_lane_policy"].min_bytes + 1
    answer = _post(client, _padded(credential, large), "10.0.0.1")
    assert answer.status_code == 200 and answer.json["verified"] is True
    (worker,) = _lane_workers()  # started for it: the lane starts on first use
    assert worker.pid != os.getpid()
    assert os.getpriority(os.PRIO_PROCESS, worker.pid) == 19  # the lowest CPU priority
    if sys.platform == "linux":  # runs only on CPU time nothing else wants
        assert os.sched_getscheduler(worker.pid) == os.SCHED_IDLE

    forged = copy.deepcopy(credential)
    forged["credentialSubject"]["achievement"]["name"] = "Brain Surgery Badge"
    answer = _post(client, _padded(forged, large), "10.0.0.2")
    assert answer.status_code == 200 and answer.json["verified"] is False
    proof = next(check for check in answer.json["checks"] if check["id"] == "proof")
    assert proof["status"] == "failed"


def test_a_large_body_is_parsed_in_the_lane_not_in_the_web_process(
    app, client, issue, lane, monkeypatch
):
    award = issue()
    credential = json.loads(client.get(f"/badges/{award.uuid}.json").data)
    parsed_here: list[str] = []
    real_parse = intake.parse_json
    monkeypatch.setattr(intake, "parse_json", lambda *a: parsed_here.append("x") or real_parse(*a))
    large = app.extensions["verify_lane_policy"].min_bytes + 1
    wrapped = {"credential": credential, "email": award.email}
    answer = _post(client, _padded(wrapped, large), "10.0.0.7")
    assert answer.status_code == 200 and answer.json["verified"] is True
    checks = {check["id"]: check["status"] for check in answer.json["checks"]}
    assert checks["recipient"] == "passed"  # the email inside the body, read in the lane
    wrapped["email"] = "someone.else@example.org"
    answer = _post(client, _padded(wrapped, large), "10.0.0.8")
    assert answer.status_code == 200 and answer.json["verified"] is False
    assert parsed_here == []  # the web process never parsed the 64 KiB bodies
    assert len(_lane_workers()) == 1
    small = _post(client, json.dumps(credential).encode(), "10.0.0.9")
    assert small.json["verified"] is True and parsed_here  # a small one is parsed here


def test_a_large_body_that_is_no_credential_is_a_problem_from_the_lane(app, client, lane):
    large = app.extensions["verify_lane_policy"].min_bytes + 1
    for body, content_type, words in (
        (b"[" * 40 + b" " * large, JSON, "JSON"),
        (b"\xff" * large, "text/plain", "UTF-8"),
    ):
        answer = client.post(
            "/api/v1/verify", data=body, content_type=content_type,
            environ_base={"REMOTE_ADDR": "10.0.0.10"},
        )  # fmt: skip
        assert 400 <= answer.status_code < 500
        assert answer.mimetype == "application/problem+json"
        assert words in answer.json["detail"]
    assert len(_lane_workers()) == 1  # read there


def test_a_cheap_request_from_a_clean_address_stays_in_the_web_process(client, issue, lane):
    body = client.get(f"/badges/{issue().uuid}.json").data
    answer = _post(client, body, "10.0.0.3")
    assert answer.status_code == 200 and answer.json["verified"] is True
    assert _lane_workers() == []  # no process hop on the common path


def test_a_client_whose_verification_was_costly_goes_to_the_lane(app, client, issue, lane):
    body = client.get(f"/badges/{issue().uuid}.json").data
    app.extensions["verify_work_clock"] = TickingClock(0.1)  # this one burns its budget
    assert _post(client, body, "10.0.0.4").status_code == 200
    app.extensions["verify_work_clock"] = lambda: 0.0  # the next ones are free
    assert _post(client, body, "10.0.0.5").json["verified"] is True
    assert _lane_workers() == []  # another address: in the web process
    # The same credential in other bytes: not the verdict cache's answer (a report kept for
    # these exact bytes would be served in the web process at no cost, lane or not).
    other_bytes = json.dumps(json.loads(body), indent=1).encode()
    answer = _post(client, other_bytes, "10.0.0.4")
    assert answer.status_code == 200 and answer.json["verified"] is True
    assert len(_lane_workers()) == 1  # the costly client's request went to the lane


def _redis_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.2):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_available(), reason="Redis is not running on 127.0.0.1:6379")
def test_a_client_found_costly_by_one_web_process_goes_to_the_lane_in_every_other(
    app, client, issue
):
    """Deployed with several web processes counting in Redis (README "Deployment"), one
    process's finding that a client's verification was costly reaches the others."""
    from wsgi import create_app

    body = client.get(f"/badges/{issue().uuid}.json").data
    shared = {**app.config, "RATE_LIMIT_STORAGE_URL": "redis://127.0.0.1:6379/15"}
    first, second = create_app(shared), create_app(shared)  # two web processes
    address = f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}"  # this run's key only
    lane = QuarantineLane(second.extensions["verify_lane_factory"], timeout_seconds=300)
    second.extensions["verify_lane"] = lane
    try:
        assert _lane_workers() == []
        first.extensions["verify_work_clock"] = TickingClock(0.1)  # this one burns its budget
        assert _post(first.test_client(), body, address).status_code == 200
        answer = _post(second.test_client(), body, address)  # cheap, but from that client
        assert answer.status_code == 200 and answer.json["verified"] is True
        assert len(_lane_workers()) == 1  # the other process sent it to its lane
    finally:
        lane.close()
        marks = redis.Redis.from_url("redis://127.0.0.1:6379/15")
        for key in marks.scan_iter(f"badges:rate:*{address}*"):
            marks.delete(key)
        for instance in (first, second):
            instance.extensions["sqlalchemy_engine"].dispose()


def test_a_dead_lane_answers_503_problem_json_and_the_next_request_starts_a_new_one(
    app, client, issue, lane
):
    body = client.get(f"/badges/{issue().uuid}.json").data
    app.extensions["verify_costly_clients"].mark("verify:10.0.0.6", 60)
    assert _post(client, body, "10.0.0.6").json["verified"] is True
    (worker,) = _lane_workers()
    os.kill(worker.pid, signal.SIGKILL)
    worker.join(timeout=30)

    answer = _post(client, body, "10.0.0.6")
    assert answer.status_code == 503
    assert answer.mimetype == "application/problem+json"
    assert int(answer.headers["Retry-After"]) > 0
    assert "try again" in answer.json["detail"]

    answer = _post(client, body, "10.0.0.6")
    assert answer.status_code == 200 and answer.json["verified"] is True


def test_the_page_answers_a_dead_lane_in_plain_words(app, client, issue, lane):
    body = client.get(f"/badges/{issue().uuid}.json").data
    app.extensions["verify_costly_clients"].mark("verify:127.0.0.1", 60)  # the test client's
    assert _post(client, body, "127.0.0.1").json["verified"] is True
    (worker,) = _lane_workers()
    os.kill(worker.pid, signal.SIGKILL)
    worker.join(timeout=30)
    html = client.get("/verify").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    page = client.post("/verify", data={"credential": body.decode(), "csrf_token": token})
    assert page.status_code == 503 and page.headers["Retry-After"]
    assert "The verifier is busy; try again in a moment." in page.get_data(as_text=True)


def test_what_looks_expensive():
    policy = LanePolicy(min_bytes=1000, max_endorsements=2, max_objects=20)
    badge = {"credentialSubject": {"achievement": {"endorsement": [{"id": "e1"}]}}}
    assert not looks_expensive(ParsedInput("ldp", badge), 900, policy)
    assert looks_expensive(ParsedInput("ldp", badge), 1001, policy)  # e.g. an embedded image
    endorsed = {"endorsement": [{"id": f"e{n}"} for n in range(3)]}
    assert looks_expensive(ParsedInput("ldp", endorsed), 100, policy)
    many = {"alignment": [{"targetName": str(n)} for n in range(20)]}
    assert looks_expensive(ParsedInput("ldp", many), 100, policy)
    assert not looks_expensive(ParsedInput("jwt", None, token="a.b.c"), 100, policy)


def test_a_refused_client_is_answered_in_front_of_the_app_until_retry_after(app, client):
    store = MemoryAttemptStore()
    app.extensions["verify_rate_limit"] = RateLimit(store, limit=2, window_seconds=60)
    now = [0.0]
    app.extensions["verify_penalty_box"] = MarkedKeys(clock=lambda: now[0])
    for _ in range(2):
        assert _post(client, b"x.y.z", "10.0.0.7").status_code != 429
    refused = _post(client, b"x.y.z", "10.0.0.7")
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"
    counted = store.count("verify:10.0.0.7", 60)

    now[0] = 45.5
    again = _post(client, b"x.y.z", "10.0.0.7")
    assert again.status_code == 429 and again.headers["Retry-After"] == "15"
    assert again.mimetype == "application/problem+json"
    assert again.json == refused.json  # the same problem the app answers
    assert store.count("verify:10.0.0.7", 60) == counted  # answered without counting
    assert _post(client, b"x.y.z", "10.0.0.8").status_code != 429  # others are served

    now[0] = 60.0
    store.reset("verify:10.0.0.7")  # the store's window has passed too
    assert _post(client, b"x.y.z", "10.0.0.7").status_code != 429


WEB_PROCESS = """
import multiprocessing
import sys

from verifier.inputs import ParsedInput
from verifier.web import intake
from verifier.web.lane import QuarantineLane


def factory():
    return lambda parsed, email: None


if __name__ == "__main__":
    lane = QuarantineLane(factory, timeout_seconds=300)
    lane.verify("verify:10.0.0.9", ParsedInput("ldp", {}), None, 0.5)
    print(multiprocessing.active_children()[0].pid, flush=True)
    sys.stdin.read()
"""


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as status:
            return "\tZ" not in next(line for line in status if line.startswith("State:"))
    except FileNotFoundError:
        return False


def test_a_lane_worker_ends_when_its_web_process_is_killed(tmp_path):
    """gunicorn kills a worker that times out: its lane worker must not live on, orphaned."""
    script = tmp_path / "web_process.py"
    script.write_text(WEB_PROCESS)
    root = Path(__file__).resolve().parents[2]
    web = subprocess.Popen(
        [sys.executable, str(script)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ | {"PYTHONPATH": str(root)},
    )
    try:
        worker = int(web.stdout.readline())
        assert _running(worker)
    finally:
        web.kill()
        web.wait()
    for _ in range(300):  # the worker looks for its parent every PARENT_CHECK_SECONDS
        if not _running(worker):
            break
        time.sleep(0.1)
    assert not _running(worker)
