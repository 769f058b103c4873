"""Class 2, canonicalization cost: RDFC-1.0 is exponential on symmetric blank nodes and pyld's
node map quadratic on long arrays, so a small credential could pin a verifier for minutes.
Through the full verifier: the attack needs no valid signature (canonicalization runs before
the signature is checked), so each attack carries the issuer's proof metadata with a junk
``proofValue``; the proof check must fail fast saying "too complex". The budget's own unit
tests are in tests/schemas/test_canonical_budget.py."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from keys.multibase import encode_base58btc
from schemas.canonical import DEFAULT_BUDGET, canonicalize
from tests.security.conftest import failed
from tests.verifier.conftest import make_credential
from verifier.inputs import ParsedInput, UnusableInput, parse_bytes
from verifier.verification import verify

LINK = "https://example.org/vocab#linkedTo"


def _with_issuer_proof(signer, credential: dict[str, Any]) -> dict[str, Any]:
    """``credential`` carrying a proof that names the issuer's real key, but no real
    signature: the attacker cannot sign, and does not need to."""
    proof = signer.sign_ldp(make_credential())["proof"]
    return {**credential, "proof": {**proof, "proofValue": encode_base58btc(bytes(64))}}


def _clique(size: int) -> list[dict[str, Any]]:
    return [
        {"id": f"_:e{i}", LINK: [{"id": f"_:e{j}"} for j in range(size) if j != i]}
        for i in range(size)
    ]


def _timed_verify(document: dict[str, Any], context) -> tuple[Any, float]:
    started = time.perf_counter()
    report = verify(ParsedInput("ldp", document), context)
    return report, time.perf_counter() - started


def test_a_2kb_blank_node_clique_fails_the_proof_fast_as_too_complex(signer, context):
    credential = make_credential()
    credential["evidence"] = _clique(10)
    attack = _with_issuer_proof(signer, credential)
    assert len(json.dumps(credential["evidence"])) < 2048
    parse_bytes(json.dumps(attack).encode())  # within every input limit: only the budget stops it

    report, elapsed = _timed_verify(attack, context)
    assert failed(report)["proof"] == (
        "The proof could not be checked: too complex: blank nodes too symmetric, more than "
        f"max_ndegree_steps={DEFAULT_BUDGET.max_ndegree_steps} n-degree hash steps"
    )
    assert report.check("issuer").status == "skipped"
    assert report.check("status").status == "skipped"
    assert elapsed < 2 * DEFAULT_BUDGET.max_seconds


def test_ten_thousand_array_items_are_refused(signer, context):
    credential = make_credential()
    credential["credentialSubject"]["https://example.org/vocab#tag"] = list(range(10_000))
    attack = _with_issuer_proof(signer, credential)

    started = time.perf_counter()
    with pytest.raises(UnusableInput, match=r"^a JSON array has more than 1000 items$"):
        parse_bytes(json.dumps(attack).encode())
    assert time.perf_counter() - started < DEFAULT_BUDGET.max_seconds

    # Handed over already parsed (an embedding application, not our input layer): the budget.
    report, elapsed = _timed_verify(attack, context)
    assert failed(report)["proof"].startswith("The proof could not be checked: too complex: ")
    assert elapsed < 2 * DEFAULT_BUDGET.max_seconds


def _worst_allowed(size: int = 280) -> list[dict[str, Any]]:
    """Evidence just under the default limits: ~280 blank nodes and ~4,800 quads."""
    return [
        {
            "type": ["Evidence"],
            "name": f"Evidence {i}",
            "narrative": f"What was done, part {i}",
            "genre": "Portfolio",
            "audience": "Employers",
            "https://example.org/vocab#tag": [f"t{i}-{k}" for k in range(11)],
        }
        for i in range(size)
    ]


def test_the_worst_allowed_credential_verifies_its_proof_within_the_budget(signer, context):
    credential = make_credential()
    credential["evidence"] = _worst_allowed()
    signed = signer.sign_ldp(credential)
    canonicalize({k: v for k, v in signed.items() if k != "proof"})  # warm, as a running server

    started = time.perf_counter()
    canonicalize({k: v for k, v in signed.items() if k != "proof"})
    assert time.perf_counter() - started < DEFAULT_BUDGET.max_seconds

    report = verify(parse_bytes(json.dumps(signed).encode()), context)
    assert report.check("proof").status == "passed"
