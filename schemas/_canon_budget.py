"""Work limits for canonicalization, and the meter that enforces them while the work runs.

RDFC-1.0 is exponential in the worst case (a clique of blank nodes makes the n-degree hash try
every permutation) and pyld's node map is quadratic in the number of values of one property, so
an untrusted credential of a few kilobytes can keep a verifier busy for minutes. Every stage of
:func:`schemas.canonical.canonicalize` charges its work to a :class:`Meter`, which raises
:class:`CanonicalizationTooComplex` as soon as any limit of the :class:`CanonicalizationBudget`
is passed.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from schemas.cpu_time import work_time


class CanonicalizationError(Exception):
    """Base class of the errors :func:`schemas.canonical.canonicalize` raises itself."""


class CanonicalizationTooComplex(CanonicalizationError):
    """The document needs more work than the budget allows; nothing was canonicalized."""


class InvalidJsonLd(CanonicalizationError, ValueError):
    """The document is not valid JSON-LD (pyld's ``JsonLdError`` is the ``__cause__``)."""


@dataclass(frozen=True, slots=True)
class CanonicalizationBudget:
    """Limits on one canonicalization; the defaults leave wide headroom over real credentials.

    Sizing, measured on the JSON samples of the 1EdTech validator corpus, the OB 3.0 vector and 220
    generated credentials (tests/schemas/canonical_corpus/generate.py): the largest, the
    1EdTech ``complete.json``, has 363 quads, 42 blank nodes, about 540 JSON values and a
    nesting depth of 11; the most symmetric (``complete_v1.json``) needs 56 n-degree hash
    steps. Each default below is 6x to 350x that; a credential at the defaults' edge
    (290 blank nodes, 4,900 quads) canonicalizes in about 40 ms.

    - ``max_blank_nodes``: blank nodes in the RDF dataset.
    - ``max_quads``: quads in the RDF dataset.
    - ``max_seconds``: CPU time of the calling thread, garbage collections excluded (:func:`schemas.cpu_time.work_time`) for the whole call,
      checked between steps of every stage (JSON-LD expansion, RDF conversion, first-degree
      hashing, each n-degree hash permutation). CPU time, not wall-clock time, so that a busy
      server (other threads or processes on the same cores) does not turn a legitimate
      credential into "too complex": only the call's own work counts.
    - ``max_json_values``: objects, arrays and scalars in the document (inline contexts
      included), counted before any JSON-LD processing starts; bounds the expansion and
      context-processing work done before the quads are known.
    - ``max_depth``: nesting depth of the JSON document (expansion is recursive).
    - ``max_ndegree_steps``: calls of the Hash N-Degree Quads algorithm plus permutations it
      examines; this is what stops a blank-node clique, which has few quads but needs
      factorially many steps.
    """

    max_blank_nodes: int = 300
    max_quads: int = 5000
    max_seconds: float = 0.5
    max_json_values: int = 10_000
    max_depth: int = 64
    max_ndegree_steps: int = 20_000

    def __post_init__(self) -> None:
        for name in (
            "max_blank_nodes",
            "max_quads",
            "max_json_values",
            "max_depth",
            "max_ndegree_steps",
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive integer, not {value!r}")
        if not isinstance(self.max_seconds, int | float) or not self.max_seconds > 0:
            raise ValueError(f"max_seconds must be a positive number, not {self.max_seconds!r}")


DEFAULT_BUDGET = CanonicalizationBudget()


class Meter:
    """Charges work against one budget for one call; not shared between calls or threads."""

    __slots__ = ("_deadline", "_ndegree_steps", "budget")

    def __init__(self, budget: CanonicalizationBudget) -> None:
        self.budget = budget
        self._deadline = work_time() + budget.max_seconds
        self._ndegree_steps = 0
        _charge_request("canonicalization")

    def check_time(self, stage: str) -> None:
        _charge_request(stage)
        if work_time() > self._deadline:
            raise CanonicalizationTooComplex(
                f"too complex: {stage} did not finish within max_seconds={self.budget.max_seconds}"
            )

    def check_quads(self, count: int) -> None:
        if count > self.budget.max_quads:
            raise CanonicalizationTooComplex(
                f"too complex: more than max_quads={self.budget.max_quads} quads"
            )

    def check_blank_nodes(self, count: int) -> None:
        if count > self.budget.max_blank_nodes:
            raise CanonicalizationTooComplex(
                f"too complex: more than max_blank_nodes={self.budget.max_blank_nodes} blank nodes"
            )

    def ndegree_step(self) -> None:
        self._ndegree_steps += 1
        if self._ndegree_steps > self.budget.max_ndegree_steps:
            raise CanonicalizationTooComplex(
                "too complex: blank nodes too symmetric, more than max_ndegree_steps="
                f"{self.budget.max_ndegree_steps} n-degree hash steps"
            )
        if self._ndegree_steps % 16 == 0:
            self.check_time("n-degree hashing")

    @property
    def ndegree_steps(self) -> int:
        return self._ndegree_steps


# The request's shared budget (a schemas.work_budget.WorkBudget), when one is open.
ACTIVE_WORK_BUDGET: ContextVar[Any] = ContextVar("work_budget", default=None)


def _charge_request(stage: str) -> None:
    budget = ACTIVE_WORK_BUDGET.get()
    if budget is not None:
        budget.check(stage)
