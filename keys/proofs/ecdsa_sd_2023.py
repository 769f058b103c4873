"""The ``ecdsa-sd-2023`` cryptosuite, verifier side (W3C vc-di-ecdsa §3.6 "ecdsa-sd-2023").

We verify derived proofs only: the document a holder presents, revealing some statements of a
credential the issuer signed with a base proof. We neither issue base proofs nor derive proofs.

Verify Derived Proof (§3.6.7) with createVerifyData (§3.5.9):

1. parse the proofValue: base signature, proof-scoped public key, one signature per revealed
   non-mandatory statement, the label map, the mandatory indexes (``_sd_proof_value``);
2. ``proofHash`` = SHA-256 of the RDFC-1.0 canonical proof options (the proof without
   ``proofValue``, with the document's ``@context``), as for every RDFC Data Integrity suite;
3. canonicalize the revealed document, replace each ``_:c14nN`` by the HMAC label the issuer
   signed, sort again (``_sd_canonical``);
4. the N-Quads at ``mandatoryIndexes`` are mandatory: ``mandatoryHash`` = SHA-256 of them joined;
   the others are non-mandatory, one per signature, in order;
5. the issuer's P-256 key must verify the base signature over
   ``proofHash ‖ publicKey ‖ mandatoryHash`` (serializeSignData), and the proof-scoped key each
   non-mandatory N-Quad's signature (ES256 over its UTF-8 bytes).

A change to any revealed value changes its N-Quad, so either its signature or the mandatory hash
no longer matches; statements the holder left out are simply absent, as intended.
"""

from __future__ import annotations

import hashlib
from typing import Any

from keys.keypairs import PublicKey
from keys.proofs._sd_canonical import (
    Canonicalize,
    hash_mandatory_nquads,
    label_replacement_canonicalize,
)
from keys.proofs._sd_proof_value import DerivedProofValue, parse_derived_proof_value
from keys.proofs.data_integrity import (
    check_context_prefix,
    proof_configuration,
    require_safe_view,
    unsecured,
)
from keys.proofs.errors import SignatureInvalid, UnsupportedProof
from schemas.canonical import canonicalize as rdfc_canonicalize

CRYPTOSUITE = "ecdsa-sd-2023"
PROOF_TYPE = "DataIntegrityProof"

__all__ = ["CRYPTOSUITE", "PROOF_TYPE", "verify_derived_proof"]


def verify_derived_proof(
    document: dict[str, Any],
    proof: dict[str, Any],
    public_key: PublicKey,
    *,
    canonicalize: Canonicalize = rdfc_canonicalize,
) -> None:
    """Raise a :class:`~keys.proofs.errors.ProofError` unless ``proof`` secures ``document``.

    ``document`` is the revealed (derived) credential, ``proof`` one of its proofs and
    ``public_key`` the issuer's P-256 key named by ``proof.verificationMethod``.

    Raises:
        UnsupportedProof: not an ecdsa-sd-2023 DataIntegrityProof, or a base proof (which only
            the holder verifies).
        MalformedProof: the proofValue or the proof options are not well formed.
        SignatureInvalid: the proof does not match the document and key: a signature fails
            (wrong key, or a changed, added or removed statement), or the document has blank
            nodes or fewer statements than the proof's label map and indexes describe.
    """
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        raise UnsupportedProof(f"not an {CRYPTOSUITE} DataIntegrityProof")
    if public_key.key_type != "P-256":
        raise SignatureInvalid(f"this proof needs a P-256 key, not {public_key.key_type}")
    parsed = parse_derived_proof_value(proof.get("proofValue"))
    context = check_context_prefix(document, proof)
    configuration = proof_configuration(proof, context)
    revealed = unsecured(document)
    require_safe_view(configuration, "proof configuration")
    proof_hash = _sha256(canonicalize(configuration))
    mandatory, non_mandatory = _create_verify_data(revealed, parsed, canonicalize)
    sign_data = proof_hash + parsed.public_key + hash_mandatory_nquads(mandatory)
    if not public_key.verify(parsed.base_signature, sign_data):
        raise SignatureInvalid(
            "the base signature does not match the issuer's key, the proof options and the "
            "mandatory statements"
        )
    if len(parsed.signatures) != len(non_mandatory):
        raise SignatureInvalid(
            f"the document reveals {len(non_mandatory)} non-mandatory statements but the "
            f"proof signs {len(parsed.signatures)}"
        )
    for position, (signature, nquad) in enumerate(
        zip(parsed.signatures, non_mandatory, strict=True)
    ):
        if not parsed.ephemeral_key.verify(signature, nquad.encode("utf-8")):
            raise SignatureInvalid(
                f"revealed statement {position + 1} of {len(non_mandatory)} does not match its "
                f"signature: {_excerpt(nquad)}"
            )


def _create_verify_data(
    document: dict[str, Any], parsed: DerivedProofValue, canonicalize: Canonicalize
) -> tuple[list[str], list[str]]:
    """createVerifyData steps 3-7: the relabelled N-Quads split into mandatory and the rest."""
    nquads = label_replacement_canonicalize(document, parsed.label_map, canonicalize)
    out_of_range = [index for index in parsed.mandatory_indexes if index >= len(nquads)]
    if out_of_range:
        raise SignatureInvalid(
            f"the proof's mandatoryIndexes {out_of_range} point past the document's "
            f"{len(nquads)} statements: the document is not the one the proof was derived for"
        )
    wanted = set(parsed.mandatory_indexes)
    mandatory = [nquad for index, nquad in enumerate(nquads) if index in wanted]
    non_mandatory = [nquad for index, nquad in enumerate(nquads) if index not in wanted]
    return mandatory, non_mandatory


def _sha256(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def _excerpt(nquad: str, limit: int = 160) -> str:
    text = nquad.rstrip("\n")
    return text if len(text) <= limit else text[: limit - 1] + "…"
