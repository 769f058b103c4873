"""Class 4, canonicalization budget (issue #8 item 3): one work budget for the whole request.

Each canonicalization had its own budget, so one request could run eleven of them (credential
plus ten endorsements) and the JSON-LD checks: 0.89 s of CPU for a 154 KiB body. A
:class:`schemas.work_budget.WorkBudget` opened around a verification is charged by all of them;
a fake CPU clock (advancing at each read) makes the spending deterministic here.
"""

from __future__ import annotations

from itertools import count
from typing import Any

import pytest

from schemas._canon_budget import ACTIVE_WORK_BUDGET
from schemas.work_budget import WorkBudget, WorkBudgetSpent, shared_work_budget
from tests.verifier.conftest import ISSUER_DID, NOW, STATUS_LIST_URL, make_credential
from verifier.inputs import ParsedInput
from verifier.resolvers import OfflineResolver
from verifier.verification import VerificationContext, verify
from verifier.web.admission import cost


class TickingClock:
    """A CPU clock that advances ``tick`` seconds each time it is read."""

    def __init__(self, tick: float = 0.001) -> None:
        self._ticks = count()
        self.tick = tick

    def __call__(self) -> float:
        return next(self._ticks) * self.tick


_serial = count(1)


def _with_endorsements(signer, how_many: int) -> dict[str, Any]:
    """A signed credential with ``how_many`` signed endorsements, all new documents (the
    JSON-LD inspection remembers documents it has seen, which would make repeats cheap)."""

    def fresh(serial: int) -> dict[str, Any]:
        return make_credential(credential_id=f"urn:uuid:00000000-0000-4000-8000-{serial:012d}")

    def endorsing(credential_id: str) -> dict[str, Any]:
        # An endorsement endorses the object that carries it (its credentialSubject.id).
        endorsement = fresh(next(_serial))
        endorsement["credentialSubject"]["id"] = credential_id
        return signer.sign_ldp(endorsement)

    credential = fresh(next(_serial))
    credential["endorsement"] = [endorsing(credential["id"]) for _ in range(how_many)]
    return signer.sign_ldp(credential)


def _clock_reads(signer, context, document) -> int:
    """How many reads of the budget's clock verifying ``document`` takes."""
    clock = TickingClock(1.0)
    with shared_work_budget(10**9, clock) as budget:
        verify(ParsedInput("ldp", document), context)
    return int(budget.spent)


def test_one_work_budget_is_shared_by_the_credential_and_its_endorsements(signer, context):
    """Budget enough for the credential and one endorsement, not three: the credential's own
    proof verifies, the endorsements beyond the budget fail as too complex."""
    alone = _clock_reads(signer, context, _with_endorsements(signer, 1))
    assert _clock_reads(signer, context, _with_endorsements(signer, 3)) > alone + 1
    three = _with_endorsements(signer, 3)
    with shared_work_budget(alone + 1, TickingClock(1.0)) as budget:
        report = verify(ParsedInput("ldp", three), context)
    assert budget.exhausted
    assert report.check("proof").status == "passed"
    endorsements = report.check("endorsements")
    assert endorsements.status == "warning"
    assert "work budget" in endorsements.message


def test_without_a_shared_budget_all_endorsements_verify(signer, context):
    report = verify(ParsedInput("ldp", _with_endorsements(signer, 3)), context)
    assert report.check("endorsements").status == "passed", report.check("endorsements")


def test_a_request_that_burned_its_budget_costs_more_than_one_that_did_not():
    spent = WorkBudget(0.3, TickingClock(1.0))
    with pytest.raises(WorkBudgetSpent, match="work budget"):
        spent.check("test")
    assert cost(spent, 0.03) == 11
    cheap = WorkBudget(0.3, lambda: 0.0)
    assert cost(cheap, 0.03) == 1


def test_the_resolvers_own_work_is_not_charged_to_the_request(signer, status_list):
    """Our issuer signs its status list inside the verification (wsgi's IssuerDocuments does):
    bounded work the visitor did not choose. Resolvers run outside the request's budget, so a
    nearly spent budget cannot make our own signing raise out of the resolver (a 500)."""
    seen: list[object] = []

    def provide_status_list() -> dict[str, Any]:
        seen.append(ACTIVE_WORK_BUDGET.get())
        return status_list()

    resolver = OfflineResolver(
        providers={ISSUER_DID: signer.did_document, STATUS_LIST_URL: provide_status_list}
    )
    context = VerificationContext(resolver=resolver, now=lambda: NOW)
    with shared_work_budget(10**9, TickingClock(1.0)) as budget:
        report = verify(ParsedInput("ldp", signer.sign_ldp(make_credential())), context)
    assert report.verified
    assert seen == [None]  # the provider ran, with no budget to charge
    assert budget.spent > 0  # while the credential's own work was charged
