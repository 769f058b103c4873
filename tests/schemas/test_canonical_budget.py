"""canonicalize() refuses documents that would need too much work, quickly, and not real ones.

The attacks are small documents: a clique of blank nodes (pyld needs 1.3 s for 6 nodes and
grows factorially) and one long array (pyld's node map is quadratic: 10,000 items take it
about 30 s). pyld itself is never run on them here.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from schemas.canonical import (
    DEFAULT_BUDGET,
    CanonicalizationBudget,
    CanonicalizationTooComplex,
    canonicalize,
)

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
LINK = "https://example.org/vocab#linkedTo"
TAG = "https://example.org/vocab#tag"  # the pinned VC 2.0 context has no @vocab


def _credential(**entries: Any) -> dict[str, Any]:
    return {
        "@context": [VC_V2, OB],
        "id": "urn:uuid:6f1c6d7e-0000-4000-8000-000000000001",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": "https://example.edu/issuers/1",
        "validFrom": "2024-01-01T00:00:00Z",
        **entries,
    }


def clique(size: int) -> dict[str, Any]:
    """Evidence made of ``size`` blank nodes, each linked to all the others by one predicate."""
    return _credential(
        evidence=[
            {"id": f"_:e{i}", LINK: [{"id": f"_:e{j}"} for j in range(size) if j != i]}
            for i in range(size)
        ]
    )


def _refusal(document: dict[str, Any], budget: CanonicalizationBudget | None = None) -> str:
    """The refusal's message. It names the limit that stopped the work, which tells at which
    stage it stopped (counting JSON values and depth happens before any JSON-LD processing).
    No wall-clock assertions: the clock limit itself is CPU time (``time.thread_time``), so a
    call that does not raise stayed within it."""
    with pytest.raises(CanonicalizationTooComplex, match=r"^too complex: ") as raised:
        canonicalize(document, budget=budget)
    return str(raised.value)


def test_blank_node_clique_is_refused_by_the_step_cap() -> None:
    document = clique(12)
    assert len(json.dumps(document)) < 4000
    assert "n-degree" in _refusal(document)


def test_clique_is_stopped_by_the_clock_when_the_step_cap_is_out_of_reach() -> None:
    budget = CanonicalizationBudget(max_seconds=0.2, max_ndegree_steps=10**9)
    assert "max_seconds=0.2" in _refusal(clique(9), budget)


def test_small_clique_within_the_budget_is_canonicalized() -> None:
    output = canonicalize(clique(4))
    assert output.count(f"<{LINK}>") == 12
    assert output.count("_:c14n") > 0


def test_largest_clique_under_the_step_cap_finishes_within_the_time_budget() -> None:
    output = canonicalize(clique(5))  # under the default budget: raises if over its CPU time
    assert output.count(f"<{LINK}>") == 20


def test_ten_thousand_item_array_is_refused_by_the_size_limits() -> None:
    document = _credential(credentialSubject={"id": "did:example:1", TAG: list(range(10_000))})
    message = _refusal(document)
    assert "max_json_values" in message or "max_quads" in message


def test_many_quads_under_the_value_limit_are_refused_during_conversion() -> None:
    document = _credential(credentialSubject={"id": "did:example:1", TAG: list(range(6000))})
    assert "max_quads=5000" in _refusal(document)


def test_too_many_blank_nodes_are_refused() -> None:
    document = _credential(evidence=[{"name": f"item {i}"} for i in range(400)])
    assert "max_blank_nodes=300" in _refusal(document)


def test_deep_nesting_is_refused_before_expansion() -> None:
    nested: dict[str, Any] = {"name": "bottom"}
    for _ in range(500):
        nested = {LINK: nested}
    assert "max_depth" in _refusal(_credential(credentialSubject=nested))


def test_an_exhausted_clock_stops_expansion() -> None:
    budget = CanonicalizationBudget(max_seconds=1e-9)
    document = _credential(credentialSubject={"id": "did:example:1", TAG: list(range(300))})
    assert "max_seconds" in _refusal(document, budget)


def worst_allowed_case() -> dict[str, Any]:
    """Just under the default limits: 290 blank nodes, about 4,900 quads, < 10,000 values."""
    items = [
        {
            "type": ["Evidence"],
            "name": f"Evidence {i} ✓",
            "narrative": f"What was done, part {i}",
            "genre": "Portfolio",
            "audience": "Employers",
            TAG: [f"t{i}-{k}" for k in range(11)],
        }
        for i in range(289)
    ]
    return _credential(evidence=items)


def test_worst_allowed_case_finishes_within_the_time_budget() -> None:
    document = worst_allowed_case()
    canonicalize(document)  # warm the context memo, as a running verifier would be
    output = canonicalize(document)  # under the default CPU-time budget: raises if over it
    assert 4500 < output.count("\n") <= DEFAULT_BUDGET.max_quads


def test_real_credentials_are_far_below_the_default_limits() -> None:
    """The defaults leave headroom: the largest 1EdTech sample uses a tenth of each."""
    from pathlib import Path

    sample = Path("/work/shared/ob3-reference/1edtech-validator-corpus/samples/complete.json")
    document = json.loads(sample.read_text(encoding="utf-8"))
    tight = CanonicalizationBudget(
        max_blank_nodes=DEFAULT_BUDGET.max_blank_nodes // 5,
        max_quads=DEFAULT_BUDGET.max_quads // 10,
        max_json_values=DEFAULT_BUDGET.max_json_values // 10,
        max_depth=DEFAULT_BUDGET.max_depth // 4,
        max_ndegree_steps=DEFAULT_BUDGET.max_ndegree_steps // 100,
    )
    assert canonicalize(document, budget=tight) == canonicalize(document)


def test_huge_inline_context_is_refused_before_context_processing() -> None:
    context = {f"term{i}": f"https://example.org/vocab#term{i}" for i in range(20_000)}
    document = {"@context": [VC_V2, context], "type": "VerifiableCredential", "term1": "x"}
    assert "max_json_values" in _refusal(document)
