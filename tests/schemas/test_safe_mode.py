"""JSON-LD safe mode and compact-form checks: each construct, the corpus, the OB 3.0 vector."""

from __future__ import annotations

import copy
import json
import os
import socket
from pathlib import Path

import pytest

from schemas.safe_mode import (
    SafeModeProblem,
    SafeModeViolation,
    check_compact_form,
    check_safe_mode,
    require_safe_mode,
)

REFERENCE = Path(os.environ.get("OB3_REFERENCE", "/work/shared/ob3-reference"))
CORPUS = REFERENCE / "1edtech-validator-corpus" / "samples"
VECTOR = REFERENCE / "test-vectors" / "1edtech-ob3-eddsa"
UNDEFINED_TERMS = "https://www.w3.org/ns/credentials/undefined-terms/v2"


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def credential() -> dict:
    """The OB 3.0 Implementation Guide's signed test vector (VC DM 2.0)."""
    return copy.deepcopy(load(VECTOR / "signed-credential.json"))


def problem_at(problems: list[SafeModeProblem], path: str, fragment: str) -> bool:
    return any(p.path == path and fragment in p.message for p in problems)


def assert_problem(problems: list[SafeModeProblem], path: str, fragment: str) -> None:
    assert problem_at(problems, path, fragment), problems


# --- the corpus and the vector ---------------------------------------------------------------

VALID = [
    "simple.json",
    "simple_v1.json",
    "simple-did-key-method.json",
    "simple-did-web-method.json",
    "simple-context-alias.json",
    "simple-context-version.json",
    "simple-eddsa-2022.json",
    "complete.json",
    "sd/derivedcredential.json",
    "endorsement-valid.json",
    "endorsement-err-schema-status-refresh.json",
    "credential-status-revoked.json",
    "bit-string-list/credential-status-revoked.json",
]


@pytest.mark.parametrize("name", VALID)
def test_valid_corpus_samples_pass_both_checks(name: str) -> None:
    document = load(CORPUS / name)
    assert check_safe_mode(document) == []
    assert check_compact_form(document) == []


def test_the_ob3_test_vector_passes(credential: dict) -> None:
    assert check_safe_mode(credential) == []
    assert check_compact_form(credential) == []
    assert check_safe_mode(load(VECTOR / "credential.json")) == []
    require_safe_mode(credential)


def test_multiple_proofs_sample_fails_on_its_undefined_proof_type() -> None:
    # manifest caught_by: "JSON-LD expansion (undefined term)".
    problems = check_safe_mode(load(CORPUS / "simple-multiple-proofs.json"))
    assert_problem(problems, "$.proof[0].type", "type 'SomeProofType' is not defined")
    assert_problem(problems, "$.proof[0].created", "property 'created' is not defined")
    assert not any(p.path.startswith("$.proof[1]") for p in problems)


def test_complete_v1_types_are_undefined_in_the_3_0_0_context() -> None:
    # Upstream only reports complete_v1's inline credentialSchema reference; under the VC 1.1
    # and OB context.json (3.0.0) contexts its status/schema/refresh types are undefined, so
    # they would be signed as relative IRIs. We differ from upstream on purpose.
    problems = check_safe_mode(load(CORPUS / "complete_v1.json"))
    assert_problem(problems, "$.credentialStatus.type", "'1EdTechRevocationList' is not defined")


def test_verification_method_without_a_scheme_is_a_relative_iri() -> None:
    problems = check_safe_mode(load(CORPUS / "simple-err-proof-method-no-scheme.json"))
    assert_problem(problems, "$.proof[0].verificationMethod", "is an IRI but a relative one")


# --- undefined properties and types ----------------------------------------------------------


@pytest.mark.parametrize(
    "where",
    [
        (),
        ("credentialSubject",),
        ("credentialSubject", "achievement"),
        ("credentialSubject", "achievement", "criteria"),
        ("issuer",),
        ("proof",),
    ],
)
def test_undefined_property_is_reported_where_it_is(credential: dict, where: tuple) -> None:
    node = credential
    for key in where:
        node = node[key]
    node["favouriteColour"] = "blue"
    path = "$" + "".join(f".{k}" for k in where) + ".favouriteColour"
    assert check_safe_mode(credential) == [
        SafeModeProblem(
            path,
            "property 'favouriteColour' is not defined by any context in scope; expansion drops it",
        )
    ]


def test_undefined_property_in_evidence_list(credential: dict) -> None:
    credential["evidence"] = [{"id": "https://example.com/e/1", "type": ["Evidence"], "x": 1}]
    assert_problem(check_safe_mode(credential), "$.evidence[0].x", "property 'x' is not defined")


def test_property_of_another_class_is_undefined_here(credential: dict) -> None:
    # 'achievementType' is defined only inside Achievement's type-scoped context.
    credential["credentialSubject"]["achievementType"] = "Badge"
    assert_problem(
        check_safe_mode(credential),
        "$.credentialSubject.achievementType",
        "'achievementType' is not defined",
    )


def test_undefined_type_is_reported(credential: dict) -> None:
    credential["credentialSubject"]["type"].append("Graduate")
    assert check_safe_mode(credential) == [
        SafeModeProblem(
            "$.credentialSubject.type[1]",
            "type 'Graduate' is not defined by any context in scope (it is the relative IRI "
            "'Graduate', which pyld resolves against 'http://example.org/base/')",
        )
    ]


# --- relative IRIs ---------------------------------------------------------------------------


def test_relative_id_is_reported(credential: dict) -> None:
    credential["credentialSubject"]["achievement"]["id"] = "achievements/teamwork"
    assert check_safe_mode(credential) == [
        SafeModeProblem(
            "$.credentialSubject.achievement.id",
            "'id' value 'achievements/teamwork' is a relative IRI; it must be absolute",
        )
    ]


def test_relative_iri_valued_property_is_reported(credential: dict) -> None:
    credential["proof"]["verificationMethod"] = "#key-1"
    assert_problem(
        check_safe_mode(credential),
        "$.proof.verificationMethod",
        "value '#key-1' of 'verificationMethod' is an IRI but a relative one",
    )


# --- contexts --------------------------------------------------------------------------------


def test_inline_context_is_reported(credential: dict) -> None:
    credential["@context"].append({"favouriteColour": "https://example.org/colour"})
    credential["favouriteColour"] = "blue"
    assert check_safe_mode(credential) == [
        SafeModeProblem(
            "$['@context'][2]",
            "inline (embedded) context: only the pinned context URLs may define terms",
        )
    ]


@pytest.mark.parametrize("keyword", ["@vocab", "@base"])
def test_vocab_and_base_in_a_context_are_reported(credential: dict, keyword: str) -> None:
    credential["@context"].append({keyword: "https://example.org/"})
    assert_problem(check_safe_mode(credential), f"$['@context'][2]['{keyword}']", keyword)


def test_vocab_makes_undefined_terms_look_defined_and_is_still_reported(credential: dict) -> None:
    credential["@context"].append({"@vocab": "https://example.org/terms#"})
    credential["favouriteColour"] = "blue"
    assert_problem(
        check_safe_mode(credential),
        "$.favouriteColour",
        "property 'favouriteColour' is defined only through a context's @vocab",
    )


def test_unpinned_context_is_reported_and_not_loaded(credential: dict) -> None:
    credential["@context"].append("https://example.org/my-context.json")
    assert check_safe_mode(credential) == [
        SafeModeProblem(
            "$['@context'][2]",
            "context 'https://example.org/my-context.json' is not one of the pinned contexts; "
            "it is never fetched, so the document cannot be checked",
        )
    ]


def test_nested_unpinned_context_is_reported(credential: dict) -> None:
    credential["credentialSubject"]["@context"] = "https://example.org/ctx"
    assert_problem(
        check_safe_mode(credential), "$.credentialSubject['@context']", "not one of the pinned"
    )


def test_terms_defined_only_by_the_undefined_terms_context_are_reported(credential: dict) -> None:
    credential["@context"].append(UNDEFINED_TERMS)
    credential["credentialSubject"]["favouriteColour"] = "blue"
    credential["credentialSubject"]["type"].append("Graduate")
    problems = check_safe_mode(credential)
    assert problems == [
        SafeModeProblem(
            "$.credentialSubject.favouriteColour",
            "property 'favouriteColour' is defined only through a context's @vocab (it expands "
            "to 'https://www.w3.org/ns/credentials/undefined-term#favouriteColour'); undefined "
            f"terms, such as those {UNDEFINED_TERMS} catches, are not accepted",
        ),
        SafeModeProblem(
            "$.credentialSubject.type[1]",
            "type 'Graduate' is defined only through a context's @vocab (it expands to "
            "'https://www.w3.org/ns/credentials/undefined-term#Graduate'); undefined terms, such "
            f"as those {UNDEFINED_TERMS} catches, are not accepted",
        ),
    ]


def test_undefined_terms_context_alone_is_harmless(credential: dict) -> None:
    credential["@context"].append(UNDEFINED_TERMS)
    assert check_safe_mode(credential) == []


# --- keywords --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keyword", "value"),
    [
        ("@included", [{"id": "https://example.com/x", "type": ["Profile"]}]),
        ("@graph", [{"id": "https://example.com/x"}]),
        ("@reverse", {"credentialSubject": {"id": "https://example.com/x"}}),
        ("@nest", {"name": "Nested"}),
    ],
)
def test_data_moving_keywords_are_reported(credential: dict, keyword: str, value) -> None:
    credential[keyword] = value
    assert_problem(
        check_safe_mode(credential),
        f"$['{keyword}']",
        f"'{keyword}' moves data between nodes; OB 3.0 does not use it",
    )


def test_list_object_needs_a_list_container(credential: dict) -> None:
    credential["credentialSubject"]["achievement"]["tag"] = {"@list": ["teamwork"]}
    assert_problem(
        check_safe_mode(credential),
        "$.credentialSubject.achievement.tag['@list']",
        "'@list' object under 'tag', whose term does not declare @container @list",
    )


def test_set_and_list_objects_are_fine_where_the_container_is_declared(credential: dict) -> None:
    achievement = credential["credentialSubject"]["achievement"]
    achievement["tag"] = {"@set": ["teamwork"]}  # tag: "@container": "@set"
    achievement["resultDescription"] = [
        {
            "id": "urn:uuid:f6ab24cd-86e8-4eaf-b8c6-ded74e8fd41c",
            "type": ["ResultDescription"],
            "name": "Grade",
            "resultType": "LetterGrade",
            "allowedValue": {"@list": ["C", "B", "A"]},  # allowedValue: "@container": "@list"
        }
    ]
    assert check_safe_mode(credential) == []


def test_keyword_lookalike_is_reported(credential: dict) -> None:
    credential["credentialSubject"]["@role"] = "admin"
    assert check_safe_mode(credential) == [
        SafeModeProblem(
            "$.credentialSubject['@role']",
            "'@role' has the form of a JSON-LD keyword but is not one; expansion ignores it",
        )
    ]


# --- read what was signed --------------------------------------------------------------------


def test_rekeyed_valid_until_forgery_fails_compact_form(credential: dict) -> None:
    # The signature covers meaning: spelled as a full IRI, validUntil means the same, so a
    # proof would still verify, but a reader of credential["validUntil"] sees no expiry.
    credential["https://www.w3.org/2018/credentials#validUntil"] = "2000-01-01T00:00:00Z"
    assert check_safe_mode(credential) == []
    assert check_compact_form(credential) == [
        SafeModeProblem(
            "$['https://www.w3.org/2018/credentials#validUntil']",
            "property 'https://www.w3.org/2018/credentials#validUntil' is spelled as an IRI, not "
            "as a term of the context (its term is 'validUntil'): JSON readers miss it while "
            "the signature covers it",
        )
    ]
    with pytest.raises(SafeModeViolation) as raised:
        require_safe_mode(credential)
    assert len(raised.value.problems) == 1


def test_compact_iri_key_fails_compact_form() -> None:
    credential = load(CORPUS / "simple_v1.json")
    credential["cred:expirationDate"] = "2000-01-01T00:00:00Z"
    assert_problem(
        check_compact_form(credential),
        "$['cred:expirationDate']",
        "(its term is 'expirationDate')",
    )


def test_keyword_used_instead_of_its_alias_fails_compact_form(credential: dict) -> None:
    subject = credential["credentialSubject"]
    subject["@id"] = subject.pop("id")
    assert check_compact_form(credential) == [
        SafeModeProblem(
            "$.credentialSubject['@id']", "'@id' is used where the context's term is 'id'"
        )
    ]


def test_type_spelled_as_an_iri_fails_compact_form(credential: dict) -> None:
    credential["credentialSubject"]["type"] = [
        "https://purl.imsglobal.org/spec/vc/ob/vocab.html#AchievementSubject"
    ]
    assert_problem(
        check_compact_form(credential),
        "$.credentialSubject.type[0]",
        "(its term is 'AchievementSubject')",
    )


def test_compact_form_reports_why_it_could_not_check(credential: dict) -> None:
    credential["@context"].append("https://example.org/ctx")
    assert_problem(check_compact_form(credential), "$['@context'][2]", "not one of the pinned")


# --- hostile input ---------------------------------------------------------------------------


def test_deep_nesting_does_not_crash(credential: dict) -> None:
    node = credential["credentialSubject"]["achievement"]
    for _ in range(5000):
        node["criteria"] = {"narrative": "x"}
        node = node["criteria"]
    problems = check_safe_mode(credential)
    assert problems  # reported, whatever the reason, never raised


@pytest.mark.parametrize(
    "mutate",
    [
        lambda c: c.__setitem__("id", 42),
        lambda c: c.__setitem__("@context", 7),
        lambda c: c.__setitem__("type", {"a": 1}),
        lambda c: c["credentialSubject"].__setitem__("@context", [None, {"@version": 2}]),
        lambda c: c.__setitem__("@context", [{"@import": "https://example.org/x"}]),
    ],
)
def test_malformed_json_ld_is_a_problem_not_an_exception(credential: dict, mutate) -> None:
    mutate(credential)
    assert check_safe_mode(credential)


def test_non_object_document() -> None:
    assert check_safe_mode(["not", "a", "credential"]) == [  # type: ignore[arg-type]
        SafeModeProblem("$", "a credential must be a JSON object")
    ]


def test_no_network_is_used(monkeypatch: pytest.MonkeyPatch, credential: dict) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    credential["@context"].append("https://example.org/ctx")
    credential["@context"].append({"@import": "https://example.org/other"})
    assert check_safe_mode(credential)
    assert check_safe_mode(load(CORPUS / "complete.json")) == []
