"""Class 3, JSON-LD safe mode: each credential here is *correctly signed* by the issuer's key,
so the signature check passes; what the JSON shows and what was signed differ, and only the
structural checks (``context``, ``json-ld``) stand between the attacker and a green report.
Per-construct unit tests of the checker are in tests/schemas/test_safe_mode.py."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.security.conftest import failed
from tests.verifier.conftest import make_credential
from verifier.inputs import ParsedInput
from verifier.verification import verify

UNDEFINED = "Not every property is defined by the credential's contexts: "


def _signed_report(signer, context, mutate) -> Any:
    credential = make_credential()
    mutate(credential)
    report = verify(ParsedInput("ldp", signer.sign_ldp(credential)), context)
    statuses = {check.id: check.status for check in report.checks}
    assert statuses["proof"] == "passed", "the attack must carry a valid signature"
    assert not report.verified
    return report


def _undefined_property(c: dict) -> None:
    c["credentialSubject"]["favouriteColour"] = "red"


def _undefined_type(c: dict) -> None:
    c["type"].append("GoldStarCredential")


def _relative_iri(c: dict) -> None:
    c["credentialSubject"]["achievement"]["id"] = "achievements/forged"


def _nested_vocab(c: dict) -> None:
    c["credentialSubject"]["@context"] = {"@vocab": "https://evil.example/#"}
    c["credentialSubject"]["grade"] = "A+"


def _nested_base(c: dict) -> None:
    c["credentialSubject"]["@context"] = {"@base": "https://evil.example/"}
    c["credentialSubject"]["achievement"]["id"] = "achievements/forged"


def _nested_inline_term(c: dict) -> None:
    c["credentialSubject"]["@context"] = {"grade": "https://evil.example/#grade"}
    c["credentialSubject"]["grade"] = "A+"


def _included(c: dict) -> None:
    c["@included"] = [{"id": "https://evil.example/endorser", "type": ["Profile"], "name": "X"}]


def _reverse(c: dict) -> None:
    c["credentialSubject"]["@reverse"] = {"achievement": {"id": "https://evil.example/a"}}


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (_undefined_property, "$.credentialSubject.favouriteColour: property 'favouriteColour' "
                              "is not defined by any context in scope; expansion drops it"),
        (_undefined_type, "$.type[2]: type 'GoldStarCredential' is not defined by any context "
                          "in scope"),
        (_relative_iri, "$.credentialSubject.achievement.id: 'id' value 'achievements/forged' "
                        "is a relative IRI; it must be absolute"),
        (_nested_vocab, "'@vocab' in a context makes undefined terms or relative IRIs"),
        (_nested_base, "'@base' in a context makes undefined terms or relative IRIs"),
        (_nested_inline_term, "$.credentialSubject['@context']: inline (embedded) context: "
                              "only the pinned context URLs may define terms"),
        (_included, "$['@included']: '@included' moves data between nodes; OB 3.0 does not use "
                    "it"),
        (_reverse, "'@reverse' moves data between nodes; OB 3.0 does not use it"),
    ],
    ids=["undefined-property", "undefined-type", "relative-iri", "nested-@vocab",
         "nested-@base", "nested-inline-context", "@included", "@reverse"],
)  # fmt: skip
def test_a_signed_credential_that_reads_differently_fails_json_ld(signer, context, mutate, message):
    problems = failed(_signed_report(signer, context, mutate))
    assert set(problems) <= {"json-ld", "schema"}
    assert problems["json-ld"].startswith(UNDEFINED)
    assert message in problems["json-ld"]


@pytest.mark.parametrize(
    "entry",
    [
        {"@base": "https://evil.example/"},
        {"@vocab": "https://evil.example/#"},
        {"grade": "https://evil.example/#grade"},
    ],
    ids=["@base", "@vocab", "term"],
)
def test_a_top_level_inline_context_is_refused_before_json_ld(signer, context, entry):
    def mutate(c: dict) -> None:
        c["@context"].append(entry)
        c["credentialSubject"]["grade"] = "A+"

    report = _signed_report(signer, context, mutate)
    assert failed(report)["context"] == "Embedded (inline) @context objects are not accepted"
    assert report.check("json-ld").status == "skipped"


def test_a_top_level_graph_hides_the_credential_from_json_readers(signer, context):
    def mutate(c: dict) -> None:
        inner = copy.deepcopy({k: v for k, v in c.items() if k != "@context"})
        for key in list(c):
            if key != "@context":
                del c[key]
        c["@graph"] = [inner]

    problems = failed(_signed_report(signer, context, mutate))
    assert "'@graph' moves data between nodes; OB 3.0 does not use it" in problems["json-ld"]
    assert problems["type"] == "type must include VerifiableCredential"
    assert problems["issuer"] == "The credential names no issuer"
