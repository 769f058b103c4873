"""The ``eddsa-rdfc-2022`` cryptosuite (W3C vc-di-eddsa §3.3): create and verify."""

from __future__ import annotations

import copy
from typing import Any

from keys.keypairs import KeyPair, PublicKey
from keys.proofs.data_integrity import Canonicalize, sign_hash, unsecured, verify_hash
from keys.proofs.errors import UnsupportedProof
from schemas.canonical import canonicalize as rdfc_canonicalize

CRYPTOSUITE = "eddsa-rdfc-2022"
PROOF_TYPE = "DataIntegrityProof"
_DATA_INTEGRITY_CONTEXTS = {
    "https://www.w3.org/ns/credentials/v2",
    "https://w3id.org/security/data-integrity/v2",
}


def create_proof(
    document: dict[str, Any],
    key_pair: KeyPair,
    verification_method: str,
    *,
    created: str,
    proof_purpose: str = "assertionMethod",
    canonicalize: Canonicalize = rdfc_canonicalize,
) -> dict[str, Any]:
    """Return a copy of ``document`` secured with an eddsa-rdfc-2022 DataIntegrityProof.

    ``created`` is an XML Schema dateTimeStamp such as ``2026-11-23T16:00:00Z``. A VC DM 1.1
    document whose contexts do not define DataIntegrityProof gets the Data Integrity v2 context
    appended, as vc-di-eddsa §2.2 requires of documents that lack it.
    """
    secured = copy.deepcopy(unsecured(document))
    contexts = secured.get("@context")
    contexts = contexts if isinstance(contexts, list) else [contexts]
    if not _DATA_INTEGRITY_CONTEXTS.intersection(c for c in contexts if isinstance(c, str)):
        secured["@context"] = [*contexts, "https://w3id.org/security/data-integrity/v2"]
    proof = {
        "type": PROOF_TYPE,
        "created": created,
        "verificationMethod": verification_method,
        "cryptosuite": CRYPTOSUITE,
        "proofPurpose": proof_purpose,
    }
    proof["proofValue"] = sign_hash(secured, proof, key_pair, canonicalize)
    secured["proof"] = proof
    return secured


def verify_proof(
    document: dict[str, Any],
    proof: dict[str, Any],
    public_key: PublicKey,
    *,
    canonicalize: Canonicalize = rdfc_canonicalize,
) -> None:
    """Raise a :class:`~keys.proofs.errors.ProofError` unless ``proof`` secures ``document``."""
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        raise UnsupportedProof(f"not an {CRYPTOSUITE} DataIntegrityProof")
    verify_hash(document, proof, public_key, canonicalize)
