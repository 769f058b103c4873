"""The verifier's named checks: what passes, and which check each forgery fails."""

import base64
import copy
import json
from datetime import timedelta

import pytest
from jwcrypto import jwk, jws

from issuer.signing import CredentialSigner
from keys.did import did_key_for
from keys.keypairs import KeyPair
from keys.proofs import create_proof
from keys.store import KeyStore
from tests.verifier.conftest import ISSUER_DID, NOW, make_credential
from verifier.inputs import ParsedInput, parse_text
from verifier.verification import verify

ALL_CHECKS = [
    "format", "context", "type", "schema", "json-ld", "proof", "issuer",
    "validity", "status", "recipient", "endorsements",
]  # fmt: skip


def statuses(report):
    return {check.id: check.status for check in report.checks}


def failed(report):
    return {check.id: check.message for check in report.checks if check.status == "failed"}


def test_a_credential_we_issue_verifies_with_every_check_named(signer, context, credential):
    report = verify(ParsedInput("ldp", signer.sign_ldp(credential)), context)
    assert report.verified, failed(report)
    assert [check.id for check in report.checks] == ALL_CHECKS
    assert statuses(report)["proof"] == "passed"
    assert statuses(report)["status"] == "passed"
    summary = report.credential
    assert summary.name == "Health Care Industry Badge"
    assert summary.issuer_name == "Linked Learning Alliance"
    assert summary.status == "active"
    assert report.to_json()["verified"] is True


@pytest.mark.parametrize(("algorithm", "jwt_format"), [
    ("ES256", "vc-jwt"), ("RS256", "vc-jwt"), ("EdDSA", "vc-jwt"), ("ES256", "vc-jose"),
])  # fmt: skip
def test_jwt_credentials_verify(key_store, context, credential, algorithm, jwt_format):
    signer = CredentialSigner(ISSUER_DID, key_store, jwt_algorithm=algorithm)
    token = signer.sign_jwt(credential, jwt_format=jwt_format)
    report = verify(parse_text(token), context)
    assert report.verified, failed(report)
    assert report.credential.format == "jwt"


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("credentialSubject", "achievement", "name"), "Neurosurgeon"),
        (("validUntil",), "2099-01-01T00:00:00Z"),
        (("credentialSubject", "identifier", 0, "identityHash"), "sha256$" + "0" * 64),
        (("issuer", "name"), "Harvard Medical School"),
    ],
)
def test_tampering_with_a_signed_field_fails_the_proof(signer, context, credential, path, value):
    signed = signer.sign_ldp(credential)
    target = signed
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    report = verify(ParsedInput("ldp", signed), context)
    assert not report.verified
    assert "does not verify" in failed(report)["proof"]
    assert statuses(report)["issuer"] == "skipped"


def test_tampering_with_a_jwt_payload_fails_the_proof(signer, context, credential):
    header, payload, signature = signer.sign_jwt(credential).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["credentialSubject"]["achievement"]["name"] = "Forged"
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    report = verify(parse_text(f"{header}.{forged_payload}.{signature}"), context)
    assert "does not verify" in failed(report)["proof"]


def test_a_valid_signature_by_another_key_fails_the_issuer_check(context, credential):
    attacker = KeyPair.generate()
    attacker_did = did_key_for(attacker.public_key)
    method = f"{attacker_did}#{attacker.public_key.to_multikey()}"
    signed = create_proof(credential, attacker, method, created="2026-11-01T00:00:00Z")
    report = verify(ParsedInput("ldp", signed), context)
    assert statuses(report)["proof"] == "passed"
    assert failed(report)["issuer"].startswith(f"Signed by a key of {attacker_did}")
    assert not report.verified


def test_swapping_in_an_attacker_proof_next_to_ours_is_not_verified(signer, context, credential):
    signed = signer.sign_ldp(credential)
    attacker = KeyPair.generate()
    method = f"{did_key_for(attacker.public_key)}#{attacker.public_key.to_multikey()}"
    theirs = create_proof(credential, attacker, method, created="2026-11-01T00:00:00Z")
    signed["proof"] = [signed["proof"], theirs["proof"]]
    report = verify(ParsedInput("ldp", signed), context)
    assert not report.verified
    assert "issuer" in failed(report)


def test_an_expired_credential_fails_validity(signer, context):
    expired = make_credential(
        valid_from=NOW - timedelta(days=800), valid_until=NOW - timedelta(days=1)
    )
    report = verify(ParsedInput("ldp", signer.sign_ldp(expired)), context)
    assert failed(report) == {"validity": f"Expired on {expired['validUntil']}"}
    assert report.credential.status == "expired"


def test_a_post_dated_credential_fails_validity(signer, context):
    future = make_credential(valid_from=NOW + timedelta(days=3), valid_until=None)
    report = verify(ParsedInput("ldp", signer.sign_ldp(future)), context)
    assert failed(report) == {"validity": f"Not valid yet: valid from {future['validFrom']}"}


def test_a_proof_created_in_the_future_fails(key_store, context, credential):
    signer = CredentialSigner(ISSUER_DID, key_store, clock=lambda: NOW + timedelta(hours=2))
    report = verify(ParsedInput("ldp", signer.sign_ldp(credential)), context)
    assert "created in the future" in failed(report)["proof"]


def test_an_expired_proof_fails(signer, context, credential):
    signed = signer.sign_ldp(credential)
    signed["proof"]["expires"] = "2026-01-01T00:00:00Z"
    report = verify(ParsedInput("ldp", signed), context)
    assert "expired" in failed(report)["proof"]


def test_a_revoked_credential_fails_status(signer, context, credential, revoked_indexes):
    revoked_indexes.add(42)
    report = verify(ParsedInput("ldp", signer.sign_ldp(credential)), context)
    assert failed(report) == {"status": "The credential has been revoked by its issuer"}
    assert report.credential.status == "revoked"


def test_another_index_being_revoked_does_not_matter(signer, context, credential, revoked_indexes):
    revoked_indexes.update({41, 43})
    assert verify(ParsedInput("ldp", signer.sign_ldp(credential)), context).verified


def test_a_status_list_that_cannot_be_fetched_offline_is_not_verified(signer, context):
    elsewhere = make_credential(
        credential_status={
            "id": "https://status.example.net/1#3",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "3",
            "statusListCredential": "https://status.example.net/1",
        }
    )
    report = verify(ParsedInput("ldp", signer.sign_ldp(elsewhere)), context)
    assert failed(report)["status"].startswith("Could not check revocation offline")


def test_status_is_not_fetched_when_the_proof_fails(signer, context, credential):
    calls = []
    original = context.resolver.resolve
    context.resolver.resolve = lambda url: calls.append(url) or original(url)  # type: ignore[method-assign]
    signed = signer.sign_ldp(credential)
    signed["name"] = "tampered"
    report = verify(ParsedInput("ldp", signed), context)
    assert statuses(report)["status"] == "skipped"
    assert all("status" not in url for url in calls)


def test_a_rotated_key_still_verifies_credentials_signed_before(tmp_path, context, credential):
    store = KeyStore(tmp_path / "keys", "pass", scrypt_n=2**14)
    store.generate(("Ed25519",))
    signer = CredentialSigner(ISSUER_DID, store, clock=lambda: NOW)
    before = signer.sign_ldp(credential)
    store.rotate(("Ed25519",))
    from verifier.resolvers import OfflineResolver
    from verifier.verification import VerificationContext

    rotated = VerificationContext(
        OfflineResolver(providers={ISSUER_DID: signer.did_document}), now=lambda: NOW
    )
    no_status = copy.deepcopy(before)
    report = verify(ParsedInput("ldp", no_status), rotated)
    assert report.check("proof").status == "passed"
    assert (
        signer.sign_ldp(credential)["proof"]["verificationMethod"]
        != before["proof"]["verificationMethod"]
    )


def test_a_method_not_listed_for_assertion_fails(signer, context, credential, key_store):
    document = signer.did_document()
    document["assertionMethod"] = []
    from verifier.resolvers import OfflineResolver
    from verifier.verification import VerificationContext

    strict = VerificationContext(OfflineResolver({ISSUER_DID: document}), now=lambda: NOW)
    report = verify(ParsedInput("ldp", signer.sign_ldp(credential)), strict)
    assert "not authorized for assertionMethod" in failed(report)["proof"]


@pytest.mark.parametrize(("email", "outcome"), [
    ("ana.student@example.org", "passed"),
    ("  Ana.Student@Example.org ", "passed"),
    ("someone.else@example.org", "failed"),
])  # fmt: skip
def test_recipient_check_against_an_email(signer, context, credential, email, outcome):
    report = verify(ParsedInput("ldp", signer.sign_ldp(credential)), context, recipient_email=email)
    assert statuses(report)["recipient"] == outcome


def test_the_email_never_appears_in_the_credential(signer, credential):
    assert "ana.student" not in json.dumps(signer.sign_ldp(credential))
    assert "ana.student" not in signer.sign_jwt(credential)


def _forge_jwt(header: dict, payload: dict, signature: bytes = b"") -> str:
    encode = lambda data: base64.urlsafe_b64encode(data).rstrip(b"=").decode()  # noqa: E731
    return ".".join(
        [
            encode(json.dumps(header).encode()),
            encode(json.dumps(payload).encode()),
            encode(signature),
        ]
    )


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "HS256", "hs256", "HS512", "PS256"])
def test_jwt_algorithms_other_than_the_keys_own_are_refused(signer, context, credential, alg):
    kid = signer.did_document()["assertionMethod"][0]
    token = _forge_jwt({"alg": alg, "kid": kid}, {"iss": ISSUER_DID, "vc": credential}, b"x")
    report = verify(parse_text(token), context)
    assert "is not allowed for a" in failed(report)["proof"]


def test_a_key_carried_by_the_jwt_is_never_used(context, credential):
    attacker = KeyPair.generate("P-256")
    payload = {"iss": ISSUER_DID, "vc": credential}
    token = jws.JWS(json.dumps(payload).encode())
    token.add_signature(
        jwk.JWK.from_pyca(attacker.pyca()),
        alg="ES256",
        protected=json.dumps({"alg": "ES256", "jwk": attacker.public_key.to_jwk()}),
    )
    report = verify(parse_text(token.serialize(compact=True)), context)
    assert not report.verified
    assert "proof" in failed(report)


def test_a_jwt_whose_iss_is_not_the_issuer_fails(key_store, context, credential):
    key = key_store.current("P-256")
    claims = {"iss": "did:web:evil.example", "vc": credential}
    token = jws.JWS(json.dumps(claims).encode())
    token.add_signature(
        jwk.JWK.from_pyca(key.key_pair.pyca()),
        alg="ES256",
        protected=json.dumps({"alg": "ES256", "kid": f"{ISSUER_DID}#{key.record.id}"}),
    )
    report = verify(parse_text(token.serialize(compact=True)), context)
    assert "iss claim" in failed(report)["issuer"]


def test_a_jwe_is_refused_before_anything_else(context):
    report = verify(ParsedInput("jwt", None, "a.b.c.d.e"), context)
    assert failed(report) == {
        "format": "Not a usable VC-JWT: encrypted JWTs (JWE) are not accepted"
    }
