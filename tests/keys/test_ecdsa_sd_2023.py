"""ecdsa-sd-2023 derived proofs (W3C vc-di-ecdsa §3.6.7): the W3C test vector and the 1EdTech
Open Badges 3.0 sample verify; any change to a revealed value, the wrong key, a malformed
proofValue and a base proof are each refused with the right error."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cbor2
import pytest

from keys.keypairs import KeyPair, PublicKey, public_key_from_multikey
from keys.multibase import decode_base64url, encode_base64url
from keys.proofs import (
    MalformedProof,
    ProofError,
    SignatureInvalid,
    UnsupportedProof,
    verify_data_integrity,
)
from keys.proofs._sd_canonical import label_replacement_canonicalize, relabel_blank_nodes
from keys.proofs._sd_proof_value import DERIVED_PROOF_HEADER, parse_derived_proof_value
from keys.proofs.ecdsa_sd_2023 import verify_derived_proof
from schemas.canonical import canonicalize
from verifier.inputs import parse_bytes
from verifier.resolvers import OfflineResolver
from verifier.verification import VerificationContext, verify

VECTORS = Path(__file__).parents[1] / "vectors"
W3C = VECTORS / "ecdsa-sd-2023"
OB_SAMPLE = VECTORS / "1edtech-validator-corpus" / "samples" / "sd" / "derivedcredential.json"


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _proof(document: dict[str, Any]) -> dict[str, Any]:
    proof = document["proof"]
    return proof[0] if isinstance(proof, list) else proof


@pytest.fixture(scope="module")
def w3c_derived() -> dict[str, Any]:
    return _load(W3C / "derivedRevealDocument.json")


@pytest.fixture(scope="module")
def w3c_key() -> PublicKey:
    material = _load(W3C / "SDKeyMaterial.json")
    return public_key_from_multikey(material["baseKeyPair"]["publicKeyMultibase"])


@pytest.fixture(scope="module")
def ob_derived() -> dict[str, Any]:
    return _load(OB_SAMPLE)


@pytest.fixture(scope="module")
def ob_key(ob_derived: dict[str, Any]) -> PublicKey:
    """Upstream's validator takes the key from the method URL's multibase fragment; so do we."""
    return public_key_from_multikey(_proof(ob_derived)["verificationMethod"].split("#", 1)[1])


def _verify(document: dict[str, Any], key: PublicKey) -> None:
    verify_derived_proof(document, _proof(document), key)


# -- the vectors verify ------------------------------------------------------------------


def test_w3c_vector_verifies(w3c_derived: dict[str, Any], w3c_key: PublicKey) -> None:
    _verify(w3c_derived, w3c_key)


def test_w3c_vector_verifies_through_the_suite_table(
    w3c_derived: dict[str, Any], w3c_key: PublicKey
) -> None:
    verify_data_integrity(w3c_derived, _proof(w3c_derived), w3c_key)


def test_w3c_vector_shape_matches_its_readme(w3c_derived: dict[str, Any]) -> None:
    parsed = parse_derived_proof_value(_proof(w3c_derived)["proofValue"])
    material = _load(W3C / "SDKeyMaterial.json")
    assert len(parsed.mandatory_indexes) == 14
    assert len(parsed.signatures) == 6
    assert len(parsed.label_map) == 6
    assert parsed.ephemeral_key.to_multikey() == material["proofKeyPair"]["publicKeyMultibase"]
    unsecured = {k: v for k, v in w3c_derived.items() if k != "proof"}
    nquads = label_replacement_canonicalize(unsecured, parsed.label_map, canonicalize)
    assert len(nquads) == 20
    assert nquads == sorted(nquads)
    assert all(line.endswith(" .\n") and "_:c14n" not in line for line in nquads)


def test_1edtech_sample_verifies_with_its_fragment_key(
    ob_derived: dict[str, Any], ob_key: PublicKey
) -> None:
    """Upstream (1EdTech validator, testDerivedCredentialValid) expects "valid"."""
    parsed = parse_derived_proof_value(_proof(ob_derived)["proofValue"])
    assert parsed.mandatory_indexes == ()  # every revealed statement is signed on its own
    assert len(parsed.signatures) == 15
    _verify(ob_derived, ob_key)


def _controller_document(method_url: str) -> dict[str, Any]:
    controller = method_url.split("#", 1)[0]
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": controller,
        "verificationMethod": [
            {
                "id": method_url,
                "type": "Multikey",
                "controller": controller,
                "publicKeyMultibase": method_url.split("#", 1)[1],
            }
        ],
        "assertionMethod": [method_url],
    }


def _verify_ob(document: dict[str, Any]) -> Any:
    method_url = _proof(document)["verificationMethod"]
    resolver = OfflineResolver({method_url.split("#")[0]: _controller_document(method_url)})
    context = VerificationContext(resolver, now=lambda: datetime(2026, 11, 23, tzinfo=UTC))
    return verify(parse_bytes(json.dumps(document).encode()), context)


def test_1edtech_sample_is_valid_end_to_end(ob_derived: dict[str, Any]) -> None:
    report = _verify_ob(ob_derived)
    assert report.verified, [c for c in report.checks if c.status == "failed"]
    assert report.check("proof").message == "Signature verified (ecdsa-sd-2023)"
    assert report.check("issuer").status == "passed"


def test_1edtech_sample_tampered_fails_end_to_end(ob_derived: dict[str, Any]) -> None:
    tampered = copy.deepcopy(ob_derived)
    tampered["credentialSubject"]["achievement"]["name"] = "Leadership"
    report = _verify_ob(tampered)
    assert not report.verified
    assert report.check("proof").status == "failed"
    assert "does not match its signature" in report.check("proof").message


# -- any change to a revealed value fails ------------------------------------------------


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key not in ("@context", "proof", "@vocab"):
                yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))
    else:
        yield path


def _tamper(document: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    tampered = copy.deepcopy(document)
    parent = tampered
    for step in path[:-1]:
        parent = parent[step]
    value = parent[path[-1]]
    if isinstance(value, bool):
        parent[path[-1]] = not value
    elif isinstance(value, int | float):
        parent[path[-1]] = value + 1
    elif value.startswith(("http://", "https://", "did:", "urn:")):
        parent[path[-1]] = value + "x"
    else:
        parent[path[-1]] = value + " (edited)"
    return tampered


W3C_LEAVES = list(_leaves(_load(W3C / "derivedRevealDocument.json")))
OB_LEAVES = list(_leaves(_load(OB_SAMPLE)))


@pytest.mark.parametrize("path", W3C_LEAVES, ids=["/".join(map(str, p)) for p in W3C_LEAVES])
def test_w3c_vector_any_tampered_value_fails(
    w3c_derived: dict[str, Any], w3c_key: PublicKey, path: tuple[Any, ...]
) -> None:
    with pytest.raises(SignatureInvalid):
        _verify(_tamper(w3c_derived, path), w3c_key)


@pytest.mark.parametrize("path", OB_LEAVES, ids=["/".join(map(str, p)) for p in OB_LEAVES])
def test_1edtech_sample_any_tampered_value_fails(
    ob_derived: dict[str, Any], ob_key: PublicKey, path: tuple[Any, ...]
) -> None:
    with pytest.raises(SignatureInvalid):
        _verify(_tamper(ob_derived, path), ob_key)


def test_an_added_statement_fails(w3c_derived: dict[str, Any], w3c_key: PublicKey) -> None:
    tampered = copy.deepcopy(w3c_derived)
    tampered["credentialSubject"]["sails"][0]["color"] = "red"
    with pytest.raises(SignatureInvalid):
        _verify(tampered, w3c_key)


def test_a_removed_mandatory_statement_fails(
    w3c_derived: dict[str, Any], w3c_key: PublicKey
) -> None:
    tampered = copy.deepcopy(w3c_derived)
    del tampered["credentialSubject"]["sailNumber"]  # mandatory (/credentialSubject/sailNumber)
    with pytest.raises(SignatureInvalid):
        _verify(tampered, w3c_key)


def test_a_removed_selective_statement_fails(ob_derived: dict[str, Any], ob_key: PublicKey) -> None:
    """Dropping a signed statement without dropping its signature is caught by the count."""
    tampered = copy.deepcopy(ob_derived)
    del tampered["credentialSubject"]["achievement"]["description"]
    with pytest.raises(SignatureInvalid, match="non-mandatory statements"):
        _verify(tampered, ob_key)


def test_changed_proof_options_fail(w3c_derived: dict[str, Any], w3c_key: PublicKey) -> None:
    tampered = copy.deepcopy(w3c_derived)
    tampered["proof"]["created"] = "2023-08-15T23:36:39Z"
    with pytest.raises(SignatureInvalid, match="base signature"):
        _verify(tampered, w3c_key)


def test_reordered_signatures_fail(w3c_derived: dict[str, Any], w3c_key: PublicKey) -> None:
    components = _components(w3c_derived)
    components[2] = components[2][::-1]
    with pytest.raises(SignatureInvalid, match="does not match its signature"):
        _verify(_with_components(w3c_derived, components), w3c_key)


def test_a_substituted_proof_scoped_key_fails(
    w3c_derived: dict[str, Any], w3c_key: PublicKey
) -> None:
    """The base signature binds the proof-scoped key: another key cannot be slipped in."""
    components = _components(w3c_derived)
    components[1] = bytes.fromhex("8024") + KeyPair.generate("P-256").public_key.raw_bytes()
    with pytest.raises(SignatureInvalid, match="base signature"):
        _verify(_with_components(w3c_derived, components), w3c_key)


# -- the wrong key fails -----------------------------------------------------------------


def test_wrong_p256_key_fails(w3c_derived: dict[str, Any]) -> None:
    with pytest.raises(SignatureInvalid, match="base signature"):
        _verify(w3c_derived, KeyPair.generate("P-256").public_key)


def test_the_other_vectors_key_fails(w3c_derived: dict[str, Any], ob_key: PublicKey) -> None:
    with pytest.raises(SignatureInvalid):
        _verify(w3c_derived, ob_key)


def test_the_proof_scoped_key_is_not_the_issuers(w3c_derived: dict[str, Any]) -> None:
    material = _load(W3C / "SDKeyMaterial.json")
    with pytest.raises(SignatureInvalid):
        _verify(
            w3c_derived, public_key_from_multikey(material["proofKeyPair"]["publicKeyMultibase"])
        )


def test_ed25519_key_is_refused(w3c_derived: dict[str, Any]) -> None:
    with pytest.raises(SignatureInvalid, match="P-256"):
        _verify(w3c_derived, KeyPair.generate("Ed25519").public_key)


# -- base proofs are for the holder ------------------------------------------------------


def test_base_proof_is_refused(w3c_key: PublicKey) -> None:
    base = _load(W3C / "addSignedSDBase.json")
    with pytest.raises(UnsupportedProof, match="base proofs are verified only by the holder"):
        _verify(base, w3c_key)


# -- malformed proof values fail cleanly -------------------------------------------------


def _components(document: dict[str, Any]) -> list[Any]:
    return cbor2.loads(decode_base64url(_proof(document)["proofValue"])[3:])


def _with_proof_value(document: dict[str, Any], proof_value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    changed["proof"]["proofValue"] = proof_value
    return changed


def _with_payload(document: dict[str, Any], payload: bytes) -> dict[str, Any]:
    return _with_proof_value(document, encode_base64url(payload))


def _with_components(document: dict[str, Any], components: Any) -> dict[str, Any]:
    return _with_payload(document, DERIVED_PROOF_HEADER + cbor2.dumps(components))


def _replace(index: int, value: Any) -> Any:
    def change(components: list[Any]) -> list[Any]:
        changed = list(components)
        changed[index] = value
        return changed

    return change


MALFORMED_PROOF_VALUES = {
    "missing": None,
    "not a string": 42,
    "base58btc": "z3MvGcVxzRCr7BzRZbmS9b5HRbgDa3DGoV5vq6Ex4XbBzN8z5",
    "not base64url": "u2V0B!!!",
    "empty": "u",
}

MALFORMED_PAYLOADS = {
    "no header": b"",
    "unknown header": b"\xd9\x5d\x02" + cbor2.dumps([]),
    "other tag": b"\xd9\x5d\x11" + cbor2.dumps([]),
    "truncated CBOR": DERIVED_PROOF_HEADER + b"\x85\x58\x40\x00",
    "trailing bytes": DERIVED_PROOF_HEADER + cbor2.dumps([1, 2, 3, 4, 5]) + b"\x00",
    "not CBOR at all": DERIVED_PROOF_HEADER + b"\xff\xff\xff",
    "huge claimed length": DERIVED_PROOF_HEADER + b"\x5b\xff\xff\xff\xff\xff\xff\xff\xff",
    "indefinite length": DERIVED_PROOF_HEADER + b"\x9f\x01\x02\xff",
    "deep nesting": DERIVED_PROOF_HEADER + b"\x81" * 50 + b"\x00",
    "a map, not an array": DERIVED_PROOF_HEADER + cbor2.dumps({1: 2}),
}

MALFORMED_COMPONENTS = {
    "four components": lambda c: c[:4],
    "six components": lambda c: [*c, []],
    "short base signature": _replace(0, b"\x00" * 63),
    "base signature as text": _replace(0, "signature"),
    "public key not P-256 multikey": _replace(1, b"\xed\x01" + b"\x00" * 33),
    "public key not on the curve": _replace(1, b"\x80\x24\x02" + b"\xff" * 32),
    "public key wrong length": _replace(1, b"\x80\x24" + b"\x02" * 34),
    "signatures not an array": _replace(2, b"\x00" * 64),
    "a short signature": lambda c: [c[0], c[1], [*c[2][:-1], b"\x00" * 10], c[3], c[4]],
    "label map as array": _replace(3, []),
    "label map text key": lambda c: [c[0], c[1], c[2], {"c14n0": b"\x00" * 32}, c[4]],
    "label map negative key": lambda c: [c[0], c[1], c[2], {-1: b"\x00" * 32}, c[4]],
    "label map short label": lambda c: [c[0], c[1], c[2], {**c[3], 0: b"\x00" * 31}, c[4]],
    "mandatory index text": _replace(4, ["0"]),
    "mandatory index negative": _replace(4, [-1]),
    "mandatory index repeated": lambda c: [*c[:4], [*c[4], c[4][0]]],
    "mandatory indexes not an array": _replace(4, 0),
    "a semantic tag": _replace(0, cbor2.CBORTag(24, b"\x00" * 64)),
}


@pytest.mark.parametrize("proof_value", MALFORMED_PROOF_VALUES.values(), ids=MALFORMED_PROOF_VALUES)
def test_malformed_proof_value_string(
    w3c_derived: dict[str, Any], w3c_key: PublicKey, proof_value: Any
) -> None:
    with pytest.raises(MalformedProof):
        _verify(_with_proof_value(w3c_derived, proof_value), w3c_key)


@pytest.mark.parametrize("payload", MALFORMED_PAYLOADS.values(), ids=MALFORMED_PAYLOADS)
def test_malformed_payload(w3c_derived: dict[str, Any], w3c_key: PublicKey, payload: bytes) -> None:
    with pytest.raises(MalformedProof):
        _verify(_with_payload(w3c_derived, payload), w3c_key)


@pytest.mark.parametrize("change", MALFORMED_COMPONENTS.values(), ids=MALFORMED_COMPONENTS)
def test_malformed_components(w3c_derived: dict[str, Any], w3c_key: PublicKey, change: Any) -> None:
    with pytest.raises(MalformedProof):
        _verify(_with_components(w3c_derived, change(_components(w3c_derived))), w3c_key)


MISMATCHED_COMPONENTS = {
    "label map missing a blank node": lambda c: [
        c[0],
        c[1],
        c[2],
        {k: v for k, v in c[3].items() if k != 0},
        c[4],
    ],
    "mandatory index out of range": lambda c: [*c[:4], [*c[4], 20]],
    "one mandatory index fewer": lambda c: [*c[:4], c[4][:-1]],
}


@pytest.mark.parametrize("change", MISMATCHED_COMPONENTS.values(), ids=MISMATCHED_COMPONENTS)
def test_components_that_do_not_fit_the_document(
    w3c_derived: dict[str, Any], w3c_key: PublicKey, change: Any
) -> None:
    """Well-formed, but describing another document: the proof does not match this one."""
    with pytest.raises(SignatureInvalid):
        _verify(_with_components(w3c_derived, change(_components(w3c_derived))), w3c_key)


def test_uint8array_tag_64_is_accepted(w3c_derived: dict[str, Any], w3c_key: PublicKey) -> None:
    """Digital Bazaar's parser accepts byte strings tagged 64 (typed array); so do we."""
    tag = lambda data: cbor2.CBORTag(64, data)  # noqa: E731
    base_signature, public_key, signatures, label_map, indexes = _components(w3c_derived)
    tagged = [
        tag(base_signature),
        tag(public_key),
        [tag(s) for s in signatures],
        {k: tag(v) for k, v in label_map.items()},
        indexes,
    ]
    _verify(_with_components(w3c_derived, tagged), w3c_key)


def test_malformed_errors_are_proof_errors() -> None:
    assert issubclass(MalformedProof, ProofError)
    assert issubclass(UnsupportedProof, ProofError)


def test_other_cryptosuite_is_refused(w3c_derived: dict[str, Any], w3c_key: PublicKey) -> None:
    other = copy.deepcopy(w3c_derived)
    other["proof"]["cryptosuite"] = "ecdsa-rdfc-2019"
    with pytest.raises(UnsupportedProof):
        verify_derived_proof(other, other["proof"], w3c_key)


# -- relabelling ---------------------------------------------------------------------------


def test_relabel_touches_blank_nodes_only() -> None:
    labels = {"c14n0": "uAAA", "c14n1": "uBBB"}
    nquad = '_:c14n0 <http://ex/p_:c14n1> "say _:c14n1 \\" _:c14n0"^^<http://ex/t_:c14n0> _:c14n1 .'
    assert relabel_blank_nodes(nquad, labels) == (
        '_:uAAA <http://ex/p_:c14n1> "say _:c14n1 \\" _:c14n0"^^<http://ex/t_:c14n0> _:uBBB .'
    )


def test_relabel_refuses_an_unmapped_blank_node() -> None:
    with pytest.raises(SignatureInvalid, match="_:c14n2"):
        relabel_blank_nodes("_:c14n2 <http://ex/p> _:c14n0 .", {"c14n0": "uAAA"})
