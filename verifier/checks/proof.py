"""The ``proof`` check: every embedded Data Integrity proof verifies (VC Data Integrity 1.0, proof
sets §4.5) with a key its controller lists for ``assertionMethod``, or the VC-JWT's signature
verifies (OB 3.0 §8.2.4; VC-JOSE-COSE). Followed by the ``issuer`` check
(:mod:`verifier.checks.issuer`), or its skipping with the reason."""

from __future__ import annotations

from typing import Any

from keys.proofs import SUPPORTED_PROOFS, ProofError, verify_data_integrity, verify_signature
from keys.proofs.jose import DecodedJws
from schemas.canonical import CanonicalizationError
from schemas.loader import ContextNotPinned
from verifier.checks.common import Checks, VerificationContext, as_list, issuer_id, parse_time
from verifier.checks.issuer import check_controllers, check_jwt_issuer, skip_issuer
from verifier.checks.signing_keys import KeyRevoked, jwt_key, resolve_key, vouched
from verifier.resolvers import NeedsNetwork, ResolutionError

SUPPORTED_PROOF_TYPES = {proof_type for proof_type, _ in SUPPORTED_PROOFS}


def check_embedded_proofs(
    credential: dict[str, Any], context: VerificationContext, checks: Checks
) -> None:
    """``proof`` then ``issuer`` for a credential with embedded proofs: each proof of a
    supported type, ``proofPurpose`` assertionMethod, ``created`` not in the future (with the
    context's clock skew), not ``expires``-d, its key resolved and its signature verified."""
    proofs = as_list(credential.get("proof"))
    issuer = issuer_id(credential)
    if not proofs:
        checks.add("proof", "failed", "The credential has no proof")
        skip_issuer(checks, "there is no proof to link to the issuer")
        return
    now = context.now()
    controllers = []
    for position, proof in enumerate(proofs, start=1):
        label = f"Proof {position}" if len(proofs) > 1 else "The proof"
        if not isinstance(proof, dict):
            checks.add("proof", "failed", f"{label} is not an object")
            return
        if not isinstance(proof.get("type"), str) or proof["type"] not in SUPPORTED_PROOF_TYPES:
            checks.add(
                "proof", "failed", f"{label} is of an unsupported type {proof.get('type')!r}"
            )
            skip_issuer(checks, "a proof could not be checked")
            return
        if proof.get("proofPurpose") != "assertionMethod":
            checks.add(
                "proof",
                "failed",
                f"{label} has proofPurpose {proof.get('proofPurpose')!r}, not assertionMethod",
            )
            return
        created, expires = parse_time(proof.get("created")), parse_time(proof.get("expires"))
        if created and created > now + context.clock_skew:
            checks.add("proof", "failed", f"{label} was created in the future ({proof['created']})")
            return
        if expires and expires <= now:
            checks.add("proof", "failed", f"{label} expired on {proof['expires']}")
            return
        try:
            try:
                key = resolve_key(proof.get("verificationMethod"), context, issuer)
            except KeyRevoked as revoked:
                key = vouched(revoked, credential.get("id"), credential, context)
        except KeyRevoked as error:
            checks.add("proof", "failed", f"{label} was {error}")
            skip_issuer(checks, "the signing key is no longer trusted")
            return
        except NeedsNetwork as error:
            checks.add("proof", "failed", f"Could not resolve the signing key offline: {error}")
            skip_issuer(checks, "the signing key could not be resolved")
            return
        except ResolutionError as error:
            checks.add(
                "proof", "failed", f"{label}: the signing key could not be resolved: {error}"
            )
            skip_issuer(checks, "the signing key could not be resolved")
            return
        try:
            verify_data_integrity(credential, proof, key.public_key)
        except ProofError as error:
            checks.add("proof", "failed", f"{label} does not verify: {error}")
            skip_issuer(checks, "the proof did not verify")
            return
        except (CanonicalizationError, ContextNotPinned) as error:
            checks.add("proof", "failed", f"{label} could not be checked: {error}")
            skip_issuer(checks, "the proof could not be checked")
            return
        controllers.append(key.controller)
    kinds = ", ".join(sorted({str(p.get("cryptosuite") or p.get("type")) for p in proofs}))
    checks.add("proof", "passed", f"Signature verified ({kinds})")
    check_controllers(controllers, issuer, checks)


def check_jwt(
    decoded: DecodedJws,
    token: str,
    credential: dict[str, Any],
    context: VerificationContext,
    checks: Checks,
) -> None:
    """``proof`` then ``issuer`` for a VC-JWT (``token``, decoded as ``decoded``)."""
    issuer = issuer_id(credential)
    try:
        try:
            key = jwt_key(decoded, issuer, context)
        except KeyRevoked as revoked:
            key = vouched(revoked, credential.get("id"), token, context)
        verify_signature(decoded, token, key.public_key)
    except KeyRevoked as error:
        checks.add("proof", "failed", f"The JWT was {error}")
        skip_issuer(checks, "the signing key is no longer trusted")
        return
    except NeedsNetwork as error:
        checks.add("proof", "failed", f"Could not resolve the signing key offline: {error}")
        skip_issuer(checks, "the signing key could not be resolved")
        return
    except ResolutionError as error:
        checks.add("proof", "failed", f"The signing key could not be resolved: {error}")
        skip_issuer(checks, "the signing key could not be resolved")
        return
    except ProofError as error:
        checks.add("proof", "failed", f"The JWT signature does not verify: {error}")
        skip_issuer(checks, "the signature did not verify")
        return
    checks.add("proof", "passed", f"JWT signature verified ({decoded.header.get('alg')})")
    check_jwt_issuer(decoded, key.controller, issuer, credential, context, checks)
