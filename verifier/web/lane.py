"""The quarantine lane: verifications that look expensive run in a separate worker process at
the lowest CPU priority, so they cannot take the GIL that cheap verifications need (issue #8,
isolation).

A threaded server runs every request's Python under one GIL: a request canonicalizing a
150 KiB credential and ten endorsements holds it for its whole work budget, and every other
request of the process waits its turn. Routed here, that work runs in another process started
at the lowest CPU priority (nice 19 and Linux's ``SCHED_IDLE``: it runs only on CPU time nothing
else wants); the request's thread only waits on a future (the GIL released), and the
operating system's scheduler gives the web workers the CPU first. Cheap requests from clean
addresses never come here: no process hop on the common path.

What goes to the lane (:func:`looks_expensive`): a body over ``VERIFY_LANE_MIN_BYTES``, more
embedded endorsements than ``VERIFY_LANE_MAX_ENDORSEMENTS``, more JSON objects than
``VERIFY_LANE_MAX_OBJECTS``, or a client address whose recent verification used more than
``VERIFY_LANE_FLAG_SECONDS`` of CPU (for ``VERIFY_LANE_HISTORY_SECONDS`` after it).

The lane keeps the rules of the normal path: the work budget is CPU time of the lane's own
thread (``work_time`` there) and what it used is returned and charged to the client's
rate limit; each client has one slot in it (``VERIFY_LANE_PER_CLIENT``) and it holds at most
``VERIFY_LANE_QUEUE`` verifications, waiting or running. A full, dead or slow lane is a
:class:`LaneUnavailable` (the views answer 503 with ``Retry-After``): "could not check now",
never "invalid".

The worker builds its own verification context from a picklable factory the composition root
passes in (``wsgi.py``): the verifier never imports the issuer, and the worker is started by
``spawn`` (no fork of a threaded web process, safe under gunicorn's threads).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import BrokenExecutor, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any, Protocol

from schemas.cpu_time import work_time
from schemas.work_budget import shared_work_budget
from verifier.inputs import ParsedInput
from verifier.report import VerificationReport

LaneVerifier = Callable[[ParsedInput, "str | None"], VerificationReport]
"""Verifies one credential in the worker (inside whatever context it needs, e.g. an app's)."""


class LaneUnavailable(Exception):
    """The lane cannot take or finish this verification now (full, dead or too slow): the
    credential was not checked, so the answer is 503 with ``Retry-After``, never a verdict."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class LaneClientBusy(Exception):
    """This client already has a verification in the lane (HTTP 429)."""


@dataclass(frozen=True)
class LaneResult:
    """A verification done in the lane: the report and the CPU seconds its budget used
    (``exhausted``: the budget ran out)."""

    report: VerificationReport
    spent: float
    exhausted: bool


class Submitted(Protocol):
    """What reading a body gives: the credential and the optional email sent with it."""

    parsed: ParsedInput
    email: str | None


@dataclass(frozen=True)
class UnparsedBody:
    """A request body read but not parsed, for the lane's worker to parse with ``read``
    (picklable: a module-level function, or a ``functools.partial`` of one). A large body
    thus costs the web process neither the parsing (~17 ms of CPU for 170 KiB of JSON) nor
    the pickling of what it parses to: bytes cross to the worker as they are."""

    body: bytes
    read: Callable[[bytes], Submitted]


@dataclass(frozen=True)
class LanePolicy:
    """What looks expensive (see the module docstring); sizes in bytes, times in seconds."""

    min_bytes: int = 64 * 1024
    max_endorsements: int = 2
    max_objects: int = 200
    flag_seconds: float = 0.1
    history_seconds: float = 600.0

    @classmethod
    def from_config(cls, config: Any) -> LanePolicy:
        """From ``VERIFY_LANE_*`` settings (missing ones keep their defaults)."""
        defaults = cls()
        return cls(
            min_bytes=int(config.get("VERIFY_LANE_MIN_BYTES", defaults.min_bytes)),
            max_endorsements=int(
                config.get("VERIFY_LANE_MAX_ENDORSEMENTS", defaults.max_endorsements)
            ),
            max_objects=int(config.get("VERIFY_LANE_MAX_OBJECTS", defaults.max_objects)),
            flag_seconds=float(config.get("VERIFY_LANE_FLAG_SECONDS", defaults.flag_seconds)),
            history_seconds=float(
                config.get("VERIFY_LANE_HISTORY_SECONDS", defaults.history_seconds)
            ),
        )


def _shape(value: Any) -> tuple[int, int]:
    """(JSON objects, objects under an ``endorsement`` member) in ``value``, iteratively."""
    objects = endorsements = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            objects += 1
            for key, member in item.items():
                if key == "endorsement":  # OB 3.0 §B.1 Achievement/Profile/credential endorsement
                    endorsements += len(member) if isinstance(member, list) else 1
                if isinstance(member, dict | list):
                    stack.append(member)
        elif isinstance(item, list):
            stack.extend(i for i in item if isinstance(i, dict | list))
    return objects, endorsements


def looks_expensive(parsed: ParsedInput, body_bytes: int, policy: LanePolicy) -> bool:
    """Whether verifying ``parsed`` (sent as ``body_bytes``) may be expensive: a large body
    (an embedded image counts here), many endorsements (each one more canonicalization) or
    many JSON objects (nodes, hence quads). A VC-JWT's payload is not read before its
    signature, so a token is judged by its size."""
    if body_bytes > policy.min_bytes:
        return True
    if parsed.credential is None:
        return False
    objects, endorsements = _shape(parsed.credential)
    return endorsements > policy.max_endorsements or objects > policy.max_objects


# -- the worker process ------------------------------------------------------------------------

_worker_verify: LaneVerifier | None = None


PARENT_CHECK_SECONDS = 1.0


def _exit_with_parent(parent: int) -> None:
    """End this worker once its web process is gone. A killed web process (gunicorn's
    timeout, SIGKILL) runs no clean-up, and the worker holds both ends of its task queue, so
    it would never read an end of file: it checks whose child it is instead."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


def lowest_cpu_priority() -> None:
    """Make this process the last in line for the CPU: nice 19 and, on Linux, the
    ``SCHED_IDLE`` scheduling policy (sched(7): run only when nothing else wants the CPU, and
    give the CPU up as soon as a normal task wakes), so that a web worker answering a cheap
    verification never waits on a lane verification's time slice. Threads started afterwards
    inherit both. Where ``SCHED_IDLE`` is missing or refused, nice 19 alone.
    """
    os.nice(19)
    if hasattr(os, "SCHED_IDLE"):
        with contextlib.suppress(OSError):  # a platform refusing it keeps nice 19
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))


def _start_worker(factory: Callable[[], LaneVerifier]) -> None:
    """The worker's initializer: lowest CPU priority first, a watch on its web process, then
    its own verifier."""
    global _worker_verify
    lowest_cpu_priority()
    watch = threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True)
    watch.start()
    _worker_verify = factory()


def _verify_in_worker(
    presented: ParsedInput | UnparsedBody, email: str | None, budget_seconds: float
) -> LaneResult:
    """Parse (an :class:`UnparsedBody`; what ``read`` raises, such as UnusableInput, goes back
    to the web process) and verify, within the budget."""
    if _worker_verify is None:  # pragma: no cover - the initializer always ran
        raise RuntimeError("the lane worker has no verifier")
    with shared_work_budget(budget_seconds, work_time) as budget:
        if isinstance(presented, UnparsedBody):
            submitted = presented.read(presented.body)
            presented, email = submitted.parsed, submitted.email
        report = _worker_verify(presented, email)
    return LaneResult(report, budget.spent, budget.exhausted)


# -- the web process's side ---------------------------------------------------------------------


class QuarantineLane:
    """A pool of ``workers`` niced processes, started on first use, shared by this web
    process's threads; ``factory`` (picklable) builds each worker's verifier.

    :meth:`verify` raises :class:`LaneClientBusy` (the client's slot is taken) or
    :class:`LaneUnavailable` (full, dead or over ``timeout_seconds`` of wall time).
    """

    def __init__(
        self,
        factory: Callable[[], LaneVerifier],
        *,
        workers: int = 1,
        queue: int = 4,
        per_client: int = 1,
        timeout_seconds: float = 30.0,
    ) -> None:
        if workers < 1 or queue < 1 or per_client < 1:
            raise ValueError("the lane needs at least one worker, queue place and client slot")
        self._factory = factory
        self.workers = workers
        self.queue = queue
        self.per_client = per_client
        self.timeout_seconds = timeout_seconds
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._pending = 0
        self._clients: dict[str, int] = {}

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=get_context("spawn"),
                    initializer=_start_worker,
                    initargs=(self._factory,),
                )
            return self._pool

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        """Forget a broken pool (the next request starts a new one)."""
        with self._lock:
            if self._pool is pool:
                self._pool = None
        pool.shutdown(wait=False, cancel_futures=True)

    def _enter(self, client: str) -> None:
        with self._lock:
            if self._clients.get(client, 0) >= self.per_client:
                raise LaneClientBusy(
                    "a costly verification from your address is already running; "
                    "try again when it has finished"
                )
            if self._pending >= self.queue:
                raise LaneUnavailable(
                    "the verifier is busy with costly verifications; try again in a moment", 1
                )
            self._clients[client] = self._clients.get(client, 0) + 1
            self._pending += 1

    def _leave(self, client: str) -> None:
        with self._lock:
            self._pending -= 1
            left = self._clients.get(client, 0) - 1
            if left > 0:
                self._clients[client] = left
            else:
                self._clients.pop(client, None)

    def verify(
        self,
        client: str,
        presented: ParsedInput | UnparsedBody,
        email: str | None,
        budget_seconds: float,
    ) -> LaneResult:
        """Verify ``presented`` (parsed, or a body the worker parses, whose own email then
        counts) in the lane for ``client``, within ``budget_seconds`` of CPU. Raises what
        reading an :class:`UnparsedBody` raised in the worker (UnusableInput)."""
        self._enter(client)
        try:
            pool = self._executor()
            try:
                future = pool.submit(_verify_in_worker, presented, email, budget_seconds)
                return future.result(timeout=self.timeout_seconds)
            except BrokenExecutor:
                self._discard(pool)
                raise LaneUnavailable(
                    "the verifier's worker for costly verifications stopped; try again", 5
                ) from None
            except FutureTimeout:
                raise LaneUnavailable(
                    "the verifier is busy with costly verifications; try again in a moment", 5
                ) from None
        finally:
            self._leave(client)

    def close(self) -> None:
        """Stop the workers (at shutdown; a later request starts them again)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
