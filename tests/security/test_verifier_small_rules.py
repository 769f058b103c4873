# ruff: noqa: F811 - the fixtures imported below are parameters of the tests
"""Issue #8 item 10, the smaller verifier rules, each named after the rule it enforces (the
web ones, chunked bodies and HEAD, are in tests/verifier_web/test_small_rules.py). All run
under this folder's no-network guard."""

from __future__ import annotations

import base64
import copy
import json
import struct
import zlib
from datetime import timedelta
from typing import Any

import pytest

from issuer.baking import bake_png
from keys.proofs import create_proof, sign_jwt
from keys.proofs.data_integrity import sign_hash, unsecured
from tests.security.conftest import failed
from tests.security.test_network import Loopback, answer, local, loopback, serve  # noqa: F401
from tests.verifier.conftest import NOW, make_credential
from verifier.inputs import UnusableInput, extract_from_png, parse_bytes, parse_text
from verifier.network import NetworkPolicy
from verifier.resolvers import ResolutionError, resolving_key_of
from verifier.verification import MAX_CONTEXTS, verify

OB = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


def _ed25519(signer):
    key = signer.key_store.current("Ed25519")
    return key.key_pair, signer.method_id(key.record.id)


# -- @context entries -------------------------------------------------------------------------


def test_more_than_six_context_entries_are_refused(signer, context):
    """Real OB 3.0 credentials name 2 to 4 contexts; nine (the attack run's) is refused before
    any JSON-LD processing."""
    credential = make_credential()
    credential["@context"] = [*credential["@context"], *[OB] * (9 - len(credential["@context"]))]
    report = verify(parse_text(json.dumps(signer.sign_ldp(credential))), context)
    assert (
        failed(report)["context"] == f"@context has 9 entries; at most {MAX_CONTEXTS} are accepted"
    )
    assert report.check("json-ld").status == "skipped"


# -- proof created without an offset ----------------------------------------------------------


def test_a_proof_created_without_an_offset_is_read_as_utc_vc_di_2_1(signer, context):
    """VC Data Integrity 1.0 §2.1: a verifier MAY consume a ``created`` serialized without an
    offset, as UTC (the W3C test suite's verifiers do), so the proof verifies and its time is
    checked as UTC. The OB 3.0 JSON Schema still asks an RFC 3339 date-time of an Open Badge's
    ``proof.created``, and says so: that rule is OB's, not Data Integrity's."""
    key_pair, method = _ed25519(signer)
    signed = create_proof(make_credential(), key_pair, method, created="2026-11-23T11:59:00")
    report = verify(parse_text(json.dumps(signed)), context)
    assert report.check("proof").status == "passed"
    assert set(failed(report)) == {"schema"}
    assert "$.proof.created" in failed(report)["schema"]
    future = create_proof(make_credential(), key_pair, method, created="2026-11-23T12:06:00")
    report = verify(parse_text(json.dumps(future)), context)
    assert "created in the future" in failed(report)["proof"]


def test_a_proof_expires_without_an_offset_is_still_refused(signer, context):
    credential = signer.sign_ldp(make_credential())
    credential["proof"]["expires"] = "2027-01-01T00:00:00"
    assert (
        "proof expires '2027-01-01T00:00:00' is not a dateTimeStamp"
        in failed(verify(parse_text(json.dumps(credential)), context))["proof"]
    )


# -- previousProof chains ---------------------------------------------------------------------


def _chain(signer, previous: str) -> dict[str, Any]:
    """A proof chain: urn:proof:1, then urn:proof:2 naming ``previous`` (signed over the
    document with proof 1, as VC DI 1.0 §4.3 "Add Proof Set/Chain" does)."""
    key_pair, method = _ed25519(signer)
    first = signer.sign_ldp(make_credential())
    proof_1 = first["proof"] | {"id": "urn:proof:1"}
    proof_1.pop("proofValue")
    document = unsecured(first)
    proof_1["proofValue"] = sign_hash(document, proof_1, key_pair)
    proof_2 = {
        "id": "urn:proof:2",
        "type": "DataIntegrityProof",
        "created": "2026-11-23T11:59:30Z",
        "verificationMethod": method,
        "cryptosuite": "eddsa-rdfc-2022",
        "proofPurpose": "assertionMethod",
        "previousProof": previous,
    }
    proof_2["proofValue"] = sign_hash(document | {"proof": proof_1}, proof_2, key_pair)
    return document | {"proof": [proof_1, proof_2]}


def test_a_proof_chain_verifies_vc_di_4_5(signer, context):
    report = verify(parse_text(json.dumps(_chain(signer, "urn:proof:1"))), context)
    assert report.verified, failed(report)


def test_a_proof_naming_a_missing_previous_proof_fails_vc_di_4_5(signer, context):
    report = verify(parse_text(json.dumps(_chain(signer, "urn:proof:9"))), context)
    assert (
        "previousProof names 'urn:proof:9', which is not in the proof set"
        in failed(report)["proof"]
    )


def test_a_chain_whose_previous_proof_was_removed_fails(signer, context):
    chained = _chain(signer, "urn:proof:1")
    chained["proof"] = [chained["proof"][1]]
    assert (
        "not in the proof set" in failed(verify(parse_text(json.dumps(chained)), context))["proof"]
    )


# -- JOSE headers -----------------------------------------------------------------------------


def _token(key_store, header: dict[str, Any]) -> str:
    key = key_store.current("P-256")
    signed = sign_jwt(
        make_credential(), key.key_pair, f"did:web:badges.example.org#{key.record.id}"
    )
    head, payload, signature = signed.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(head + "=="))
    new_head = base64.urlsafe_b64encode(json.dumps(decoded | header).encode()).rstrip(b"=")
    return f"{new_head.decode()}.{payload}.{signature}"


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ({"zip": "DEF"}, "zip"),
        ({"x5u": "https://evil.example/cert.pem"}, "x5u"),
        ({"jku": "https://evil.example/jwks.json"}, "jku"),
        ({"x5c": ["MIIB"]}, "x5c"),
        ({"x5t": "AAAA"}, "x5t"),
    ],
)
def test_jose_headers_pointing_to_keys_or_compressing_are_refused_rfc_8725(
    key_store, context, header, name
):
    key_store.generate(("P-256",))
    report = verify(parse_text(_token(key_store, header)), context)
    assert failed(report) == {
        "format": f"Not a usable VC-JWT: the JWS header member '{name}' is refused (a token may "
        "not point to its own key or certificate, nor be compressed)"
    }


def test_a_crit_header_naming_an_unknown_extension_is_refused(key_store, context):
    key_store.generate(("P-256",))
    token = _token(key_store, {"crit": ["https://evil.example/ext"], "https://evil.example/ext": 1})
    assert "JWS 'crit'" in failed(verify(parse_text(token), context))["format"]


# -- the network's cut-offs -------------------------------------------------------------------


def test_the_network_defaults_are_5_s_and_100_kb_for_key_documents():
    policy = NetworkPolicy()
    assert policy.total_timeout == 5.0 and policy.max_did_document_bytes == 100_000
    configured = NetworkPolicy.from_config({"VERIFIER_NETWORK_MAX_DID_DOCUMENT_BYTES": 50_000})
    assert configured.max_did_document_bytes == 50_000


def test_a_key_document_over_100_kb_is_refused_a_status_list_is_not(serve):
    body = json.dumps({"id": "x", "padding": ["x" * 1000] * 150}).encode()
    server = serve(answer("200 OK", body, ("Content-Type: application/json",)))
    url = f"{server.url}/did.json"
    with pytest.raises(ResolutionError, match="is larger than 100000 bytes"), resolving_key_of(url):
        local().resolve(url)
    assert local().resolve(url)["id"] == "x"  # not a key's document: the general cap


# -- baked PNG --------------------------------------------------------------------------------


def _baked(signer) -> bytes:
    from pathlib import Path

    artwork = Path(__file__).parents[2] / "static" / "img" / "health-care-industry-badge.png"
    return bake_png(artwork.read_bytes(), signer.sign_ldp(make_credential()))


def test_a_png_chunk_with_a_wrong_crc_is_refused_png_5_3(signer):
    png = bytearray(_baked(signer))
    position = png.index(b"openbadgecredential") + 40  # inside the credential's iTXt data
    png[position] ^= 0x01
    with pytest.raises(UnusableInput, match="is damaged \\(its CRC does not match\\)"):
        extract_from_png(bytes(png))


def test_a_png_cut_after_the_credential_chunk_is_refused_png_5_6(signer):
    png = _baked(signer)
    start = png.index(b"iTXtopenbadgecredential") - 4
    (length,) = struct.unpack(">I", png[start : start + 4])
    cut = png[: start + 12 + length]  # ends right after the credential chunk's CRC
    assert zlib.crc32(cut[start + 4 : start + 8 + length]) == struct.unpack(">I", cut[-4:])[0]
    with pytest.raises(UnusableInput, match="does not end with an IEND chunk"):
        extract_from_png(cut)


# -- baked SVG --------------------------------------------------------------------------------

SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">'
    '<openbadges:credential verify="{token}"><![CDATA[{inner}]]></openbadges:credential></svg>'
)


def test_an_svg_whose_jwt_and_json_disagree_is_refused(key_store):
    key_store.generate(("P-256",))
    key = key_store.current("P-256")
    credential = make_credential()
    token = sign_jwt(credential, key.key_pair, "did:web:badges.example.org#k")
    other = copy.deepcopy(credential)
    other["credentialSubject"]["achievement"]["name"] = "Registered Nurse License"
    svg = SVG.format(token=token, inner=json.dumps(other)).encode()
    with pytest.raises(UnusableInput, match="the SVG carries two different credentials"):
        parse_bytes(svg)
    agreeing = SVG.format(token=token, inner=json.dumps(credential)).encode()
    assert parse_bytes(agreeing).kind == "jwt"


# -- validFrom clock skew ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ahead", "valid"), [(timedelta(seconds=200), True), (timedelta(seconds=400), False)]
)
def test_valid_from_gets_the_same_300_s_clock_skew_as_created(signer, context, ahead, valid):
    credential = signer.sign_ldp(make_credential(valid_from=NOW + ahead))
    report = verify(parse_text(json.dumps(credential)), context)
    assert (report.check("validity").status == "passed") is valid
