"""One work budget for everything a single request makes the JSON-LD machinery do.

Each canonicalization has its own :class:`schemas.canonical.CanonicalizationBudget`, but one
verification may run many: the credential's proofs, up to ten endorsements, the status list's
proof, and the JSON-LD safe-mode inspections of each. A :class:`WorkBudget` opened around the
whole request is charged by all of them (``Meter.check_time`` and every object the safe-mode
inspection expands), so the request as a whole stops once it has used its CPU time: the next
step raises :class:`WorkBudgetSpent`, which callers already handle as "too complex".

The budget is CPU time of the calling thread, garbage collections excluded (:func:`schemas.cpu_time.work_time`): other threads' work on a
busy machine does not use it up, so a request is cut off for what it costs, not for the load
others cause. Budgets nest by sharing: a budget opened while another is active is the same one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from schemas._canon_budget import ACTIVE_WORK_BUDGET, CanonicalizationTooComplex
from schemas.cpu_time import work_time


class WorkBudgetSpent(CanonicalizationTooComplex):
    """The request's shared work budget is used up; nothing more is canonicalized or expanded."""


class WorkBudget:
    """``seconds`` of CPU time for one request, measured by ``clock`` (thread CPU time)."""

    def __init__(self, seconds: float, clock: Callable[[], float] = work_time) -> None:
        if not seconds > 0:
            raise ValueError(f"a work budget needs a positive number of seconds, not {seconds!r}")
        self.seconds = seconds
        self._clock = clock
        self._started = clock()
        self.exhausted = False

    @property
    def spent(self) -> float:
        """CPU seconds used since the budget was opened, less what :func:`uncharged` blocks
        used."""
        return max(0.0, self._clock() - self._started)

    def clock(self) -> float:
        """The budget's clock reading now (seconds)."""
        return self._clock()

    def credit(self, seconds: float) -> None:
        """Give back ``seconds`` of CPU time used by work that is not the request's own."""
        self._started += max(0.0, seconds)

    def check(self, stage: str) -> None:
        """Raise WorkBudgetSpent when the budget is used up (and every time after that)."""
        if self.exhausted or self.spent > self.seconds:
            self.exhausted = True
            raise WorkBudgetSpent(
                f"too complex: {stage} stopped, this request has used its work budget of "
                f"{self.seconds:g} s of CPU time"
            )


@contextmanager
def shared_work_budget(
    seconds: float, clock: Callable[[], float] = work_time
) -> Iterator[WorkBudget]:
    """Open a request's budget (or join the one already open in this context)."""
    current = ACTIVE_WORK_BUDGET.get()
    if current is not None:
        yield current
        return
    budget = WorkBudget(seconds, clock)
    token = ACTIVE_WORK_BUDGET.set(budget)
    try:
        yield budget
    finally:
        ACTIVE_WORK_BUDGET.reset(token)


@contextmanager
def uncharged() -> Iterator[None]:
    """Work in this block is not charged to the request's budget: the verifier's own trusted
    resolvers (our issuer signing its current status list, unsealing its key) and one-off
    set-up (compiling a JSON Schema) run inside a verification but do no work the visitor's
    input chose. Neither checked while it runs nor counted afterwards: the CPU time the block
    used is credited back to the budget (a cold process unsealing its keys with scrypt would
    otherwise leave a genuine badge no budget for its own checks)."""
    budget = ACTIVE_WORK_BUDGET.get()
    token = ACTIVE_WORK_BUDGET.set(None)
    started = budget.clock() if budget is not None else 0.0
    try:
        yield
    finally:
        ACTIVE_WORK_BUDGET.reset(token)
        if budget is not None:
            budget.credit(budget.clock() - started)


def charge(stage: str) -> None:
    """Check the active request budget, if any (called between steps of every stage)."""
    budget = ACTIVE_WORK_BUDGET.get()
    if budget is not None:
        budget.check(stage)
