"""Proof suites: Data Integrity (eddsa-rdfc-2022; verify-only legacy suites) and JOSE."""

from keys.proofs.eddsa_rdfc_2022 import create_proof
from keys.proofs.errors import (
    MalformedProof,
    ProofError,
    SignatureInvalid,
    UnsafeJsonLd,
    UnsupportedProof,
)
from keys.proofs.jose import DecodedJws, decode_compact, sign_jwt, verify_signature
from keys.proofs.suites import SUPPORTED_PROOFS, verify_data_integrity

__all__ = [
    "SUPPORTED_PROOFS",
    "DecodedJws",
    "MalformedProof",
    "ProofError",
    "SignatureInvalid",
    "UnsafeJsonLd",
    "UnsupportedProof",
    "create_proof",
    "decode_compact",
    "sign_jwt",
    "verify_data_integrity",
    "verify_signature",
]
