"""The OB 3.0 Implementation Guide's eddsa-rdfc-2022 test vector, reproduced byte for byte."""

import copy
import hashlib

import pytest

from keys.keypairs import KeyPair
from keys.proofs import MalformedProof, SignatureInvalid, UnsupportedProof, create_proof
from keys.proofs.data_integrity import proof_configuration
from keys.proofs.eddsa_rdfc_2022 import verify_proof
from schemas.canonical import canonicalize


def test_key_pair_matches_the_vector(vector):
    public_key = vector["key_pair"].public_key
    assert public_key.raw_bytes().hex() == vector["expected"]["publicKeyHex"]
    assert public_key.to_multikey() == vector["expected"]["publicKeyMultibase"]


def test_canonical_document_and_hash(vector):
    nquads = canonicalize(vector["credential"])
    assert nquads == vector["document_canon"]
    assert hashlib.sha256(nquads.encode()).hexdigest() == vector["expected"]["documentHashHex"]


def test_canonical_proof_configuration_and_hash(vector):
    configuration = proof_configuration(vector["proof_options"], vector["credential"]["@context"])
    nquads = canonicalize(configuration)
    assert nquads == vector["proof_canon"]
    assert hashlib.sha256(nquads.encode()).hexdigest() == vector["expected"]["proofHashHex"]


def test_signature_and_proof_value_and_signed_document(vector):
    options = vector["proof_options"]
    signed = create_proof(
        vector["credential"],
        vector["key_pair"],
        options["verificationMethod"],
        created=options["created"],
    )
    assert signed["proof"]["proofValue"] == vector["expected"]["proofValue"]
    assert signed == vector["signed"]
    data = bytes.fromhex(vector["expected"]["dataToSignHex"])
    assert vector["key_pair"].sign(data).hex() == vector["expected"]["signatureHex"]


def test_the_signed_vector_verifies(vector):
    signed = vector["signed"]
    verify_proof(signed, signed["proof"], vector["key_pair"].public_key)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("name",), "Teamwork Badge (forged)"),
        (("validFrom",), "2009-01-01T00:00:00Z"),
        (("issuer", "name"), "Someone Else"),
        (("credentialSubject", "id"), "did:example:attacker"),
        (("credentialSubject", "achievement", "criteria", "narrative"), "Anyone."),
        (("proof", "created"), "2011-01-01T19:23:24Z"),
        (("proof", "verificationMethod"), "https://example.edu/issuers/565049#other"),
    ],
)
def test_tampering_with_any_signed_field_fails(vector, path, value):
    forged = copy.deepcopy(vector["signed"])
    target = forged
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(SignatureInvalid):
        verify_proof(forged, forged["proof"], vector["key_pair"].public_key)


def test_adding_an_unsigned_property_fails(vector):
    forged = copy.deepcopy(vector["signed"])
    forged["description"] = "added after signing"
    with pytest.raises(SignatureInvalid):
        verify_proof(forged, forged["proof"], vector["key_pair"].public_key)


def test_another_key_does_not_verify(vector):
    from keys.keypairs import KeyPair

    signed = vector["signed"]
    with pytest.raises(SignatureInvalid):
        verify_proof(signed, signed["proof"], KeyPair.generate().public_key)


@pytest.mark.parametrize(
    ("proof_value", "message"),
    [
        ("not-multibase", "base58btc"),
        ("z0OIl", "base58btc character"),
        ("z" + "1" * 10, "bytes, not 64"),
        ("uAAAA", "base58btc"),
    ],
)
def test_malformed_proof_values_fail_cleanly(vector, proof_value, message):
    forged = copy.deepcopy(vector["signed"])
    forged["proof"]["proofValue"] = proof_value
    with pytest.raises(MalformedProof, match=message):
        verify_proof(forged, forged["proof"], vector["key_pair"].public_key)


def test_wrong_cryptosuite_is_unsupported(vector):
    forged = copy.deepcopy(vector["signed"])
    forged["proof"]["cryptosuite"] = "ecdsa-rdfc-2019"
    with pytest.raises(UnsupportedProof):
        verify_proof(forged, forged["proof"], vector["key_pair"].public_key)


def test_created_must_be_a_date_time_stamp(vector):
    forged = copy.deepcopy(vector["signed"])
    forged["proof"]["created"] = "2010-01-01"
    with pytest.raises(MalformedProof, match="dateTimeStamp"):
        verify_proof(forged, forged["proof"], vector["key_pair"].public_key)


def test_proof_context_must_prefix_the_document_context(vector):
    forged = copy.deepcopy(vector["signed"])
    forged["proof"]["@context"] = ["https://www.w3.org/2018/credentials/v1"]
    with pytest.raises(MalformedProof, match="prefix"):
        verify_proof(forged, forged["proof"], vector["key_pair"].public_key)


def test_a_vc_1_1_document_gets_the_data_integrity_context(vector):
    credential = {
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:2f5a0f4e-2a43-4a4c-9f83-5f4c2a1f0a11",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "did:example:issuer", "type": ["Profile"], "name": "Example"},
        "issuanceDate": "2024-01-01T00:00:00Z",
        "credentialSubject": {"type": ["AchievementSubject"]},
    }
    signed = create_proof(
        credential, vector["key_pair"], "did:example:issuer#key-1", created="2024-01-01T00:00:00Z"
    )
    assert signed["@context"][-1] == "https://w3id.org/security/data-integrity/v2"
    verify_proof(signed, signed["proof"], vector["key_pair"].public_key)


def test_many_signatures_in_a_row_each_cover_their_own_created_time_and_key(vector):
    """Bulk signing keeps the proof configuration's hash between signatures (same second,
    same key): each proof must still verify, and one made a second later or with another key
    must cover its own ``created`` and ``verificationMethod``, not the remembered ones."""
    other_key = KeyPair.generate("Ed25519")
    signed = []
    for n, (created, key_pair, method) in enumerate(
        [
            ("2026-11-30T02:00:00Z", vector["key_pair"], "did:example:issuer#key-1"),
            ("2026-11-30T02:00:00Z", vector["key_pair"], "did:example:issuer#key-1"),
            ("2026-11-30T02:00:01Z", vector["key_pair"], "did:example:issuer#key-1"),
            ("2026-11-30T02:00:01Z", other_key, "did:example:issuer#key-2"),
        ]
    ):
        document = {**copy.deepcopy(vector["credential"]), "name": f"Badge {n}"}
        signed.append((create_proof(document, key_pair, method, created=created), key_pair))
    for document, key_pair in signed:
        verify_proof(document, document["proof"], key_pair.public_key)
    with pytest.raises(SignatureInvalid):  # a created time changed after signing is caught
        moved = copy.deepcopy(signed[2][0])
        moved["proof"]["created"] = "2026-11-30T02:00:00Z"
        verify_proof(moved, moved["proof"], signed[2][1].public_key)
