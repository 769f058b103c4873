"""Our lean JWS signer (``keys.proofs.jose.sign_compact``) against jwcrypto's object model.

RFC 7515 §7.1 compact serialization; ES256 signatures are raw ``r || s`` (RFC 7518 §3.4),
EdDSA is Ed25519 (RFC 8037), RS256 is RSASSA-PKCS1-v1_5 (RFC 7518 §3.3). A token we sign must
verify with jwcrypto and carry the same header members and payload as the token jwcrypto makes
from the same input (the OB 3.0 §8.2.4.1 shape). The Node.js check is in tests/interop.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jwcrypto import jwk, jws
from jwcrypto.common import JWException

from keys.keypairs import KeyPair
from keys.proofs import decode_compact, sign_jwt, verify_signature
from keys.proofs.errors import SignatureInvalid
from keys.proofs.jose import registered_claims, sign_compact

KEYS = {key_type: KeyPair.generate(key_type) for key_type in ("Ed25519", "P-256", "RSA")}
KID = "did:web:badges.example.org#key-1"


def jwcrypto_token(header: dict, payload: dict, key_pair: KeyPair) -> str:
    """The reference: the token jwcrypto's object model makes (how we signed before)."""
    token = jws.JWS(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())
    token.add_signature(
        jwk.JWK.from_pyca(key_pair.pyca()), alg=key_pair.jws_algorithm, protected=json.dumps(header)
    )
    return token.serialize(compact=True)


def jwcrypto_verifies(token: str, key_pair: KeyPair) -> bool:
    checker = jws.JWS()
    checker.allowed_algs = [key_pair.jws_algorithm]
    try:
        checker.deserialize(token)
        checker.verify(jwk.JWK.from_pyca(key_pair.public_key.pyca()), alg=key_pair.jws_algorithm)
    except JWException:
        return False
    return True


def parts(token: str) -> tuple[dict, dict, bytes]:
    header, payload, signature = token.split(".")
    pad = lambda part: base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))  # noqa: E731
    return json.loads(pad(header)), json.loads(pad(payload)), pad(signature)


def credential(name: str = "Health Care Industry Badge") -> dict:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:5e1c3a52-7a67-4b1e-9d1a-1f4c2b0b7a10",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "did:web:badges.example.org", "type": ["Profile"], "name": "Alliance"},
        "validFrom": "2026-11-29T10:00:00Z",
        "validUntil": "2028-11-29T10:00:00Z",
        "name": name,
        "credentialSubject": {"type": ["AchievementSubject"], "achievement": {"name": name}},
    }


@pytest.mark.parametrize("key_type", sorted(KEYS))
def test_our_vc_jwt_verifies_with_jwcrypto_and_matches_its_token(key_type):
    key_pair = KEYS[key_type]
    ours = sign_jwt(credential(), key_pair, KID)
    assert jwcrypto_verifies(ours, key_pair)
    header, payload, signature = parts(ours)
    reference_header, reference_payload, _ = parts(
        jwcrypto_token(header, {**credential(), **registered_claims(credential())}, key_pair)
    )
    assert header == reference_header == {"alg": key_pair.jws_algorithm, "kid": KID, "typ": "JWT"}
    assert payload == reference_payload
    assert (
        payload["iss"] == "did:web:badges.example.org"
        and payload["nbf"] == 1795946400 == payload["exp"] - 731 * 86400
    )
    # our own verifier path reads it too
    decoded = decode_compact(ours)
    verify_signature(decoded, ours, key_pair.public_key)
    assert decoded.credential == credential()
    if key_type == "P-256":
        assert len(signature) == 64  # raw r || s (RFC 7518 §3.4), not a DER sequence


@pytest.mark.parametrize("key_type", sorted(KEYS))
def test_a_changed_payload_no_longer_verifies(key_type):
    key_pair = KEYS[key_type]
    header, _payload, signature = sign_jwt(credential(), key_pair, KID).split(".")
    _, other, _ = sign_jwt(credential("Another badge"), key_pair, KID).split(".")
    forged = f"{header}.{other}.{signature}"
    assert not jwcrypto_verifies(forged, key_pair)
    with pytest.raises(SignatureInvalid):
        verify_signature(decode_compact(forged), forged, key_pair.public_key)


def test_vc_jose_form_keeps_its_header_and_payload():
    key_pair = KEYS["P-256"]
    token = sign_jwt(credential(), key_pair, KID, jwt_format="vc-jose")
    header, payload, _ = parts(token)
    assert header == {"alg": "ES256", "kid": KID, "typ": "vc+jwt", "cty": "vc"}
    assert payload == credential()
    assert jwcrypto_verifies(token, key_pair)


def test_an_algorithm_the_key_was_not_made_for_is_refused():
    with pytest.raises(ValueError, match="signs ES256"):
        sign_compact({"alg": "HS256", "kid": KID}, {"a": 1}, KEYS["P-256"])
    with pytest.raises(ValueError):
        sign_compact({"alg": "ES256"}, {"a": 1}, KEYS["Ed25519"])


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=60, deadline=None)
@given(
    key_type=st.sampled_from(sorted(KEYS)),
    payload=st.dictionaries(st.text(max_size=12), json_values, max_size=6),
    kid=st.text(min_size=1, max_size=40),
)
def test_any_json_payload_signs_to_the_token_jwcrypto_would_make(key_type, payload, kid):
    key_pair = KEYS[key_type]
    header = {"alg": key_pair.jws_algorithm, "kid": kid, "typ": "JWT"}
    ours = sign_compact(header, payload, key_pair)
    reference = jwcrypto_token(header, payload, key_pair)
    assert parts(ours)[:2] == parts(reference)[:2]
    assert jwcrypto_verifies(ours, key_pair)
    if key_type != "P-256":  # Ed25519 and PKCS#1 v1.5 are deterministic: same bytes
        assert parts(ours)[2] == jws_signature_over(ours, key_pair)


def jws_signature_over(token: str, key_pair: KeyPair) -> bytes:
    """jwcrypto's signature over exactly our signing input (our header bytes included)."""
    header_part, payload_part, _ = token.split(".")
    pad = lambda part: base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))  # noqa: E731
    token_object = jws.JWS(pad(payload_part))
    token_object.add_signature(
        jwk.JWK.from_pyca(key_pair.pyca()),
        alg=key_pair.jws_algorithm,
        protected=pad(header_part).decode("utf-8"),
    )
    return parts(token_object.serialize(compact=True))[2]


@settings(max_examples=40, deadline=None)
@given(
    key_type=st.sampled_from(sorted(KEYS)),
    name=st.text(min_size=1, max_size=60),
    valid_from=st.datetimes(
        min_value=datetime(1971, 1, 1), max_value=datetime(2999, 1, 1), timezones=st.just(UTC)
    ),
)
def test_any_credential_reads_back_the_same_through_our_verifier(key_type, name, valid_from):
    key_pair = KEYS[key_type]
    document = {**credential(name), "validFrom": valid_from.isoformat().replace("+00:00", "Z")}
    document.pop("validUntil")
    token = sign_jwt(document, key_pair, KID)
    decoded = decode_compact(token)
    verify_signature(decoded, token, key_pair.public_key)
    assert decoded.credential == document
    assert decoded.payload["nbf"] == int(valid_from.timestamp() // 1)
