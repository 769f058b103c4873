"""Admission to the public verifier: what one client may make it do.

Three mechanisms, in the order a request meets them (issue #8, CPU starvation):

1. the rate limit per client address (``VERIFY_RATE_LIMIT`` per ``VERIFY_RATE_WINDOW_SECONDS``,
   checked by the views as before);
2. concurrency: at most ``VERIFY_MAX_CONCURRENT_PER_CLIENT`` verifications of one address and
   ``VERIFY_MAX_CONCURRENT`` in all run at once in this process; the rest are refused at once,
   429 (that client) or 503 (everyone), with ``Retry-After``, so expensive requests of one
   client neither queue in front of others nor hold every worker;
3. a work budget (``VERIFY_WORK_BUDGET_SECONDS`` of CPU time) shared by every canonicalization
   and JSON-LD check of the request, endorsements and status list included
   (:mod:`schemas.work_budget`); what the request used is then charged to the client's rate
   limit, one attempt per ``VERIFY_COST_UNIT_SECONDS`` beyond the first, so a request that
   burned its budget counts as many cheap ones.

An address the rate limit refused is then answered by :class:`RefusedClients` in front of the
application until its ``Retry-After`` has passed (no request context, session or store lookup),
so that a client hammering on after its 429 cannot take the CPU, in a threaded server the GIL,
that everyone else's verifications need.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app, request

from schemas.cpu_time import work_time
from schemas.work_budget import WorkBudget, shared_work_budget
from verifier.inputs import ParsedInput
from verifier.rate_limit import AttemptStore, ConcurrencyLimit, MarkedKeys, Marks, RateLimit
from verifier.report import VerificationReport
from verifier.verification import VerificationContext, verify
from verifier.web.lane import (
    LaneClientBusy,
    LanePolicy,
    LaneResult,
    LaneUnavailable,
    QuarantineLane,
    UnparsedBody,
    looks_expensive,
)
from verifier.web.problems import PROBLEM_TYPE

RETRY_SOON_SECONDS = 1


class Refused(Exception):
    """The request is not admitted now: HTTP ``status`` with ``Retry-After``."""

    def __init__(self, status: int, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


def client_key() -> str:
    """The rate-limit and concurrency key of this request's client address."""
    return _key(request.remote_addr)


def _key(address: str | None) -> str:
    return f"verify:{address}"


def rate_limited(limit: RateLimit) -> bool:
    """Count this request against its client's ``VERIFY_RATE_LIMIT``; True when it is over.

    A refused client goes in the process's penalty box for the window (what ``Retry-After``
    tells it), where :class:`RefusedClients` answers it without counting.
    """
    key = client_key()
    if not limit.exceeded(key):
        return False
    current_app.extensions["verify_penalty_box"].mark(key, limit.window_seconds)
    return True


def rate_limit_message(limit: RateLimit) -> str:
    """The 429 problem's ``detail`` for ``limit``."""
    return f"more than {limit.limit} verifications in {limit.window_seconds:g} s; try again shortly"


StartResponse = Callable[..., Any]


class RefusedClients:
    """WSGI middleware answering ``POST /api/v1/…`` from a client in the penalty box with the
    API's 429 problem (RFC 9457) and the seconds left as ``Retry-After``, before the app runs.

    Installed inside any ``ProxyFix``, so ``REMOTE_ADDR`` is the client's address. The page
    (``POST /verify``) is left to the app: its refusal is the form page in plain words.
    """

    PREFIX = "/api/v1/"

    def __init__(self, app: Flask, wsgi_app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "POST" and environ.get("PATH_INFO", "").startswith(
            self.PREFIX
        ):
            box: MarkedKeys = self.app.extensions["verify_penalty_box"]
            left = box.remaining(_key(environ.get("REMOTE_ADDR")))
            if left > 0:
                return self._refuse(start_response, math.ceil(left))
        return self.wsgi_app(environ, start_response)

    def _refuse(self, start_response: StartResponse, retry_after: int) -> list[bytes]:
        detail = rate_limit_message(self.app.extensions["verify_rate_limit"])
        body = json.dumps(
            {
                "type": PROBLEM_TYPE + "too-many-requests",
                "title": "Too many requests",
                "status": 429,
                "detail": detail,
            }
        ).encode()
        start_response(
            "429 TOO MANY REQUESTS",
            [
                ("Content-Type", "application/problem+json"),
                ("Content-Length", str(len(body))),
                ("Retry-After", str(retry_after)),
                ("Cache-Control", "no-store"),
                ("X-Content-Type-Options", "nosniff"),
                ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
            ],
        )
        return [body]


def used_seconds(budget: WorkBudget, lane: LaneResult | None = None) -> float:
    """CPU seconds a verification used, in this thread and in the lane's worker (all of its
    budget when either ran out)."""
    if budget.exhausted or (lane is not None and lane.exhausted):
        return budget.seconds
    return min(budget.spent + (lane.spent if lane is not None else 0.0), budget.seconds)


def cost(budget: WorkBudget, unit_seconds: float, lane: LaneResult | None = None) -> int:
    """Attempts a verification counts for: 1, plus one per ``unit_seconds`` of CPU it used
    (all of its budget's worth when it ran out), in this thread and in the lane's worker."""
    return 1 + int(used_seconds(budget, lane) / unit_seconds)


class Admission:
    """One admitted verification: :meth:`verify` runs it here or in the quarantine lane."""

    def __init__(self, client: str, budget: WorkBudget, gate: ConcurrencyLimit) -> None:
        self.client = client
        self.budget = budget
        self.lane_result: LaneResult | None = None
        self._gate: ConcurrencyLimit | None = gate

    def leave_gate(self) -> None:
        """Give back the client's place in this process's concurrency gate (once)."""
        if self._gate is not None:
            self._gate.leave(self.client)
            self._gate = None

    def verify(
        self, parsed: ParsedInput, context: VerificationContext, email: str | None
    ) -> VerificationReport:
        """The report for ``parsed``: in the lane when it looks expensive or its client's
        recent verifications were (:mod:`verifier.web.lane`), else in this thread.

        Raises :class:`Refused`: 429 when the client's lane slot is taken, 503 when the lane
        is full, dead or too slow (the credential was not checked).
        """
        if not self.goes_to_lane(parsed):
            return verify(parsed, context, recipient_email=email)
        return self._in_lane(parsed, email)

    def takes_unparsed(self, body: bytes) -> bool:
        """Whether a request body of this size goes to the quarantine lane before it is
        parsed (there is a lane and the body is over ``VERIFY_LANE_MIN_BYTES``)."""
        if current_app.extensions.get("verify_lane") is None:
            return False
        policy: LanePolicy = current_app.extensions["verify_lane_policy"]
        return len(body) > policy.min_bytes

    def verify_unparsed(self, body: UnparsedBody) -> VerificationReport:
        """The report for a body :meth:`takes_unparsed` sent to the lane, which parses it
        too (its CPU time counts in the work budget). Raises UnusableInput when the body is
        not a credential, and :class:`Refused` as :meth:`verify` does."""
        return self._in_lane(body, None)

    def _in_lane(
        self, presented: ParsedInput | UnparsedBody, email: str | None
    ) -> VerificationReport:
        lane: QuarantineLane = current_app.extensions["verify_lane"]
        # Waiting on the lane takes no CPU here: its own bounds (a slot per client, a queue)
        # hold it, and the gate's places stay free for verifications in this process.
        self.leave_gate()
        try:
            self.lane_result = lane.verify(self.client, presented, email, self.budget.seconds)
        except LaneClientBusy as busy:
            raise Refused(429, str(busy), RETRY_SOON_SECONDS) from None
        except LaneUnavailable as unavailable:
            raise Refused(503, str(unavailable), unavailable.retry_after) from None
        return self.lane_result.report

    def goes_to_lane(self, parsed: ParsedInput) -> bool:
        """Whether :meth:`verify` would run ``parsed`` in the quarantine lane (there is one,
        and the input looks expensive or its client's recent verifications were)."""
        if current_app.extensions.get("verify_lane") is None:
            return False
        marked: Marks = current_app.extensions["verify_costly_clients"]
        if marked.remaining(self.client) > 0:
            return True
        policy: LanePolicy = current_app.extensions["verify_lane_policy"]
        return looks_expensive(parsed, request.content_length or 0, policy)


@contextmanager
def admitted() -> Iterator[Admission]:
    """Run one verification of this request's client, or raise :class:`Refused`.

    Yields the :class:`Admission` (with the request's shared work budget); on the way out the
    client's slot is freed, the work it cost (here and in the lane) is charged to its rate
    limit, and a client whose verification cost more than ``VERIFY_LANE_FLAG_SECONDS`` is
    sent to the lane for ``VERIFY_LANE_HISTORY_SECONDS``.
    """
    config = current_app.config
    gate: ConcurrencyLimit = current_app.extensions["verify_concurrency"]
    client = client_key()
    refusal = gate.enter(client)
    if refusal == "client":
        raise Refused(
            429,
            f"{gate.per_client} verification(s) from your address are already running; "
            "try again in a moment",
            RETRY_SOON_SECONDS,
        )
    if refusal == "total":
        raise Refused(503, "the verifier is busy; try again in a moment", RETRY_SOON_SECONDS)
    admission: Admission | None = None
    try:
        seconds = float(config["VERIFY_WORK_BUDGET_SECONDS"])
        clock = current_app.extensions.get("verify_work_clock", work_time)
        with shared_work_budget(seconds, clock) as budget:
            admission = Admission(client, budget, gate)
            yield admission
    finally:
        if admission is None:
            gate.leave(client)
        else:
            admission.leave_gate()
            _charge(admission, float(config["VERIFY_COST_UNIT_SECONDS"]))


def _charge(admission: Admission, unit_seconds: float) -> None:
    attempts = cost(admission.budget, unit_seconds, admission.lane_result)
    current_app.extensions["verify_rate_limit"].charge(admission.client, attempts - 1)
    policy: LanePolicy = current_app.extensions["verify_lane_policy"]
    if used_seconds(admission.budget, admission.lane_result) >= policy.flag_seconds:
        marked: Marks = current_app.extensions["verify_costly_clients"]
        marked.mark(admission.client, policy.history_seconds)


def init_admission(app: Flask) -> None:
    """The process's concurrency gate and penalty box, from configuration; the penalty box's
    middleware wraps the app's WSGI callable (``wsgi.py`` adds ``ProxyFix`` outside it)."""
    app.extensions["verify_concurrency"] = ConcurrencyLimit(
        per_client=int(app.config.get("VERIFY_MAX_CONCURRENT_PER_CLIENT", 2)),
        total=int(app.config.get("VERIFY_MAX_CONCURRENT", 8)),
    )
    # The penalty box is this process's own: it caches what the (shared) rate limit decided,
    # and a worker that has not seen the client yet learns it from the limit on its first
    # request. Costly clients are marked where the limit keeps its counts (Redis, when
    # deployed with several processes), so one worker's finding sends the client's next
    # verifications to the lane in every worker.
    app.extensions["verify_penalty_box"] = MarkedKeys()
    store: AttemptStore = app.extensions["rate_limit_store"]
    app.extensions["verify_costly_clients"] = store.marks("verify-costly")
    app.extensions["verify_lane_policy"] = LanePolicy.from_config(app.config)
    workers = int(app.config.get("VERIFY_LANE_WORKERS", 0))
    factory = app.extensions.get("verify_lane_factory")
    if workers > 0 and factory is not None:
        app.extensions["verify_lane"] = QuarantineLane(
            factory,
            workers=workers,
            queue=int(app.config.get("VERIFY_LANE_QUEUE", 4)),
            per_client=int(app.config.get("VERIFY_LANE_PER_CLIENT", 1)),
            timeout_seconds=float(app.config.get("VERIFY_LANE_TIMEOUT_SECONDS", 30)),
        )
    app.wsgi_app = RefusedClients(app, app.wsgi_app)  # type: ignore[method-assign]
