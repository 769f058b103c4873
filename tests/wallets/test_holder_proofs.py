"""The wallet's key from a proof's kid or jwk: did:key and did:jwk only, offline, public keys
only (did:jwk method specification; OpenID4VCI 1.0 Appendix F.1)."""

from __future__ import annotations

import base64
import json

import pytest

from issuer.wallets.holder_proofs import InvalidProof, did_public_key, holder_key
from keys.did import InvalidDid, did_jwk_for, did_jwk_public_key
from keys.keypairs import KeyPair


@pytest.mark.parametrize("key_type", ["Ed25519", "P-256"])
def test_did_jwk_round_trips_the_public_key(key_type):
    key = KeyPair.generate(key_type).public_key
    did = did_jwk_for(key)
    assert did.startswith("did:jwk:ey")  # base64url of a JSON object
    assert did_jwk_public_key(did).to_jwk() == key.to_jwk()
    assert holder_key({"jwk": key.to_jwk()})[0] == did
    assert did_public_key(did, "0").to_jwk() == key.to_jwk()


def test_a_did_jwk_carrying_a_private_key_is_refused():
    private = KeyPair.generate("P-256")
    jwk = private.public_key.to_jwk() | {"d": "AAAA"}
    encoded = base64.urlsafe_b64encode(json.dumps(jwk).encode()).rstrip(b"=").decode()
    with pytest.raises(InvalidDid, match="private"):
        did_jwk_public_key(f"did:jwk:{encoded}")
    with pytest.raises(InvalidProof):
        holder_key({"jwk": jwk})


@pytest.mark.parametrize(
    "did", ["did:jwk:not-base64!", "did:jwk:" + "A" * 3000, "did:jwk:bnVsbA", "did:key:zNope"]
)
def test_malformed_holder_dids_are_invalid_proofs(did):
    with pytest.raises(InvalidProof):
        did_public_key(did, "")


def test_a_did_key_fragment_must_name_its_own_key():
    did = "did:key:" + KeyPair.generate("Ed25519").public_key.to_multikey()
    assert did_public_key(did, did.removeprefix("did:key:"))
    with pytest.raises(InvalidProof, match="has no key"):
        did_public_key(did, "z6MkSomeoneElse")
