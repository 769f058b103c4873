"""Pick the verify function for an embedded proof by its type and cryptosuite."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from keys.keypairs import PublicKey
from keys.proofs import ecdsa_sd_2023, eddsa_rdfc_2022, legacy
from keys.proofs.errors import UnsupportedProof

Verify = Callable[[dict[str, Any], dict[str, Any], PublicKey], None]

SUPPORTED_PROOFS: dict[tuple[str, str | None], Verify] = {
    ("DataIntegrityProof", "eddsa-rdfc-2022"): eddsa_rdfc_2022.verify_proof,
    ("DataIntegrityProof", "ecdsa-sd-2023"): ecdsa_sd_2023.verify_derived_proof,
    ("DataIntegrityProof", "eddsa-2022"): legacy.verify_eddsa_2022,
    ("Ed25519Signature2020", None): legacy.verify_ed25519_signature_2020,
}


def proof_kind(proof: dict[str, Any]) -> str:
    cryptosuite = proof.get("cryptosuite")
    return f"{proof.get('type')}/{cryptosuite}" if cryptosuite else str(proof.get("type"))


def verify_data_integrity(
    document: dict[str, Any], proof: dict[str, Any], public_key: PublicKey
) -> None:
    """Raise a ProofError unless ``proof`` (one of ``document``'s proofs) verifies."""
    proof_type = proof.get("type")
    cryptosuite = proof.get("cryptosuite") if proof_type == "DataIntegrityProof" else None
    names = (proof_type, cryptosuite)
    # JSON may hold a list or an object here, which cannot be looked up (and is not a suite).
    verify = SUPPORTED_PROOFS.get(names) if all(isinstance(n, str | None) for n in names) else None
    if verify is None:
        raise UnsupportedProof(f"proof type {proof_kind(proof)} is not supported")
    verify(document, proof, public_key)
