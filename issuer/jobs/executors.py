"""Where bulk issuance chunks run.

- :class:`ThreadExecutor`: the embedded default of the web app (no broker to install): chunks
  run one after another in a background thread of this process.
- :func:`run_in_processes`: the command line without a broker: chunks spread over local
  processes, one per core, so signing uses every core.
- :class:`QueueExecutor`: each chunk becomes a Dramatiq message; workers started with
  ``dramatiq issuer.jobs.worker`` on any number of hosts run them (``JOBS_BROKER_URL``).

All three run the same idempotent :func:`issuer.jobs.bulk.run_chunk`.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from issuer.database import get_session
from issuer.jobs import bulk
from issuer.services.issuance import IssuerSite

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger(__name__)
THREAD_RETRIES = 3  # a chunk that fails this often stays pending; re-uploading resumes it


class Executor(Protocol):
    def submit(self, job_id: int, chunk_nos: Sequence[int]) -> None:
        """Arrange for each chunk to run (now or later, here or elsewhere)."""


def run_chunk_in_app(app: Flask, job_id: int, chunk_no: int) -> None:
    """Run one chunk in an app context with the app's signer and site, at the current time."""
    with app.app_context():
        session = get_session()
        try:
            bulk.run_chunk(
                session,
                job_id,
                chunk_no,
                signer=app.extensions["signer"],
                site=IssuerSite.from_config(app.config),
                now=datetime.now(UTC),
            )
        except Exception:
            session.rollback()
            raise


class ThreadExecutor:
    """Chunks in a daemon thread of this process, retried with back-off."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._threads: list[threading.Thread] = []

    def submit(self, job_id: int, chunk_nos: Sequence[int]) -> None:
        thread = threading.Thread(
            target=self._run, args=(job_id, list(chunk_nos)), name=f"bulk-job-{job_id}", daemon=True
        )
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _run(self, job_id: int, chunk_nos: list[int]) -> None:
        for chunk_no in chunk_nos:
            for attempt in range(THREAD_RETRIES):
                try:
                    run_chunk_in_app(self.app, job_id, chunk_no)
                    break
                except Exception:
                    log.exception("bulk job %s chunk %s failed (try %s)", job_id, chunk_no, attempt)
                    time.sleep(0.5 * 2**attempt)

    def wait(self, timeout: float = 60) -> None:
        """Block until every submitted job's thread has ended (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))


class QueueExecutor:
    """Sends each chunk to the Dramatiq queue; the sender needs no task code, only the broker."""

    def __init__(self, broker_url: str, queue_name: str) -> None:
        from issuer.jobs import queue  # Dramatiq and its broker clients: only when configured

        self.broker = queue.broker_for(broker_url)
        self.queue_name = queue_name
        self.broker.declare_queue(queue_name)

    def submit(self, job_id: int, chunk_nos: Sequence[int]) -> None:
        import dramatiq

        from issuer.jobs import queue

        for chunk_no in chunk_nos:
            self.broker.enqueue(
                dramatiq.Message(
                    queue_name=self.queue_name,
                    actor_name=queue.ACTOR_NAME,
                    args=(job_id, chunk_no),
                    kwargs={},
                    options={},
                )
            )


def executor_of(app: Flask) -> Executor:
    """The app's executor, made on first use: the queue when ``JOBS_BROKER_URL`` is set,
    else a thread of this process."""
    executor = app.extensions.get("bulk_executor")
    if executor is None:
        url = app.config.get("JOBS_BROKER_URL") or ""
        executor = app.extensions["bulk_executor"] = (
            QueueExecutor(url, app.config["JOBS_QUEUE_NAME"]) if url else ThreadExecutor(app)
        )
    return executor


def wait_for_runs(app: Flask, timeout: float = 60.0) -> None:
    """Block until this process's in-process runs have ended (before shutdown or wiping data)."""
    executor = app.extensions.get("bulk_executor")
    if isinstance(executor, ThreadExecutor):
        executor.wait(timeout)


_FORKED_APP: Flask | None = None


def _child_started() -> None:
    assert _FORKED_APP is not None
    # Connections opened by the parent must not be shared with a child: start a fresh pool.
    _FORKED_APP.extensions["sqlalchemy_engine"].dispose(close=False)


def _child_run(task: tuple[int, int]) -> tuple[int, str | None]:
    assert _FORKED_APP is not None
    job_id, chunk_no = task
    try:
        run_chunk_in_app(_FORKED_APP, job_id, chunk_no)
    except Exception as exc:  # reported to the parent, which prints it; the chunk stays pending
        return chunk_no, f"{type(exc).__name__}: {exc}"
    return chunk_no, None


def run_in_processes(
    app: Flask,
    job_id: int,
    chunk_nos: Sequence[int],
    *,
    processes: int,
    on_chunk: Callable[[int, str | None], Any],
) -> None:
    """Run chunks over ``processes`` forked processes (1: here, in order), calling
    ``on_chunk(chunk_no, error or None)`` in this process as each ends."""
    global _FORKED_APP
    if processes <= 1:
        for chunk_no in chunk_nos:
            try:
                run_chunk_in_app(app, job_id, chunk_no)
            except Exception as exc:
                on_chunk(chunk_no, f"{type(exc).__name__}: {exc}")
            else:
                on_chunk(chunk_no, None)
        return
    _FORKED_APP = app
    app.extensions["sqlalchemy_engine"].dispose()
    context = multiprocessing.get_context("fork")
    with context.Pool(processes, initializer=_child_started) as pool:
        for chunk_no, error in pool.imap_unordered(_child_run, [(job_id, n) for n in chunk_nos]):
            on_chunk(chunk_no, error)
