"""VC-JWT (OB 3.0 §8.2 "JSON Web Token Proof Format") and VC-JOSE-COSE compact JWS.

Two payload shapes:
- ``vc-jwt``: OB 3.0's JWT, header ``typ: JWT``, the credential in the ``vc`` claim beside the
  registered claims ``iss``, ``sub``, ``nbf``, ``jti`` and ``exp``;
- ``vc-jose``: W3C VC-JOSE-COSE §3.1.1 for VC DM 2.0, header ``typ: vc+jwt``, the payload is
  the credential itself.

Hardening (RFC 8725): compact serialization only; a JWE (five parts) is refused before any
decryption; the algorithm is pinned by the resolved key's type, so ``none``, HMAC and any
algorithm the key was not made for fail; a header pointing to a key or certificate (``jku``,
``x5u``, ``x5c``, ``x5t``), ``zip`` or ``crit`` is refused; a ``jwk`` (which OB 3.0 allows)
is never used.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from jwcrypto import jwk, jws
from jwcrypto.common import JWException

from keys.keypairs import KeyPair, PublicKey
from keys.proofs.errors import MalformedProof, SignatureInvalid, UnsupportedProof

JwtFormat = Literal["vc-jwt", "vc-jose"]
# Header members refused outright (RFC 8725 §3.10, §3.11): keys and certificates pointed to or
# carried by the token (the verifier resolves the issuer's key itself, so these could only
# mislead, or make it fetch a URL), and compression (a decompression bomb; RFC 7516 defines
# ``zip`` for JWE only). ``crit`` is refused below: no extension is understood. ``jwk`` is
# accepted and never used: OB 3.0 §8.2.3 lists it among a VC-JWT's header members, and the
# 1EdTech validator's samples carry it.
REFUSED_HEADERS = ("jku", "x5u", "x5c", "x5t", "x5t#S256", "zip")


@dataclass(frozen=True)
class DecodedJws:
    """A compact JWS split and parsed, not yet verified."""

    header: dict[str, Any]
    payload: dict[str, Any]
    signing_input: bytes
    signature: bytes
    format: JwtFormat

    @property
    def credential(self) -> dict[str, Any]:
        return self.payload["vc"] if self.format == "vc-jwt" else self.payload


def _b64url_json(data: Mapping[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64url_decode(part: str, what: str) -> bytes:
    if not part or any(c not in _B64URL_CHARS for c in part):
        raise MalformedProof(f"the JWS {what} is not base64url")
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


_B64URL_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _epoch(timestamp: str) -> int:
    return int(datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp())


def sign_jwt(
    credential: dict[str, Any],
    key_pair: KeyPair,
    kid: str,
    *,
    jwt_format: JwtFormat = "vc-jwt",
) -> str:
    """Sign ``credential`` as a compact JWS with the algorithm pinned to ``key_pair``'s type."""
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    header = {"alg": key_pair.jws_algorithm, "kid": kid}
    if jwt_format == "vc-jose":
        header["typ"] = "vc+jwt"
        header["cty"] = "vc"
        payload = credential
    else:
        header["typ"] = "JWT"
        subject = credential.get("credentialSubject")
        payload = {"iss": issuer_id, "jti": credential.get("id"), "vc": credential}
        if isinstance(subject, dict) and subject.get("id"):
            payload["sub"] = subject["id"]
        valid_from = credential.get("validFrom") or credential.get("issuanceDate")
        valid_until = credential.get("validUntil") or credential.get("expirationDate")
        if valid_from:
            payload["nbf"] = _epoch(valid_from)
            payload["iat"] = payload["nbf"]
        if valid_until:
            payload["exp"] = _epoch(valid_until)
        payload = {key: value for key, value in payload.items() if value is not None}
    token = jws.JWS(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    token.add_signature(
        jwk.JWK.from_pyca(key_pair.pyca()),
        alg=key_pair.jws_algorithm,
        protected=json.dumps(header),
    )
    return token.serialize(compact=True)


def decode_compact(token: str) -> DecodedJws:
    """Split and parse a compact JWS without verifying it; refuses anything else."""
    if not isinstance(token, str):
        raise MalformedProof("a JWT must be text")
    parts = token.strip().split(".")
    if len(parts) == 5:
        raise UnsupportedProof("encrypted JWTs (JWE) are not accepted")
    if len(parts) != 3:
        raise MalformedProof("not a compact JWS: expected three dot-separated parts")
    try:
        header = json.loads(_b64url_decode(parts[0], "header"))
        payload = json.loads(_b64url_decode(parts[1], "payload"))
    except (ValueError, UnicodeDecodeError) as error:
        if isinstance(error, MalformedProof):
            raise
        raise MalformedProof(f"the JWS header or payload is not JSON: {error}") from None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise MalformedProof("the JWS header and payload must be JSON objects")
    if "enc" in header:
        raise UnsupportedProof("encrypted JWTs (JWE) are not accepted")
    if header.get("b64") is False or "crit" in header:
        raise UnsupportedProof("JWS 'crit' / unencoded payloads are not supported")
    refused = [name for name in REFUSED_HEADERS if name in header]
    if refused:
        raise UnsupportedProof(
            f"the JWS header member {refused[0]!r} is refused (a token may not point to its "
            "own key or certificate, nor be compressed)"
        )
    jwt_format: JwtFormat = "vc-jwt" if "vc" in payload else "vc-jose"
    if jwt_format == "vc-jwt" and not isinstance(payload["vc"], dict):
        raise MalformedProof("the 'vc' claim must be a JSON object")
    return DecodedJws(
        header=header,
        payload=payload,
        signing_input=f"{parts[0]}.{parts[1]}".encode("ascii"),
        signature=_b64url_decode(parts[2], "signature") if parts[2] else b"",
        format=jwt_format,
    )


def verify_signature(decoded: DecodedJws, token: str, public_key: PublicKey) -> None:
    """Raise unless the JWS is signed by ``public_key`` with the one algorithm its type allows."""
    algorithm = decoded.header.get("alg")
    if not isinstance(algorithm, str) or algorithm != public_key.jws_algorithm:
        raise SignatureInvalid(
            f"JWS alg {algorithm!r} is not allowed for a {public_key.key_type} key "
            f"(only {public_key.jws_algorithm})"
        )
    verifier = jws.JWS()
    verifier.allowed_algs = [public_key.jws_algorithm]
    try:
        verifier.deserialize(token.strip())
        verifier.verify(jwk.JWK.from_pyca(public_key.pyca()), alg=public_key.jws_algorithm)
    except JWException as error:
        raise SignatureInvalid(f"the JWS signature does not verify: {error}") from None
