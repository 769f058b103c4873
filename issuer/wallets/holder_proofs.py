"""Checking what a wallet sends to prove it holds a key (pure: values in, holder DID out).

* OpenID4VCI 1.0 Appendix F.1, the ``jwt`` key proof type: a JWT signed by the wallet's key
  (named by ``kid`` = a did:key / did:jwk DID URL, or carried in ``jwk``), ``typ``
  ``openid4vci-proof+jwt``, ``aud`` = our Credential Issuer Identifier, a fresh ``iat`` and
  the ``nonce`` our Nonce Endpoint gave.
* VC-API exchanges with DID Authentication: a Verifiable Presentation whose proof
  (``proofPurpose: authentication``) is made by the ``holder``'s did:key, carrying our
  ``challenge`` (and, when the wallet names one, our ``domain``).

The holder id that comes out is what the credential's ``credentialSubject.id`` becomes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from keys.did import (
    InvalidDid,
    did_jwk_for,
    did_jwk_public_key,
    did_key_document,
    public_key_of,
)
from keys.keypairs import InvalidKey, PublicKey, public_key_from_jwk
from keys.proofs import ProofError, decode_compact, verify_data_integrity, verify_signature
from schemas import CanonicalizationError, ContextNotPinned

PROOF_JWT_TYPE = "openid4vci-proof+jwt"  # OpenID4VCI 1.0 Appendix F.1
PROOF_MAX_AGE = timedelta(minutes=5)  # how old a key proof's iat may be
CLOCK_SKEW = timedelta(minutes=1)  # how far in the future a wallet's clock may run
MAX_PROOF_CHARS = 16_000


class InvalidProof(ValueError):
    """The key proof is missing, malformed, not signed by the key it names, or not for us.
    (OpenID4VCI error ``invalid_proof``.)"""


class InvalidNonce(InvalidProof):
    """The key proof's ``nonce`` is not one our Nonce Endpoint issued, or it has expired.
    (OpenID4VCI error ``invalid_nonce``.)"""


def holder_key(header: dict[str, Any]) -> tuple[str, PublicKey]:
    """(holder DID, public key) from a JOSE header's ``kid`` (did:key or did:jwk DID URL) or
    ``jwk`` (whose holder DID is its did:jwk). OpenID4VCI 1.0 F.1: exactly one of them."""
    kid, jwk = header.get("kid"), header.get("jwk")
    if (kid is None) == (jwk is None) or "x5c" in header:
        raise InvalidProof("the proof must name its key by exactly one of 'kid' or 'jwk'")
    if jwk is not None:
        try:
            key = public_key_from_jwk(jwk)
        except InvalidKey as error:
            raise InvalidProof(f"the proof's jwk is not a usable public key: {error}") from None
        return did_jwk_for(key), key
    if not isinstance(kid, str):
        raise InvalidProof("the proof's kid must be a DID URL")
    did, _, fragment = kid.partition("#")
    return did, did_public_key(did, fragment)


def did_public_key(did: str, fragment: str) -> PublicKey:
    """The key of a did:key (fragment: its multibase value or empty) or did:jwk (fragment
    ``0`` or empty); other DID methods would need the network and are refused."""
    try:
        if did.startswith("did:key:"):
            document = did_key_document(did)
            method = document["verificationMethod"][0]
            if fragment and method["id"] != f"{did}#{fragment}":
                raise InvalidProof(f"{did} has no key #{fragment[:60]}")
            return public_key_of(method)
        if did.startswith("did:jwk:"):
            if fragment not in ("", "0"):
                raise InvalidProof("a did:jwk has one key, #0")
            return did_jwk_public_key(did)
    except (InvalidDid, InvalidKey) as error:
        raise InvalidProof(str(error)) from None
    raise InvalidProof("the wallet's key must be a did:key or did:jwk")


def check_proof_jwt(
    token: Any,
    *,
    audience: str,
    now: datetime,
    nonce_is_valid: Callable[[str], bool],
) -> str:
    """Check an OpenID4VCI ``jwt`` key proof (1.0 Appendix F.1 and F.4) and return the
    holder DID it proves. Raises :class:`InvalidProof` or :class:`InvalidNonce`."""
    if not isinstance(token, str) or not token or len(token) > MAX_PROOF_CHARS:
        raise InvalidProof("the jwt proof must be a compact JWT")
    try:
        decoded = decode_compact(token)
    except ProofError as error:
        raise InvalidProof(str(error)) from None
    header, claims = decoded.header, decoded.payload
    if header.get("typ") != PROOF_JWT_TYPE:
        raise InvalidProof(f"the proof's typ must be {PROOF_JWT_TYPE}")
    holder, key = holder_key(header)
    try:
        verify_signature(decoded, token, key)
    except ProofError as error:
        raise InvalidProof(str(error)) from None
    aud = claims.get("aud")
    if aud != audience and not (isinstance(aud, list) and audience in aud):
        raise InvalidProof(f"the proof's aud must be {audience}")
    iat = claims.get("iat")
    if not isinstance(iat, int | float) or isinstance(iat, bool):
        raise InvalidProof("the proof has no iat")
    issued = now.timestamp() - iat
    if issued > PROOF_MAX_AGE.total_seconds() or -issued > CLOCK_SKEW.total_seconds():
        raise InvalidProof("the proof's iat is not recent")
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not nonce:
        raise InvalidProof("the proof carries no nonce from the nonce endpoint")
    if not nonce_is_valid(nonce):
        raise InvalidNonce("the proof's nonce is unknown or expired; get a new one")
    return holder


def check_did_authentication(
    presentation: Any, *, challenge: str, domain: str, now: datetime
) -> str:
    """Check a DID Authentication presentation (VC-API exchanges; VC DM presentations with an
    ``authentication`` proof, Data Integrity ``challenge``/``domain``) and return its holder.

    The proof must be made by a key of the ``holder`` DID (a did:key: the wallet's own key,
    resolved offline), carry ``challenge``, and carry ``domain`` if it names one.
    Raises :class:`InvalidProof`.
    """
    if not isinstance(presentation, dict):
        raise InvalidProof("the presentation must be a JSON object")
    types = presentation.get("type")
    types = types if isinstance(types, list) else [types]
    if "VerifiablePresentation" not in types:
        raise InvalidProof("not a VerifiablePresentation")
    holder = presentation.get("holder")
    holder = holder.get("id") if isinstance(holder, dict) else holder
    if not isinstance(holder, str) or not holder.startswith("did:"):
        raise InvalidProof("the presentation names no holder DID")
    proofs = presentation.get("proof")
    proofs = proofs if isinstance(proofs, list) else [proofs]
    if len(proofs) != 1 or not isinstance(proofs[0], dict):
        raise InvalidProof("the presentation must carry exactly one proof")
    proof = proofs[0]
    if proof.get("proofPurpose") != "authentication":
        raise InvalidProof("the proof's purpose must be authentication")
    if proof.get("challenge") != challenge:
        raise InvalidProof("the proof does not carry this exchange's challenge")
    if "domain" in proof and proof["domain"] != domain:
        raise InvalidProof(f"the proof's domain must be {domain}")
    method = proof.get("verificationMethod")
    method = method.get("id") if isinstance(method, dict) else method
    if not isinstance(method, str) or method.partition("#")[0] != holder:
        raise InvalidProof("the proof is not made by a key of the holder")
    created = proof.get("created")
    if isinstance(created, str):
        try:
            if datetime.fromisoformat(created.replace("Z", "+00:00")) > now + CLOCK_SKEW:
                raise InvalidProof("the proof was created in the future")
        except (TypeError, ValueError) as error:
            if isinstance(error, InvalidProof):
                raise
            raise InvalidProof("the proof's created is not a date and time") from None
    key = did_public_key(holder, method.partition("#")[2])
    try:
        verify_data_integrity(presentation, proof, key)
    except (ProofError, CanonicalizationError, ContextNotPinned) as error:
        raise InvalidProof(f"the presentation's signature does not verify: {error}") from None
    return holder
