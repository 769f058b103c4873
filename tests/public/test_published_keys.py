"""Every VC-JWT signing key published as a dereferenceable JWK (OB 3.0 §8.2.3 "kid ... can be
dereferenced to retrieve a JWK", §8.5), the JWKS beside the DID document, the issuer Profile
reachable from the DID document, and only pinned contexts in what we serve."""

import json
from urllib.parse import urlsplit

import pytest

from issuer.signing import CredentialSigner
from keys.keypairs import public_key_from_jwk
from keys.proofs import decode_compact, verify_signature
from schemas.loader import is_pinned


@pytest.fixture(autouse=True)
def keys_generated(app):
    app.extensions["signer"].key_store.generate()  # idempotent: one current key of each type


def _methods(document):
    return {method["id"]: method for method in document["verificationMethod"]}


def onedtech_jwt_key_rule(token: str, did_document: dict):
    """The 1EdTech validator's VC-JWT key rule: ``alg`` is RS256 or ES256 and the header ``kid``
    names a verification method whose ``publicKeyJwk`` is the key (no Multikey conversion)."""
    header = decode_compact(token).header
    assert header["alg"] in ("RS256", "ES256")
    method = _methods(did_document)[header["kid"]]
    return public_key_from_jwk(method["publicKeyJwk"])


@pytest.mark.parametrize("algorithm", ["ES256", "RS256"])
def test_the_1edtech_validator_rule_finds_the_key_of_our_jwts(app, algorithm, issue):
    signer = app.extensions["signer"]
    token = CredentialSigner(signer.issuer_did, signer.key_store, jwt_algorithm=algorithm).sign_jwt(
        {"@context": [], "issuer": signer.issuer_did, "id": "urn:uuid:x"}
    )
    key = onedtech_jwt_key_rule(token, signer.did_document())
    verify_signature(decode_compact(token), token, key)  # raises unless it is the signing key


def test_the_1edtech_validator_rule_finds_the_key_of_a_badge_we_issued(client, issue):
    """The same rule on what a validator is given: a badge's ``.jwt`` download (ES256, the
    default) and the DID document as ``/.well-known/did.json`` serves it."""
    award = issue()
    token = client.get(f"/badges/{award.uuid}.jwt").get_data(as_text=True)
    key = onedtech_jwt_key_rule(token, client.get("/.well-known/did.json").json)
    verify_signature(decode_compact(token), token, key)


@pytest.mark.parametrize("algorithm", ["ES256", "RS256", "EdDSA"])
def test_every_jwt_kid_is_a_json_web_key_in_the_did_document_and_the_jwks(client, app, algorithm):
    signer = app.extensions["signer"]
    token = CredentialSigner(signer.issuer_did, signer.key_store, jwt_algorithm=algorithm).sign_jwt(
        {"@context": [], "issuer": signer.issuer_did, "id": "urn:uuid:x"}
    )
    kid = decode_compact(token).header["kid"]
    did_document = client.get("/.well-known/did.json").json
    method = _methods(did_document)[kid]
    assert method["type"] == "JsonWebKey" and "d" not in method["publicKeyJwk"]
    jwks = client.get("/.well-known/jwks.json")
    assert jwks.status_code == 200 and jwks.mimetype == "application/jwk-set+json"
    by_kid = {key["kid"]: key for key in jwks.json["keys"]}
    assert {k: v for k, v in by_kid[kid].items() if k not in ("kid", "alg", "use")} == (
        method["publicKeyJwk"]
    )
    assert by_kid[kid]["alg"] == algorithm
    verify_signature(decode_compact(token), token, public_key_from_jwk(by_kid[kid]))


def test_ed25519_stays_a_multikey_for_data_integrity(client, issue):
    award = issue()
    credential = client.get(f"/badges/{award.uuid}.json").json
    method = _methods(client.get("/.well-known/did.json").json)[
        credential["proof"]["verificationMethod"]
    ]
    assert method["type"] == "Multikey" and method["publicKeyMultibase"].startswith("z6Mk")


def test_retired_keys_stay_published_while_their_credentials_may_be_verified(client, app):
    signer = app.extensions["signer"]
    before = {key["kid"] for key in client.get("/.well-known/jwks.json").json["keys"]}
    signer.key_store.rotate()
    after = {key["kid"] for key in client.get("/.well-known/jwks.json").json["keys"]}
    assert before < after
    assert before <= set(client.get("/.well-known/did.json").json["assertionMethod"])


def test_the_issuer_profile_is_reachable_from_the_did_document(client):
    did_document = client.get("/.well-known/did.json").json
    services = {service["type"]: service for service in did_document["service"]}
    profile_url = services["IssuerProfile"]["serviceEndpoint"]
    profile = client.get(urlsplit(profile_url).path).json
    assert profile["id"] == did_document["id"]
    assert profile["type"] == ["Profile"] and profile["name"]
    assert services["LinkedDomains"]["serviceEndpoint"] == profile["url"]


def test_every_context_our_documents_list_is_pinned(client, issue):
    award = issue()
    documents = [
        client.get("/.well-known/did.json").json,
        client.get("/issuer").json,
        client.get(f"/badges/{award.uuid}.json").json,
    ]
    status_url = documents[2]["credentialStatus"]["statusListCredential"]
    documents.append(client.get(urlsplit(status_url).path).json)
    contexts = {c for document in documents for c in document["@context"]}
    assert contexts and all(is_pinned(c) for c in contexts), sorted(contexts)
    assert "https://w3id.org/security/jwk/v1" not in json.dumps(documents)
