"""Class 5, proofs (issue #8 item 1): the proof's own ``@context`` and safe mode on every
hashed view.

VC Data Integrity 1.0 §4.4 "Verify Proof" step 4 lets a proof carry an ``@context`` that must
match the start of the document's; the document is then hashed under the proof's context. If
that context is ``[VC v2]`` alone, every Open Badges term is undefined in the hashed view and
JSON-LD expansion drops it, so the signature covers none of them. A credential signed that way
could have its achievement, criteria and recipient rewritten and still verify. Every hashed view
(the document and the proof configuration) must therefore pass JSON-LD safe mode: no term
dropped, no relative IRI, nothing defined only through ``@vocab``.
"""

from __future__ import annotations

import copy
import hashlib
from typing import Any

import pytest

from keys.keypairs import KeyPair
from keys.multibase import encode_base58btc
from keys.proofs import ProofError, create_proof
from keys.proofs.data_integrity import unsecured
from keys.proofs.eddsa_rdfc_2022 import verify_proof
from schemas.canonical import canonicalize
from schemas.loader import VC_V2
from tests.security.conftest import failed
from tests.verifier.conftest import make_credential
from verifier.inputs import ParsedInput
from verifier.verification import verify


def _sign_under(document: dict[str, Any], key_pair: KeyPair, method: str, proof_context: Any):
    """What a careless (or complicit) signer produces: an eddsa-rdfc-2022 proof whose own
    @context is ``proof_context``, hashed exactly as the spec's algorithm says, without any
    safe-mode check (plain RDFC-1.0, undefined terms silently dropped)."""
    proof = {
        "@context": proof_context,
        "type": "DataIntegrityProof",
        "created": "2026-11-23T11:59:00Z",
        "verificationMethod": method,
        "cryptosuite": "eddsa-rdfc-2022",
        "proofPurpose": "assertionMethod",
    }
    view = unsecured(document) | {"@context": proof_context}

    def digest(value: dict[str, Any]) -> bytes:
        return hashlib.sha256(canonicalize(value).encode("utf-8")).digest()

    proof["proofValue"] = encode_base58btc(key_pair.sign(digest(proof) + digest(view)))
    return unsecured(document) | {"proof": proof}


def _issuer_key(signer):
    key = signer.key_store.current("Ed25519")
    return key.key_pair, signer.method_id(key.record.id)


def _rewrite_achievement(signed: dict[str, Any]) -> dict[str, Any]:
    forged = copy.deepcopy(signed)
    achievement = forged["credentialSubject"]["achievement"]
    achievement["name"] = "Registered Nurse License"
    achievement["criteria"]["narrative"] = "Passed the NCLEX-RN."
    forged["credentialSubject"]["identifier"][0]["identityHash"] = "sha256$" + "0" * 64
    return forged


def test_a_proof_context_that_drops_the_open_badges_terms_fails_vc_di_4_4(signer, context):
    """VC DI 1.0 §4.4 step 4 + safe mode: a proof under ``[VC v2]`` alone signs none of the
    OB terms, so it must not verify, neither as signed nor after the achievement is rewritten."""
    key_pair, method = _issuer_key(signer)
    signed = _sign_under(make_credential(), key_pair, method, [VC_V2])
    for document in (signed, _rewrite_achievement(signed)):
        report = verify(ParsedInput("ldp", document), context)
        assert not report.verified
        message = failed(report)["proof"]
        assert "not defined" in message or "dropped" in message, message
        assert report.credential.name is None and report.credential.issuer_name is None


def test_a_forged_achievement_under_the_short_proof_context_fails_in_the_library(signer):
    """The suite's own verify function refuses it too (not only the verifier's pipeline)."""
    key_pair, method = _issuer_key(signer)
    forged = _rewrite_achievement(_sign_under(make_credential(), key_pair, method, [VC_V2]))
    with pytest.raises(ProofError):
        verify_proof(forged, forged["proof"], key_pair.public_key)


def test_a_proof_context_equal_to_the_documents_verifies(signer, context):
    """The rule does not refuse a proof that repeats the document's whole @context."""
    key_pair, method = _issuer_key(signer)
    credential = make_credential()
    signed = _sign_under(credential, key_pair, method, credential["@context"])
    report = verify(ParsedInput("ldp", signed), context)
    assert report.verified, failed(report)
    assert report.credential.achievement_name == "Health Care Industry Badge"


def test_a_proof_context_that_is_not_a_prefix_of_the_documents_fails(signer, context):
    key_pair, method = _issuer_key(signer)
    credential = make_credential()
    signed = _sign_under(credential, key_pair, method, list(reversed(credential["@context"])))
    report = verify(ParsedInput("ldp", signed), context)
    assert "does not prefix" in failed(report)["proof"]


def test_an_undefined_property_in_the_proof_is_refused_not_dropped(signer, context):
    """The proof configuration is a hashed view too: a member no context defines would be
    dropped from what is signed, so a proof carrying one fails (even correctly signed)."""
    key_pair, method = _issuer_key(signer)
    credential = make_credential()
    secured = create_proof(credential, key_pair, method, created="2026-11-23T11:59:00Z")
    proof = secured["proof"] | {"note": "unsigned text"}
    proof.pop("proofValue")
    view = unsecured(secured)

    def digest(value: dict[str, Any]) -> bytes:
        return hashlib.sha256(canonicalize(value).encode("utf-8")).digest()

    proof["proofValue"] = encode_base58btc(
        key_pair.sign(digest(proof | {"@context": view["@context"]}) + digest(view))
    )
    report = verify(ParsedInput("ldp", view | {"proof": proof}), context)
    assert "note" in failed(report)["proof"]


def test_the_legacy_eddsa_2022_suite_refuses_the_short_proof_context_too(signer):
    """eddsa-2022 hashes as eddsa-rdfc-2022 does (keys/proofs/legacy.py), so the same forgery
    under its name must fail the same way."""
    from keys.proofs.legacy import verify_eddsa_2022

    key_pair, method = _issuer_key(signer)
    credential = make_credential()
    proof_context = [VC_V2]
    proof = {
        "@context": proof_context,
        "type": "DataIntegrityProof",
        "created": "2026-11-23T11:59:00Z",
        "verificationMethod": method,
        "cryptosuite": "eddsa-2022",
        "proofPurpose": "assertionMethod",
    }

    def digest(value: dict[str, Any]) -> bytes:
        return hashlib.sha256(canonicalize(value).encode("utf-8")).digest()

    view = unsecured(credential) | {"@context": proof_context}
    proof["proofValue"] = encode_base58btc(key_pair.sign(digest(proof) + digest(view)))
    forged = _rewrite_achievement(credential | {"proof": proof})
    with pytest.raises(ProofError, match="leaves terms undefined"):
        verify_eddsa_2022(forged, forged["proof"], key_pair.public_key)


def test_an_ecdsa_sd_2023_proof_with_a_member_no_context_defines_fails():
    """ecdsa-sd-2023 hashes its proof options under the document's contexts too: a member they
    leave undefined would be dropped from the proof hash, so it is refused (the 1EdTech
    selective-disclosure sample verifies without it)."""
    from keys.keypairs import public_key_from_multikey
    from keys.proofs.ecdsa_sd_2023 import verify_derived_proof
    from keys.proofs.errors import UnsafeJsonLd
    from tests.keys.test_ecdsa_sd_2023 import OB_SAMPLE, _load

    derived = _load(OB_SAMPLE)
    proof = derived["proof"][0] if isinstance(derived["proof"], list) else derived["proof"]
    key = public_key_from_multikey(proof["verificationMethod"].split("#", 1)[1])
    verify_derived_proof(derived, proof, key)
    tampered = proof | {"note": "not covered by the signature"}
    with pytest.raises(UnsafeJsonLd, match="note"):
        verify_derived_proof(derived, tampered, key)
