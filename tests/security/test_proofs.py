"""Class 5, proofs: the W3C Data Integrity verifier suite's negative cases
(w3c-ccg/data-integrity-test-suite-assertion ``suites/verify.js``: missing or invalid proof,
type, verificationMethod, proofPurpose, proofValue, non-multibase proofValue, created without
an offset, unknown cryptosuite), then attacks on keys and on JOSE (RFC 8725): an attacker-only
proof set, a small-order Ed25519 key, ``alg`` none/HMAC/key confusion, keys carried or pointed
to by the header, JWE and the JSON serialization, and an ``iss`` that only nearly matches.
Each asserts the failed check and its message; none may touch the network."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
from typing import Any

import pytest
from jwcrypto import jwk, jws

from keys.did import did_key_for
from keys.keypairs import KeyPair
from keys.multibase import encode_base58btc
from keys.proofs import create_proof
from tests.security.conftest import failed
from tests.verifier.conftest import ISSUER_DID, make_credential
from verifier.inputs import ParsedInput, UnusableInput, parse_text
from verifier.verification import verify

NOT_RESOLVED = "The proof: the signing key could not be resolved: "
NOT_VERIFIED = "The proof does not verify: "


def _set(name: str, value: Any):
    return lambda proof: proof.__setitem__(name, value)


def _drop(name: str):
    return lambda proof: proof.pop(name)


def _strip_multibase_prefix(proof: dict) -> None:
    proof["proofValue"] = proof["proofValue"][1:]


def _no_offset(proof: dict) -> None:
    proof["created"] = proof["created"].removesuffix("Z")


DATA_INTEGRITY_NEGATIVES = {
    "type missing": (_drop("type"), "The proof is of an unsupported type None"),
    "type not DataIntegrityProof": (
        _set("type", "Ed25519Signature2018"),
        "The proof is of an unsupported type 'Ed25519Signature2018'",
    ),
    "verificationMethod missing": (
        _drop("verificationMethod"),
        NOT_RESOLVED + "verificationMethod None is not a URL",
    ),
    "verificationMethod not a URL": (
        _set("verificationMethod", "issuer-key-1"),
        NOT_RESOLVED + "verificationMethod 'issuer-key-1' is not a URL",
    ),
    "verificationMethod of an unknown method": (
        _set("verificationMethod", "did:example:123#key-1"),
        NOT_RESOLVED + "did:example:123 uses a method this verifier cannot resolve",
    ),
    "verificationMethod only on the network": (
        _set("verificationMethod", "https://evil.example/keys#1"),
        "Could not resolve the signing key offline: https://evil.example/keys could not be "
        "resolved offline (it needs the network)",
    ),
    "proofPurpose missing": (
        _drop("proofPurpose"),
        "The proof has proofPurpose None, not assertionMethod",
    ),
    "proofPurpose authentication": (
        _set("proofPurpose", "authentication"),
        "The proof has proofPurpose 'authentication', not assertionMethod",
    ),
    "proofValue missing": (
        _drop("proofValue"),
        NOT_VERIFIED + "proofValue: expected a multibase base58btc value starting with 'z'",
    ),
    "proofValue null": (
        _set("proofValue", None),
        NOT_VERIFIED + "proofValue: expected a multibase base58btc value starting with 'z'",
    ),
    "proofValue without its multibase header": (
        _strip_multibase_prefix,
        NOT_VERIFIED + "proofValue: expected a multibase base58btc value starting with 'z'",
    ),
    "proofValue multibase base64url": (
        _set("proofValue", "u" + base64.urlsafe_b64encode(bytes(64)).decode().rstrip("=")),
        NOT_VERIFIED + "proofValue: expected a multibase base58btc value starting with 'z'",
    ),
    "proofValue not base58btc": (
        _set("proofValue", "z0OIl" + "1" * 80),
        NOT_VERIFIED + "proofValue: '0' is not a base58btc character",
    ),
    "proofValue 63 bytes": (
        _set("proofValue", encode_base58btc(bytes(63))),
        NOT_VERIFIED + "proofValue decodes to 63 bytes, not 64",
    ),
    "proofValue 65 bytes": (
        _set("proofValue", encode_base58btc(bytes(65))),
        NOT_VERIFIED + "proofValue decodes to 65 bytes, not 64",
    ),
    # VC DI 1.0 §2.1 lets a verifier read a created without an offset as UTC (#8 item 10):
    # dropping the "Z" is then a change to what was signed, not a malformed proof.
    "created without an offset": (
        _no_offset,
        NOT_VERIFIED + "the signature does not match the credential and the key",
    ),
    "cryptosuite unknown": (
        _set("cryptosuite", "eddsa-jcs-2022"),
        NOT_VERIFIED + "proof type DataIntegrityProof/eddsa-jcs-2022 is not supported",
    ),
    "type a list": (
        _set("type", ["DataIntegrityProof"]),
        "The proof is of an unsupported type ['DataIntegrityProof']",
    ),
    "cryptosuite a list": (
        _set("cryptosuite", ["eddsa-rdfc-2022"]),
        NOT_VERIFIED + "proof type DataIntegrityProof/['eddsa-rdfc-2022'] is not supported",
    ),
    "created in the future (beyond 5 minutes of skew)": (
        _set("created", "2026-11-23T12:05:01Z"),
        "The proof was created in the future (2026-11-23T12:05:01Z)",
    ),
    "expires in the past": (
        _set("expires", "2026-11-23T11:59:59Z"),
        "The proof expired on 2026-11-23T11:59:59Z",
    ),
}


@pytest.mark.parametrize(
    ("mutate", "message"), DATA_INTEGRITY_NEGATIVES.values(), ids=DATA_INTEGRITY_NEGATIVES
)
def test_data_integrity_negative_cases_fail_the_proof_check(signer, context, mutate, message):
    signed = signer.sign_ldp(make_credential())
    mutate(signed["proof"])
    report = verify(ParsedInput("ldp", signed), context)
    assert failed(report)["proof"] == message
    assert report.check("status").status == "skipped"  # no status list for an unproven badge


@pytest.mark.parametrize("proof", [None, [], {}], ids=["null", "empty set", "empty object"])
def test_a_missing_or_empty_proof_fails(signer, context, proof):
    signed = signer.sign_ldp(make_credential())
    signed["proof"] = proof
    expected = "The proof is of an unsupported type None" if proof == {} else (
        "The credential has no proof"
    )  # fmt: skip
    assert failed(verify(ParsedInput("ldp", signed), context))["proof"] == expected


def _attacker_proof(credential: dict) -> tuple[dict, str]:
    attacker = KeyPair.generate()
    did = did_key_for(attacker.public_key)
    method = f"{did}#{attacker.public_key.to_multikey()}"
    return create_proof(credential, attacker, method, created="2026-11-01T00:00:00Z")["proof"], did


def test_a_proof_set_of_only_attacker_proofs_names_the_stranger(context):
    """Two valid signatures, both by an attacker's did:key, on a badge naming our issuer."""
    credential = make_credential()
    (first, did), (second, _) = _attacker_proof(credential), _attacker_proof(credential)
    report = verify(ParsedInput("ldp", {**credential, "proof": [first, second]}), context)
    assert report.check("proof").status == "passed"
    assert failed(report) == {
        "issuer": f"Signed by a key of {did}, not of the issuer {ISSUER_DID}",
    }


def test_a_proof_set_with_one_bad_proof_fails_as_a_whole(signer, context):
    signed = signer.sign_ldp(make_credential())
    broken = copy.deepcopy(signed["proof"])
    broken["proofValue"] = encode_base58btc(bytes(64))
    signed["proof"] = [signed["proof"], broken]
    report = verify(ParsedInput("ldp", signed), context)
    assert failed(report)["proof"] == (
        "Proof 2 does not verify: the signature does not match the credential and the key"
    )


# The Ed25519 identity point: A = 0, so R = 0, S = 0 satisfies [S]B = R + [k]A for every
# message k. A verifier that takes this key "verifies" anything.
SMALL_ORDER_KEY = bytes([1]) + bytes(31)
UNIVERSAL_SIGNATURE = bytes([1]) + bytes(31) + bytes(32)


def test_a_small_order_did_key_is_refused_when_decoded(context):
    did = "did:key:" + encode_base58btc(b"\xed\x01" + SMALL_ORDER_KEY)
    credential = make_credential(issuer={"id": did, "type": ["Profile"], "name": "Anyone"})
    credential["proof"] = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2026-11-01T00:00:00Z",
        "verificationMethod": f"{did}#{did.removeprefix('did:key:')}",
        "proofPurpose": "assertionMethod",
        "proofValue": encode_base58btc(UNIVERSAL_SIGNATURE),
    }
    report = verify(ParsedInput("ldp", credential), context)
    assert failed(report)["proof"] == (
        NOT_RESOLVED
        + f"{did}: Ed25519 public key has small order (a weak key that verifies forgeries)"
    )


# -- JOSE ----------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _token(header: dict, payload: dict, sign=None) -> str:
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"
    signature = sign(signing_input.encode()) if sign else b"not-a-signature"
    return f"{signing_input}.{_b64(signature)}"


def _p256_kid(key_store) -> str:
    return f"{ISSUER_DID}#{key_store.current('P-256').record.id}"


def _signed_by(key_pair: KeyPair, header: dict, payload: dict) -> str:
    token = jws.JWS(json.dumps(payload).encode())
    token.add_signature(jwk.JWK.from_pyca(key_pair.pyca()), alg="ES256",
                        protected=json.dumps(header))  # fmt: skip
    return token.serialize(compact=True)


@pytest.mark.parametrize("alg", ["nOnE", "none ", "HS384", "ES256K", "ES384", "EdDSA", "", None])
def test_any_alg_but_the_keys_own_is_refused(key_store, context, alg):
    header = {"alg": alg, "kid": _p256_kid(key_store)}
    report = verify(parse_text(_token(header, {"iss": ISSUER_DID, "vc": make_credential()})),
                    context)  # fmt: skip
    assert failed(report)["proof"] == (
        f"The JWT signature does not verify: JWS alg {alg!r} is not allowed for a P-256 key "
        "(only ES256)"
    )


def test_hmac_keyed_with_the_issuers_public_key_is_refused(key_store, context):
    """Key confusion: the public key (which anyone has) used as an HMAC secret."""
    public_jwk = json.dumps(key_store.current("P-256").key_pair.public_key.to_jwk()).encode()
    header = {"alg": "HS256", "kid": _p256_kid(key_store)}
    token = _token(header, {"iss": ISSUER_DID, "vc": make_credential()},
                   lambda data: hmac.new(public_jwk, data, hashlib.sha256).digest())  # fmt: skip
    assert (
        "JWS alg 'HS256' is not allowed for a P-256 key"
        in failed(verify(parse_text(token), context))["proof"]
    )


@pytest.mark.parametrize("name", ["jwk", "jku", "x5u", "x5c"])
def test_a_key_carried_or_pointed_to_by_the_header_is_never_used(context, name):
    attacker = KeyPair.generate("P-256")
    carried = {
        "jwk": attacker.public_key.to_jwk(),
        "jku": "https://evil.example/jwks.json",
        "x5u": "https://evil.example/cert.pem",
        "x5c": [_b64(b"attacker certificate DER")],
    }[name]
    token = _signed_by(attacker, {"alg": "ES256", name: carried},
                       {"iss": ISSUER_DID, "vc": make_credential()})  # fmt: skip
    report = verify(parse_text(token), context)
    assert not report.verified
    if name != "jwk":  # #8 item 10: pointing to a key or certificate is refused outright
        assert failed(report) == {
            "format": f"Not a usable VC-JWT: the JWS header member '{name}' is refused (a token "
            "may not point to its own key or certificate, nor be compressed)"
        }
        return
    # jwk (OB 3.0 §8.2.3 allows it) is never used: no kid, so the issuer's own ES256 key is
    # used, and the attacker's signature fails against it.
    assert failed(report)["proof"].startswith("The JWT signature does not verify: ")


def test_a_kid_naming_the_attackers_did_key_fails_the_issuer_check(context):
    attacker = KeyPair.generate("P-256")
    did = did_key_for(attacker.public_key)
    token = _signed_by(attacker, {"alg": "ES256", "kid": f"{did}#{did[8:]}",
                                  "jwk": attacker.public_key.to_jwk()},
                       {"iss": ISSUER_DID, "vc": make_credential()})  # fmt: skip
    report = verify(parse_text(token), context)
    assert report.check("proof").status == "passed"
    assert failed(report)["issuer"] == f"Signed by a key of {did}, not of the issuer {ISSUER_DID}"


def test_a_jwe_is_refused_as_input_and_as_a_header():
    with pytest.raises(UnusableInput, match=r"^encrypted JWTs \(JWE\) are not accepted$"):
        parse_text("eyJhbGciOiJSU0EtT0FFUCJ9.a2V5.aXY.Y2lwaGVy.dGFn")


def test_an_enc_header_in_three_parts_is_refused(key_store, context):
    header = {"alg": "ES256", "enc": "A256GCM", "kid": _p256_kid(key_store)}
    report = verify(parse_text(_token(header, {"vc": make_credential()})), context)
    assert failed(report) == {
        "format": "Not a usable VC-JWT: encrypted JWTs (JWE) are not accepted"
    }


def test_crit_and_unencoded_payloads_are_refused(key_store, context):
    header = {"alg": "ES256", "kid": _p256_kid(key_store), "b64": False, "crit": ["b64"]}
    report = verify(parse_text(_token(header, {"vc": make_credential()})), context)
    assert failed(report) == {
        "format": "Not a usable VC-JWT: JWS 'crit' / unencoded payloads are not supported"
    }


@pytest.mark.parametrize("serialization", ["general", "flattened"])
def test_the_jws_json_serialization_is_not_read_as_a_jwt(key_store, context, serialization):
    """Only the compact form is a VC-JWT; JSON is read as a JSON-LD credential and fails."""
    key = key_store.current("P-256")
    token = jws.JWS(json.dumps({"iss": ISSUER_DID, "vc": make_credential()}).encode())
    token.add_signature(
        jwk.JWK.from_pyca(key.key_pair.pyca()),
        alg="ES256",
        protected=json.dumps({"alg": "ES256", "kid": _p256_kid(key_store)}),
    )
    flattened = json.loads(token.serialize(compact=False))
    general = {
        "payload": flattened["payload"],
        "signatures": [{"protected": flattened["protected"], "signature": flattened["signature"]}],
    }
    text = json.dumps(flattened if serialization == "flattened" else general)
    parsed = parse_text(text)
    assert parsed.kind == "ldp"
    report = verify(parsed, context)
    assert report.check("format").message == "JSON-LD credential with embedded proof"
    assert failed(report)["context"] == (
        "The first @context must be the W3C Verifiable Credentials context (v1 or v2)"
    )
    assert failed(report)["proof"] == "The credential has no proof"


@pytest.mark.parametrize(
    "iss",
    [
        f"{ISSUER_DID} ",
        ISSUER_DID.upper(),
        "did:web:Badges.example.org",
        f"{ISSUER_DID}#p256",
        f"{ISSUER_DID}:evil",
        "did:web:badges.example.org.evil.example",
        "https://badges.example.org",
    ],
)
def test_an_iss_that_only_nearly_matches_the_issuer_fails(key_store, context, iss):
    token = _signed_by(key_store.current("P-256").key_pair,
                       {"alg": "ES256", "kid": _p256_kid(key_store)},
                       {"iss": iss, "vc": make_credential()})  # fmt: skip
    report = verify(parse_text(token), context)
    assert report.check("proof").status == "passed"
    assert failed(report) == {
        "issuer": f"The iss claim {iss!r} is not the issuer {ISSUER_DID!r}",
    }


def test_a_vc_jwt_without_iss_fails(key_store, context):
    token = _signed_by(key_store.current("P-256").key_pair,
                       {"alg": "ES256", "kid": _p256_kid(key_store)},
                       {"vc": make_credential()})  # fmt: skip
    assert failed(verify(parse_text(token), context)) == {"issuer": "The iss claim is missing"}
