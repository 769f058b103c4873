"""Verify-only suites still found on credentials in the wild.

- ``eddsa-2022``: the 2022 draft name of eddsa-rdfc-2022 (URDNA2015 is RDFC-1.0's former name),
  issued by early OB 3.0 implementations.
- ``Ed25519Signature2020``: W3C CCG suite; the same hashing and signature, its own proof type.
We never create these: new credentials use eddsa-rdfc-2022.
"""

from __future__ import annotations

from typing import Any

from keys.keypairs import PublicKey
from keys.proofs.data_integrity import Canonicalize, verify_hash
from keys.proofs.errors import UnsupportedProof
from schemas.canonical import canonicalize as rdfc_canonicalize


def verify_eddsa_2022(
    document: dict[str, Any],
    proof: dict[str, Any],
    public_key: PublicKey,
    *,
    canonicalize: Canonicalize = rdfc_canonicalize,
) -> None:
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != "eddsa-2022":
        raise UnsupportedProof("not an eddsa-2022 DataIntegrityProof")
    verify_hash(document, proof, public_key, canonicalize)


def verify_ed25519_signature_2020(
    document: dict[str, Any],
    proof: dict[str, Any],
    public_key: PublicKey,
    *,
    canonicalize: Canonicalize = rdfc_canonicalize,
) -> None:
    if proof.get("type") != "Ed25519Signature2020":
        raise UnsupportedProof("not an Ed25519Signature2020 proof")
    verify_hash(document, proof, public_key, canonicalize)
