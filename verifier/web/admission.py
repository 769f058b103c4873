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
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app, request

from schemas.work_budget import WorkBudget, shared_work_budget
from verifier.rate_limit import ConcurrencyLimit

RETRY_SOON_SECONDS = 1


class Refused(Exception):
    """The request is not admitted now: HTTP ``status`` with ``Retry-After``."""

    def __init__(self, status: int, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


def client_key() -> str:
    """The rate-limit and concurrency key of this request's client address."""
    return f"verify:{request.remote_addr}"


def cost(budget: WorkBudget, unit_seconds: float) -> int:
    """Attempts a verification counts for: 1, plus one per ``unit_seconds`` of CPU it used
    (all of its budget's worth when it ran out)."""
    used = budget.seconds if budget.exhausted else min(budget.spent, budget.seconds)
    return 1 + int(used / unit_seconds)


@contextmanager
def admitted() -> Iterator[WorkBudget]:
    """Run one verification of this request's client, or raise :class:`Refused`.

    Yields the request's shared work budget; on the way out the client's slot is freed and
    the work it cost is charged to its rate limit.
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
    budget: WorkBudget | None = None
    try:
        seconds = float(config["VERIFY_WORK_BUDGET_SECONDS"])
        clock = current_app.extensions.get("verify_work_clock", time.thread_time)
        with shared_work_budget(seconds, clock) as budget:
            yield budget
    finally:
        gate.leave(client)
        if budget is not None:
            extra = cost(budget, float(config["VERIFY_COST_UNIT_SECONDS"])) - 1
            current_app.extensions["verify_rate_limit"].charge(client, extra)


def init_admission(app: Flask) -> None:
    """The process's concurrency gate, from configuration."""
    app.extensions["verify_concurrency"] = ConcurrencyLimit(
        per_client=int(app.config.get("VERIFY_MAX_CONCURRENT_PER_CLIENT", 2)),
        total=int(app.config.get("VERIFY_MAX_CONCURRENT", 8)),
    )
