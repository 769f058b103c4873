"""JSON-LD safe mode runs on the canonicalizer's fast expander; pyld's expansion is the
reference. Whatever the fast inspection answers (safe-mode problems, compact-form problems,
which of them are policy rather than loss, whether the document expanded at all) must be what
the inspection on pyld's own expansion answers, on the corpus and on generated mutations of
credentials: terms added and removed, ``@context`` variations (pinned, inline, ``@vocab``,
``@base``, the undefined-terms context), nested objects, and types whose contexts are scoped.
Where the fast expander leaves a document to pyld (``_inspect_fast`` answers None), pyld's
inspection is the answer, so there is nothing to compare."""

from __future__ import annotations

import copy
import importlib.util
import json
from pathlib import Path
from typing import Any

from hypothesis import currently_in_test_context, event, given, settings
from hypothesis import strategies as st

from schemas import _canon_expand, safe_mode
from schemas.canonical import CanonicalizationError, canonicalize

TESTS = Path(__file__).parents[1]
CORPUS = TESTS / "vectors" / "1edtech-validator-corpus" / "samples"
SAMPLES = [json.loads(p.read_text()) for p in sorted(CORPUS.glob("**/*.json"))]
VECTOR = TESTS / "vectors" / "1edtech-ob3-eddsa" / "signed-credential.json"


def _generator():
    path = Path(__file__).parent / "canonical_corpus" / "generate.py"
    spec = importlib.util.spec_from_file_location("canonical_corpus_generate", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BASES = [json.loads(VECTOR.read_text()), *_generator().credentials(12), *SAMPLES[:8]]


def _event(name: str) -> None:
    if currently_in_test_context():
        event(name)


def verdicts(document: Any) -> tuple[Any, Any] | None:
    """(fast, pyld) inspections as comparable tuples; None when the fast path declines or the
    input walk already stops both (an unpinned context: neither expands)."""
    walked = safe_mode._Inspection()
    if not isinstance(document, dict) or not safe_mode._check_input(document, walked):
        return None
    fast = safe_mode._inspect_fast(document, walked)
    if fast is None:
        _event("left to pyld")
        return None
    _event("fast path")
    pyld = safe_mode._inspect_with_pyld(document, walked)
    as_tuple = lambda i: (sorted(i.unsafe, key=str), sorted(i.compact, key=str),  # noqa: E731
                          sorted(i.policy, key=str), i.expanded)  # fmt: skip
    return as_tuple(fast), as_tuple(pyld)


def test_the_corpus_and_the_vector_take_the_fast_path_and_agree() -> None:
    for document in BASES + SAMPLES:
        both = verdicts(document)
        if isinstance(document.get("@context"), list) and all(
            isinstance(c, str) and safe_mode.is_pinned(c) for c in document["@context"]
        ):
            assert both is not None, document.get("id")  # the speed-up is not silently lost
        if both is not None:
            assert both[0] == both[1], document.get("id")


def canonical_or_error(document: dict[str, Any]) -> str:
    try:
        return canonicalize(document)
    except CanonicalizationError as error:
        return f"refused: {error}"


def handed_over_canonicalization(document: dict[str, Any]) -> tuple[str, str, bool]:
    """The canonical form of the document and of its view without ``proof`` (what a Data
    Integrity proof hashes), computed after the safe-mode inspection handed its expansions
    over, and (as a string) without; and whether the view's expansion was handed over."""
    views = [document, {key: value for key, value in document.items() if key != "proof"}]
    _canon_expand._EXPANSIONS = _canon_expand._Expansions()
    expected = "|".join(canonical_or_error(view) for view in views)
    safe_mode._memo.clear()
    safe_mode.json_ld_problems(document)
    handed = _canon_expand._EXPANSIONS.get(views[1]) is not None
    got = "|".join(canonical_or_error(view) for view in views)
    return got, expected, handed


def test_canonicalization_reuses_the_inspections_expansion_and_gives_the_same_bytes() -> None:
    handed_over = 0
    for document in BASES:
        got, expected, handed = handed_over_canonicalization(document)
        assert got == expected, document.get("id")
        handed_over += handed
    assert handed_over >= len(BASES) - 2  # the reuse is not silently lost


def test_the_fast_path_finds_problems_too() -> None:
    credential = copy.deepcopy(BASES[0])
    credential["credentialSubject"]["favouriteColour"] = "blue"
    credential["credentialSubject"]["type"].append("Graduate")
    credential["https://www.w3.org/2018/credentials#validUntil"] = "2000-01-01T00:00:00Z"
    fast, pyld = verdicts(credential)
    assert fast == pyld
    assert len(fast[0]) == 2 and len(fast[1]) == 1  # the comparisons above are not vacuous


PINNED = [
    "https://www.w3.org/ns/credentials/v2",
    "https://www.w3.org/2018/credentials/v1",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
    "https://w3id.org/security/data-integrity/v2",
    "https://w3id.org/security/suites/ed25519-2020/v1",
    "https://www.w3.org/ns/credentials/undefined-terms/v2",
]
KEYS = [
    # terms of the OB 3.0 / VC contexts, some only inside a type's scoped context
    "id", "type", "name", "description", "narrative", "achievement", "criteria", "image",
    "validFrom", "validUntil", "issuer", "evidence", "endorsement", "achievementType", "result",
    "alignment", "tag", "allowedValue", "verificationMethod", "proofPurpose", "credentialStatus",
    "identifier", "hashed", "resultDescription", "creator", "url", "email",
    # undefined, spelled as IRIs, keywords, keyword look-alikes
    "favouriteColour", "x", "https://www.w3.org/2018/credentials#validUntil", "cred:validUntil",
    "schema:name", "https://schema.org/name", "sec:proof", "@id", "@type", "@value",
    "@language", "@list", "@set", "@graph", "@included", "@nest", "@reverse", "@index",
    "@role", "@json", "@vocab", "_:b0",
]  # fmt: skip
TYPES = [
    "Achievement", "Profile", "Evidence", "AchievementSubject", "Criteria", "Image", "Result",
    "ResultDescription", "Alignment", "IdentityObject", "EndorsementCredential",
    "VerifiableCredential", "OpenBadgeCredential", "DataIntegrityProof", "Graduate",
    "https://example.org/T", "ob:Achievement", "cred:VerifiableCredential", "@json", "@id",
    "1EdTechRevocationList", "BitstringStatusListEntry", "",
]  # fmt: skip
IRIS = [
    "https://example.org/a", "urn:uuid:0f1d6c1e-4a8c-4e4d-9b7c-2f1f5d6a7b8c", "did:key:z6Mkx",
    "achievements/1", "#key-1", "", "_:b1", "assertionMethod", "authentication", "x:y",
    "//example.org/p",
]  # fmt: skip
INLINE_CONTEXTS = [
    {"favouriteColour": "https://example.org/colour"},
    {"@vocab": "https://example.org/terms#"},
    {"@base": "https://example.org/base/"},
    {"@version": 1.1, "name": "https://example.org/name"},
    {"@protected": True, "x": "https://example.org/x"},
    {"Graduate": {"@id": "https://example.org/Graduate", "@context": {"y": "https://e.org/y"}}},
    {"name": None},
    {"x": {"@id": "https://example.org/x", "@type": "@id"}},
]

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from(IRIS), st.text(max_size=4)
)
CONTEXTS = st.one_of(
    st.sampled_from(PINNED),
    st.lists(st.sampled_from(PINNED) | st.sampled_from(INLINE_CONTEXTS), min_size=1, max_size=4),
    st.sampled_from(INLINE_CONTEXTS),
)


def objects(depth: int = 2) -> st.SearchStrategy[dict[str, Any]]:
    values = SCALARS | st.sampled_from(TYPES) | st.lists(st.sampled_from(TYPES), max_size=2)
    if depth > 0:
        values = values | objects(depth - 1) | st.lists(objects(depth - 1), max_size=2)
    return st.fixed_dictionaries(
        {},
        optional={
            "id": st.sampled_from(IRIS),
            "type": st.sampled_from(TYPES) | st.lists(st.sampled_from(TYPES), max_size=3),
            "@context": CONTEXTS,
        },
    ).flatmap(
        lambda base: st.dictionaries(st.sampled_from(KEYS), values, max_size=2).map(
            lambda extra: {**base, **extra}
        )
    )


MUTATIONS = st.one_of(
    st.tuples(st.just("add"), st.integers(0, 99), st.sampled_from(KEYS), SCALARS),
    st.tuples(st.just("add"), st.integers(0, 99), st.sampled_from(KEYS), objects()),
    st.tuples(st.just("add"), st.integers(0, 99), st.sampled_from(KEYS), st.lists(objects(1))),
    st.tuples(st.just("remove"), st.integers(0, 99), st.integers(0, 99), st.none()),
    st.tuples(st.just("context"), st.integers(0, 99), st.just("@context"), CONTEXTS),
    st.tuples(st.just("type"), st.integers(0, 99), st.sampled_from(TYPES), st.booleans()),
    st.tuples(st.just("wrap"), st.integers(0, 99), st.sampled_from(["@list", "@set"]), st.none()),
)


def _objects_in(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            found.append(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def mutate(document: dict[str, Any], mutation: tuple) -> None:
    kind, where, what, value = mutation
    nodes = _objects_in(document)
    node = nodes[where % len(nodes)]
    if kind in ("add", "context"):
        node[what] = copy.deepcopy(value)
    elif kind == "remove" and node:
        del node[sorted(node)[what % len(node)]]
    elif kind == "type":  # replace or extend the node's types (type-scoped contexts)
        types = node.get("type", [])
        node["type"] = [*(types if isinstance(types, list) else [types]), what] if value else what
    elif kind == "wrap":  # a property's value as an @list/@set object
        keys = [key for key in sorted(node) if not key.startswith("@")]
        if keys:
            key = keys[where % len(keys)]
            node[key] = {what: node[key] if isinstance(node[key], list) else [node[key]]}


@settings(max_examples=400, deadline=None)
@given(base=st.sampled_from(BASES), mutations=st.lists(MUTATIONS, min_size=1, max_size=4))
def test_fast_inspection_agrees_with_pyld_on_mutated_credentials(base, mutations) -> None:
    document = copy.deepcopy(base)
    for mutation in mutations:
        mutate(document, mutation)
    both = verdicts(document)
    if both is not None:
        assert both[0] == both[1]
        got, expected, _ = handed_over_canonicalization(document)
        assert got == expected
