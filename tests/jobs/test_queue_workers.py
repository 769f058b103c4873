"""Bulk issuance by Dramatiq workers running as separate processes, against PostgreSQL and
RabbitMQ (the production shape): a worker killed mid-job and restarted, and the web app plus
two workers completing a job of 1,000 rows. Each test uses a queue of its own."""

from __future__ import annotations

import contextlib
import http.cookiejar
import io
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from issuer.jobs import bulk
from issuer.jobs.executors import QueueExecutor
from issuer.models import Award, CriterionResult, Role, Student
from issuer.recipients import new_identity_salt
from issuer.services import users
from keys.store import KeyStore
from tests.faults.conftest import assert_status_lists_consistent, cli_environment, on_postgres
from tests.issuer.conftest import CRITERIA

ROOT = Path(__file__).resolve().parents[2]
BROKER = os.environ.get("JOBS_TEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
PASSWORD = "a long enough password"


def _rabbitmq_up() -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", 5672), timeout=1):
        return True
    return False


@pytest.fixture(autouse=True)
def _rabbitmq() -> None:
    """RabbitMQ must answer; CI (REQUIRE_SERVICES=1) fails loudly instead of skipping."""
    if not _rabbitmq_up():
        if os.environ.get("REQUIRE_SERVICES"):
            pytest.fail("RabbitMQ does not answer on 127.0.0.1:5672 (rabbitmq-server -detached)")
        pytest.skip("needs RabbitMQ on 127.0.0.1:5672")


pytestmark = [pytest.mark.postgres, on_postgres]


def _cohort(world: Any, size: int) -> bytes:
    """``size`` students of the Gold pathway with every criterion met (bulk inserts), as CSV."""
    session, now = world.session, world.now
    emails = [f"learner{i:05d}.{secrets.token_hex(2)}@students.example.org" for i in range(size)]
    ids = session.scalars(
        insert(Student).returning(Student.id),
        [
            {
                "pathway_id": world.pathways.gold.id,
                "name": f"Learner {i}",
                "email": email,
                "graduation_year": 2027,
                "name_display_consent": False,
                "identity_salt": new_identity_salt(),
                "created_at": now,
            }
            for i, email in enumerate(emails)
        ],
    ).all()
    session.execute(
        insert(CriterionResult),
        [
            {
                "student_id": student_id,
                "badge_id": world.badge.id,
                "criterion_key": key,
                "met": True,
                "recorded_at": now,
            }
            for student_id in ids
            for key in CRITERIA
        ],
    )
    session.commit()
    return ("student_email\n" + "".join(f"{email}\n" for email in emails)).encode()


def _environment(database_url: str, keys_dir: Path, queue_name: str) -> dict[str, str]:
    """The command-line environment of the fault tests, plus the broker and this test's queue;
    the keys the test config seals with the development passphrase are generated first."""
    KeyStore(keys_dir, "dev-only-key-passphrase", scrypt_n=2**10).generate(("Ed25519", "P-256"))
    return {
        **cli_environment(database_url, keys_dir),
        "BADGES_JOBS_BROKER_URL": BROKER,
        "BADGES_JOBS_QUEUE_NAME": queue_name,
    }


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Start commands in their own process groups; every one is killed at the end."""
    started: list[subprocess.Popen[bytes]] = []

    def start(command: list[str], env: dict[str, str], name: str) -> subprocess.Popen[bytes]:
        log = (tmp_path / f"{name}.log").open("wb")
        process = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        started.append(process)
        return process

    yield start
    for process in started:
        kill(process)


def kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the whole process group (Dramatiq's supervisor and its worker processes)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def worker(start: Callable[..., Any], env: dict[str, str], name: str) -> Any:
    command = [sys.executable, "-m", "dramatiq", "issuer.jobs.worker", "-p", "1", "-t", "1"]
    return start(command, env, name)


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def test_a_killed_worker_s_chunks_are_issued_exactly_once_after_a_restart(
    world, database_url, tmp_path, processes
):
    """SIGKILL the worker (no clean-up: its unacknowledged messages go back to the queue, its
    open transaction is rolled back) after some chunks; a new worker finishes the job: every
    row issued once, every reserved status-list index held by an award, the counts right."""
    content = _cohort(world, 600)
    env = _environment(database_url, tmp_path / "keys", f"test-bulk-{secrets.token_hex(4)}")
    session = world.session
    job = bulk.open_job(
        session, stream=io.BytesIO(content), filename="cohort.csv", badge=world.badge,
        actor=world.admin, now=world.now, chunk_size=25,
    )  # fmt: skip
    job.submitted_at = datetime.now(UTC)
    pending = bulk.pending_chunks(session, job)
    session.commit()
    QueueExecutor(BROKER, env["BADGES_JOBS_QUEUE_NAME"]).submit(job.id, pending)

    def done_chunks() -> int:
        session.expire_all()
        return bulk.progress(session, job).chunks_done

    first = worker(processes, env, "worker-1")
    wait_for(lambda: done_chunks() >= 3, 120, "the first worker to finish three chunks")
    kill(first)
    assert done_chunks() < job.chunk_count, "the worker finished before it could be killed"

    worker(processes, env, "worker-2")
    wait_for(lambda: done_chunks() == job.chunk_count, 180, "the restarted worker to finish")

    session.expire_all()
    keyed = dict(
        session.execute(
            select(Award.idempotency_key, func.count())
            .where(Award.idempotency_key.like("csv:%"))
            .group_by(Award.idempotency_key)
        ).all()
    )
    assert len(keyed) == 600 and set(keyed.values()) == {1}
    assert_status_lists_consistent(session)
    progress = bulk.progress(session, job)
    assert (progress.state, progress.issued, progress.failed, progress.skipped) == (
        bulk.FINISHED, 600, 0, 0,
    )  # fmt: skip
    assert progress.processed == progress.total == 600


class _Client:
    """A cookie-keeping HTTP client that sends the page's CSRF token like a browser."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )

    def request(self, path: str, body: bytes | None = None, headers: dict | None = None) -> Any:
        url = self.base_url + path  # always http://127.0.0.1:<port>
        request = urllib.request.Request(url, data=body, headers=headers or {})  # noqa: S310
        try:
            return self.opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:
            return error

    def token(self, path: str) -> str:
        page = self.request(path).read().decode()
        match = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def form(self, path: str, fields: dict[str, str], token_from: str) -> Any:
        body = urllib.parse.urlencode({"csrf_token": self.token(token_from), **fields}).encode()
        return self.request(path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def upload(self, path: str, fields: dict[str, str], file: bytes, token_from: str) -> Any:
        boundary = secrets.token_hex(16)
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in {"csrf_token": self.token(token_from), **fields}.items()
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="cohort.csv"\r\nContent-Type: text/csv\r\n\r\n'.encode()
            + file
            + f"\r\n--{boundary}--\r\n".encode()
        )
        return self.request(
            path, b"".join(parts), {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        )


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_web_app_and_two_workers_complete_a_thousand_row_job(
    world, database_url, tmp_path, processes
):
    """gunicorn serving the app and two Dramatiq workers, three separate processes: an admin
    uploads 1,000 rows in the browser's way, starts the run, and follows it to the end."""
    content = _cohort(world, 1000)
    users.create_user(
        world.session, email="bulk-admin@alliance.example.org", name="Bulk Admin",
        role=Role.ALLIANCE_ADMIN, password=PASSWORD, actor=None, now=world.now,
    )  # fmt: skip
    world.session.commit()
    env = _environment(database_url, tmp_path / "keys", f"test-bulk-{secrets.token_hex(4)}")
    port = _free_port()
    # The site is served over plain http here: an https base URL would give the session
    # cookie the Secure flag and the __Host- name, which a client on http never sends back.
    env["BADGES_PUBLIC_BASE_URL"] = f"http://127.0.0.1:{port}"
    processes(
        [sys.executable, "-m", "gunicorn", "-w", "1", "--threads", "4", "-b",
         f"127.0.0.1:{port}", "wsgi:create_app()"], env, "web",
    )  # fmt: skip
    worker(processes, env, "worker-a")
    worker(processes, env, "worker-b")
    client = _Client(f"http://127.0.0.1:{port}")

    def web_up() -> bool:
        with contextlib.suppress(OSError):
            return client.request("/login").status == 200
        return False

    wait_for(web_up, 60, "the web app to start")
    signed_in = client.form(
        "/login", {"email": "bulk-admin@alliance.example.org", "password": PASSWORD}, "/login"
    )
    assert signed_in.status == 302, signed_in.read()[:500]
    uploaded = client.upload(
        "/admin/bulk", {"badge": world.badge.slug}, content, token_from="/admin/bulk"
    )
    assert uploaded.status == 302, uploaded.read()[:500]
    job_path = urllib.parse.urlsplit(uploaded.headers["Location"]).path
    preview = client.request(job_path).read().decode()
    assert "1000 ready · 0 already issued · 0 with errors" in preview
    started = client.form(f"{job_path}/issue", {"mode": "all"}, token_from=job_path)
    assert started.status == 302

    status: dict[str, Any] = {}

    def finished() -> bool:
        status.update(json.load(client.request(f"{job_path}/status")))
        return status["state"] == "finished"

    wait_for(finished, 300, "the workers to finish the job")
    assert (status["issued"], status["failed"], status["processed"]) == (1000, 0, 1000)
    world.session.expire_all()
    assert (
        world.session.scalar(select(func.count()).where(Award.idempotency_key.like("csv:%")))
        == 1000
    )
    assert_status_lists_consistent(world.session)
    page = client.request(job_path).read().decode()
    assert "1000 of 1000 rows processed · 1000 issued" in page
