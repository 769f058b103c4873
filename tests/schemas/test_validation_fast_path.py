"""The compiled schema check (fastjsonschema) is only a fast path: whatever it accepts, the full
jsonschema validator must accept too, or an invalid credential would pass as valid. Held on the
1EdTech corpus (both directions) and on generated mutations of valid credentials."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas import validation

CORPUS = Path(__file__).parents[1] / "vectors" / "1edtech-validator-corpus" / "samples"
SAMPLES = [json.loads(p.read_text()) for p in sorted(CORPUS.glob("*.json"))]


def _full_verdict(url: str, document: Any) -> bool:
    return not validation._violations(validation._validator(url), document)


def _schema_url(document: Any) -> str:
    return validation._schema_for(document) or validation.ACHIEVEMENT_CREDENTIAL_SCHEMA


def test_the_fast_path_agrees_with_the_full_validator_on_the_corpus():
    assert len(SAMPLES) > 30
    for document in SAMPLES:
        url = _schema_url(document)
        assert validation._accepts(url, document) == _full_verdict(url, document), document.get(
            "id"
        )


def test_some_corpus_samples_are_valid_and_some_are_not():
    verdicts = {validation._accepts(_schema_url(d), d) for d in SAMPLES}
    assert verdicts == {True, False}  # the equivalence above is not vacuous


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
    | st.sampled_from(["2026-01-01T00:00:00Z", "2026-01-01T00:00:00+0000", "not a date",
                       "https://example.org/x", "did:key:z6Mk", "Profile", "Achievement"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)  # fmt: skip


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


VALID = [d for d in SAMPLES if validation._accepts(_schema_url(d), d)]


@settings(max_examples=300, deadline=None)
@given(
    sample=st.integers(min_value=0, max_value=len(VALID) - 1),
    choice=st.integers(min_value=0),
    action=st.sampled_from(["replace", "delete"]),
    value=JSON_VALUES,
)
def test_whatever_the_fast_path_accepts_the_full_validator_accepts(sample, choice, action, value):
    document = copy.deepcopy(VALID[sample])
    paths = [p for p in _paths(document) if p]
    path = paths[choice % len(paths)]
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    if action == "delete":
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    url = _schema_url(document)
    if validation._accepts(url, document):
        assert _full_verdict(url, document), (path, action, value)
