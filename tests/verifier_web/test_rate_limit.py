"""Verification is rate limited per client address, in one process or shared through Redis."""

import re
import socket
import time
import uuid

import pytest

from verifier.rate_limit import MemoryAttemptStore, RateLimit, RedisAttemptStore, store_from_url


def _redis_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.2):
            return True
    except OSError:
        return False


@pytest.fixture
def limited_app(app):
    app.extensions["verify_rate_limit"] = RateLimit(
        MemoryAttemptStore(), limit=3, window_seconds=60
    )
    return app


def test_the_api_answers_429_with_a_problem_past_the_limit(limited_app):
    client = limited_app.test_client()
    answers = [
        client.post("/api/v1/verify", data="x.y.z", content_type="text/plain") for _ in range(4)
    ]
    assert [a.status_code for a in answers[:3]] != [429] * 3
    assert answers[3].status_code == 429
    assert answers[3].mimetype == "application/problem+json"
    assert answers[3].get_json()["title"] == "Too many requests"
    assert answers[3].headers["Retry-After"] == "60"


def test_the_page_says_so_past_the_limit(limited_app):
    client = limited_app.test_client()
    html = client.get("/verify").get_data(as_text=True)
    form = {
        "credential": "x.y.z",
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html).group(1),
    }
    first = [client.post("/verify", data=form).status_code for _ in range(3)]
    answer = client.post("/verify", data=form)
    assert 429 not in first
    assert answer.status_code == 429
    assert b"Too many verifications" in answer.data


def test_other_addresses_are_not_limited(limited_app):
    client = limited_app.test_client()
    for _ in range(4):
        client.post("/api/v1/verify", data="x.y.z", content_type="text/plain")
    other = client.post(
        "/api/v1/verify",
        data="x.y.z",
        content_type="text/plain",
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
    )
    assert other.status_code != 429


@pytest.mark.skipif(not _redis_available(), reason="Redis is not running on 127.0.0.1:6379")
def test_two_processes_share_their_counts_through_redis():
    first = store_from_url("redis://127.0.0.1:6379/0")
    second = store_from_url("redis://127.0.0.1:6379/0")
    assert isinstance(first, RedisAttemptStore)
    key = f"test:{uuid.uuid4()}"
    limit_a, limit_b = RateLimit(first, 2, 60), RateLimit(second, 2, 60)
    assert not limit_a.exceeded(key)
    assert not limit_b.exceeded(key)
    assert limit_a.exceeded(key)  # the third hit, counted across both "processes"
    first.reset(key)
    assert second.count(key, 60) == 0


def test_unknown_storage_url_is_refused():
    with pytest.raises(ValueError, match="RATE_LIMIT_STORAGE_URL"):
        store_from_url("memcached://x")


@pytest.mark.skipif(not _redis_available(), reason="Redis is not running on 127.0.0.1:6379")
def test_a_client_marked_in_one_process_is_marked_in_every_process_through_redis():
    first = store_from_url("redis://127.0.0.1:6379/0").marks("test")
    second = store_from_url("redis://127.0.0.1:6379/0").marks("test")
    key = f"test:{uuid.uuid4()}"
    assert second.remaining(key) == 0.0
    first.mark(key, 30)
    assert 29 < second.remaining(key) <= 30  # the other "process" sees it, with its time left
    first.mark(key, 0.001)  # marked again, for a millisecond: gone by the time it is read
    time.sleep(0.01)
    assert second.remaining(key) == 0.0


def test_marks_kept_in_memory_belong_to_their_process():
    clock = iter([100.0, 100.0, 160.0]).__next__  # mark, then two reads
    first, second = MemoryAttemptStore(clock=clock).marks("test"), MemoryAttemptStore().marks("x")
    first.mark("verify:10.0.0.1", 30)
    assert second.remaining("verify:10.0.0.1") == 0.0
    assert first.remaining("verify:10.0.0.1") == 30.0
    assert first.remaining("verify:10.0.0.1") == 0.0  # 60 s later
