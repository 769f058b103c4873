"""OB 3.0 §8.2.4.1 / §8.2.6.1: the VC-JWT shape we issue, and every registered claim checked
against the credential property it corresponds to."""

import base64
import json

import pytest
from jwcrypto import jwk, jws

from issuer.signing import CredentialSigner
from keys.proofs.jose import decode_compact, registered_claims
from tests.verifier.conftest import ISSUER_DID, NOW
from verifier.inputs import parse_text
from verifier.verification import verify


def _part(token: str, index: int) -> dict:
    part = token.split(".")[index]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _sign(key_store, header_extra: dict, payload: dict) -> str:
    key = key_store.current("P-256")
    header = {"alg": "ES256", "kid": f"{ISSUER_DID}#{key.record.id}", **header_extra}
    token = jws.JWS(json.dumps(payload).encode())
    token.add_signature(jwk.JWK.from_pyca(key.key_pair.pyca()), alg="ES256",
                        protected=json.dumps(header))  # fmt: skip
    return token.serialize(compact=True)


def _issuer_failure(report) -> str:
    check = report.check("issuer")
    assert report.check("proof").status == "passed"
    assert check.status == "failed"
    return check.message


@pytest.mark.parametrize("algorithm", ["ES256", "RS256", "EdDSA"])
def test_ob30_8_2_4_1_the_payload_is_the_credential_with_its_claims_beside(
    key_store, credential, algorithm
):
    token = CredentialSigner(ISSUER_DID, key_store, jwt_algorithm=algorithm).sign_jwt(credential)
    header, payload = _part(token, 0), _part(token, 1)
    assert header["typ"] == "JWT" and header["alg"] == algorithm
    assert "vc" not in payload
    assert {k: v for k, v in payload.items() if k not in ("iss", "jti", "nbf", "exp")} == (
        credential
    )
    assert payload["iss"] == ISSUER_DID
    assert payload["jti"] == credential["id"]
    assert payload["nbf"] == int(NOW.timestamp() - 30 * 86400)
    assert payload["exp"] == int(NOW.timestamp() + 700 * 86400)
    assert "sub" not in payload  # our subjects are identified by a hashed email, not an id
    assert decode_compact(token).media_type == "application/jwt"


def test_the_vc_jose_shape_is_served_as_application_vc_jwt(key_store, credential):
    token = CredentialSigner(ISSUER_DID, key_store).sign_jwt(credential, jwt_format="vc-jose")
    assert decode_compact(token).media_type == "application/vc+jwt"
    assert _part(token, 1) == credential


def test_sub_is_set_when_the_subject_has_an_id(key_store, credential, context):
    credential["credentialSubject"]["id"] = "did:example:student-1"
    token = CredentialSigner(ISSUER_DID, key_store).sign_jwt(credential)
    assert _part(token, 1)["sub"] == "did:example:student-1"
    assert verify(parse_text(token), context).check("issuer").status == "passed"


def test_the_older_vc_claim_shape_is_still_accepted(key_store, credential, context):
    token = _sign(key_store, {"typ": "JWT"}, {**registered_claims(credential), "vc": credential})
    report = verify(parse_text(token), context)
    assert report.verified, [c for c in report.checks if c.status == "failed"]
    assert decode_compact(token).media_type == "application/jwt"


@pytest.mark.parametrize("shape", ["top", "vc"])
@pytest.mark.parametrize(
    ("claim", "value", "named"),
    [
        ("iss", "did:web:elsewhere.example.org", "'did:web:badges.example.org'"),
        ("jti", "urn:uuid:00000000-0000-4000-8000-000000000000", "urn:uuid:5b1c6f43"),
        ("sub", "did:example:someone-else", "'did:example:student-1'"),
        ("nbf", int(NOW.timestamp()) - 86400, "validFrom"),
        ("exp", int(NOW.timestamp()) + 86400, "validUntil"),
    ],
)
def test_ob30_8_2_6_1_each_registered_claim_must_agree_with_its_property(
    key_store, credential, context, shape, claim, value, named
):
    """§8.2.4.1 maps iss↔issuer.id, jti↔id, sub↔credentialSubject.id, nbf↔validFrom,
    exp↔validUntil; a disagreement fails naming both values."""
    credential["credentialSubject"]["id"] = "did:example:student-1"
    claims = {**registered_claims(credential), claim: value}
    payload = {**credential, **claims} if shape == "top" else {**claims, "vc": credential}
    message = _issuer_failure(verify(parse_text(_sign(key_store, {"typ": "JWT"}, payload)),
                                     context))  # fmt: skip
    assert f"{claim} claim {value!r}" in message
    assert named in message


@pytest.mark.parametrize("claim", ["iss", "jti", "nbf", "sub"])
def test_ob30_8_2_6_1_the_payload_must_have_iss_jti_nbf_and_sub(
    key_store, credential, context, claim
):
    """§8.2.6.1 "MUST have" — required whenever the credential has the property it must equal
    (``sub`` only with a credentialSubject.id)."""
    credential["credentialSubject"]["id"] = "did:example:student-1"
    claims = {k: v for k, v in registered_claims(credential).items() if k != claim}
    token = _sign(key_store, {"typ": "JWT"}, {**credential, **claims})
    message = _issuer_failure(verify(parse_text(token), context))
    assert f"{claim} claim is missing" in message


def test_sub_is_not_required_when_the_subject_has_no_id(key_store, credential, context):
    token = _sign(key_store, {"typ": "JWT"}, {**credential, **registered_claims(credential)})
    assert verify(parse_text(token), context).verified


def test_exp_is_optional(key_store, credential, context):
    claims = {k: v for k, v in registered_claims(credential).items() if k != "exp"}
    token = _sign(key_store, {"typ": "JWT"}, {**credential, **claims})
    assert verify(parse_text(token), context).verified


def test_exp_without_validuntil_sets_the_end_of_validity(key_store, credential, context):
    del credential["validUntil"]
    claims = {**registered_claims(credential), "exp": int(NOW.timestamp()) - 3600}
    message = _issuer_failure(verify(parse_text(_sign(key_store, {"typ": "JWT"},
                                                      {**credential, **claims})), context))  # fmt: skip
    assert "exp claim" in message and "in the past" in message


@pytest.mark.parametrize(
    ("claim", "value"),
    [("exp", "2099-01-01T00:00:00Z"), ("nbf", "1700000000"), ("nbf", True), ("iat", "now"),
     ("exp", None)],
)  # fmt: skip
def test_rfc7519_numeric_date_claims_must_be_numbers(key_store, credential, context, claim, value):
    """RFC 7519 §4.1.4/§4.1.5: exp and nbf are NumericDates; a string is refused (issue #8)."""
    payload = {**credential, **registered_claims(credential), claim: value}
    message = _issuer_failure(verify(parse_text(_sign(key_store, {"typ": "JWT"}, payload)),
                                     context))  # fmt: skip
    assert f"{claim} claim must be a NumericDate" in message


def test_vc_jose_claims_are_optional_but_must_agree(key_store, credential, context):
    """VC-JOSE-COSE §3.1.2: registered claims may be absent; present, they must not conflict."""
    plain = _sign(key_store, {"typ": "vc+jwt", "cty": "vc"}, credential)
    assert verify(parse_text(plain), context).verified
    conflicting = _sign(key_store, {"typ": "vc+jwt"}, {**credential, "jti": "urn:uuid:other"})
    assert "jti claim 'urn:uuid:other'" in _issuer_failure(verify(parse_text(conflicting),
                                                                  context))  # fmt: skip


def test_signing_refuses_a_credential_that_already_uses_a_claim_name(key_store, credential):
    credential["jti"] = "urn:uuid:x"
    with pytest.raises(ValueError, match="jti"):
        CredentialSigner(ISSUER_DID, key_store).sign_jwt(credential)
