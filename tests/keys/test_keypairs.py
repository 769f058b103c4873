import pytest

from keys.did import controller_document, did_key_document, did_web_url, public_key_of
from keys.keypairs import (
    InvalidKey,
    KeyPair,
    ed25519_public_key,
    public_key_from_jwk,
    public_key_from_multikey,
    seal_private_key,
    unseal_private_key,
)


@pytest.mark.parametrize("key_type", ["Ed25519", "P-256", "RSA"])
def test_sign_and_verify_round_trip_through_jwk(key_type):
    key_pair = KeyPair.generate(key_type)
    signature = key_pair.sign(b"message")
    restored = public_key_from_jwk(key_pair.public_key.to_jwk())
    assert restored.verify(signature, b"message")
    assert not restored.verify(signature, b"other message")


@pytest.mark.parametrize(("key_type", "prefix"), [("Ed25519", "z6Mk"), ("P-256", "zDn")])
def test_multikey_encoding_round_trips(key_type, prefix):
    public_key = KeyPair.generate(key_type).public_key
    multikey = public_key.to_multikey()
    assert multikey.startswith(prefix)
    assert public_key_from_multikey(multikey).raw_bytes() == public_key.raw_bytes()


@pytest.mark.parametrize(
    "encoded",
    [
        "0100000000000000000000000000000000000000000000000000000000000000",  # identity
        "0000000000000000000000000000000000000000000000000000000000000080",  # order 4, sign bit
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",  # order 8
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # order 2
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # non-canonical 1
    ],
)
def test_small_order_ed25519_keys_are_refused_when_decoded(encoded):
    with pytest.raises(InvalidKey, match="small order"):
        ed25519_public_key(bytes.fromhex(encoded))


def test_private_jwk_members_are_refused():
    jwk = KeyPair.generate("P-256").public_key.to_jwk() | {"d": "AAAA"}
    with pytest.raises(InvalidKey, match="private"):
        public_key_from_jwk(jwk)


def test_short_rsa_keys_are_refused():
    with pytest.raises(InvalidKey, match="2048"):
        public_key_from_jwk({"kty": "RSA", "n": "AQAB" * 10, "e": "AQAB"})


def test_sealed_keys_need_the_passphrase():
    key_pair = KeyPair.generate("Ed25519")
    sealed = seal_private_key(key_pair, "correct horse", scrypt_n=2**14)
    assert sealed["scrypt"]["n"] == 2**14
    assert "correct horse" not in str(sealed)
    restored = unseal_private_key(sealed, "correct horse")
    assert restored.public_key.raw_bytes() == key_pair.public_key.raw_bytes()
    with pytest.raises(InvalidKey, match="wrong passphrase"):
        unseal_private_key(sealed, "wrong")


def test_did_key_document_is_derived_offline():
    public_key = KeyPair.generate().public_key
    did = "did:key:" + public_key.to_multikey()
    document = did_key_document(did)
    method = document["verificationMethod"][0]
    assert method["id"] == f"{did}#{public_key.to_multikey()}"
    assert document["assertionMethod"] == [method["id"]]
    assert public_key_of(method).raw_bytes() == public_key.raw_bytes()


@pytest.mark.parametrize(
    ("did", "url"),
    [
        ("did:web:example.org", "https://example.org/.well-known/did.json"),
        ("did:web:localhost%3A5000", "https://localhost:5000/.well-known/did.json"),
        ("did:web:example.org:issuers:42", "https://example.org/issuers/42/did.json"),
    ],
)
def test_did_web_urls(did, url):
    assert did_web_url(did) == url


def test_controller_document_lists_every_key_for_assertion():
    keys = [("ed-1", KeyPair.generate().public_key), ("rsa-1", KeyPair.generate("RSA").public_key)]
    document = controller_document("did:web:example.org", keys)
    assert document["assertionMethod"] == [
        "did:web:example.org#ed-1", "did:web:example.org#ed-1-jwk", "did:web:example.org#rsa-1"
    ]  # fmt: skip
    types = [(m["type"], public_key_of(m).key_type) for m in document["verificationMethod"]]
    assert types == [("Multikey", "Ed25519"), ("JsonWebKey", "Ed25519"), ("JsonWebKey", "RSA")]
