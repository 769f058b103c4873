"""VC-JWT (OB 3.0 §8.2 "JSON Web Token Proof Format") and VC-JOSE-COSE compact JWS.

Payload shapes:
- ``vc-jwt``: OB 3.0 §8.2.4.1 "JWT Payload Format" (what we issue): header ``typ: JWT``, the
  payload is the credential's own JSON object with the registered claims ``iss`` (issuer.id),
  ``jti`` (id), ``nbf`` (validFrom), ``exp`` (validUntil) and ``sub`` (credentialSubject.id)
  beside its properties; served as ``application/jwt`` (RFC 7519 §10.3.1);
- ``vc-claim``: the VC-1.1-style VC-JWT with the credential wrapped in a ``vc`` claim (what we
  issued before; still read, never written);
- ``vc-jose``: W3C VC-JOSE-COSE §3.1.1 for VC DM 2.0, header ``typ: vc+jwt``, the payload is
  the credential itself, registered claims optional; served as ``application/vc+jwt``.

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
from datetime import UTC, datetime
from typing import Any, Literal

from jwcrypto import jwk, jws
from jwcrypto.common import JWException

from keys.keypairs import KeyPair, PublicKey
from keys.proofs.errors import MalformedProof, SignatureInvalid, UnsupportedProof

JwtFormat = Literal["vc-jwt", "vc-claim", "vc-jose"]
# VC-JOSE-COSE §3.1.1 typ values (the second is the pre-2024 draft's, still seen in the wild)
VC_JOSE_TYPES = ("vc+jwt", "application/vc+jwt", "vc+ld+jwt")
MEDIA_TYPES = {
    "vc-jwt": "application/jwt",
    "vc-claim": "application/jwt",
    "vc-jose": "application/vc+jwt",
}
REGISTERED_CLAIMS = ("iss", "jti", "sub", "nbf", "exp", "iat")
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
        """The credential the token secures; for the §8.2.4.1 shape, the payload without the
        registered claims (they are checked against the credential, not part of it)."""
        if self.format == "vc-claim":
            return self.payload["vc"]
        if self.format == "vc-jwt":
            return without_registered_claims(self.payload)
        return self.payload

    @property
    def media_type(self) -> str:
        """The media type to serve this token with: ``application/jwt`` for OB 3.0's VC-JWT
        (``typ: JWT``), ``application/vc+jwt`` for VC-JOSE-COSE (§6.1.1)."""
        return MEDIA_TYPES[self.format]


def without_registered_claims(payload: Mapping[str, Any]) -> dict[str, Any]:
    """An OB 3.0 §8.2.4.1 payload without its registered claims: the credential it secures."""
    return {key: value for key, value in payload.items() if key not in REGISTERED_CLAIMS}


def _b64url_json(data: Mapping[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64url_decode(part: str, what: str) -> bytes:
    if not part or any(c not in _B64URL_CHARS for c in part):
        raise MalformedProof(f"the JWS {what} is not base64url")
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


_B64URL_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def numeric_date(timestamp: str) -> int:
    """RFC 7519 §2 NumericDate (whole seconds since the epoch) of an XML Schema dateTime;
    fractions of a second are dropped. Raises ValueError for text that is not a date-time."""
    moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() // 1)


def registered_claims(credential: Mapping[str, Any]) -> dict[str, Any]:
    """OB 3.0 §8.2.4.1: the JWT claims each credential property corresponds to (``exp`` from
    ``validUntil``, ``iss`` from ``issuer.id``, ``jti`` from ``id``, ``nbf`` from ``validFrom``,
    ``sub`` from ``credentialSubject.id``), only those whose property is present. VC DM 1.1
    names (``issuanceDate``, ``expirationDate``) stand in for ``validFrom``/``validUntil``."""
    issuer = credential.get("issuer")
    subject = credential.get("credentialSubject")
    valid_from = credential.get("validFrom") or credential.get("issuanceDate")
    valid_until = credential.get("validUntil") or credential.get("expirationDate")
    claims: dict[str, Any] = {
        "iss": issuer.get("id") if isinstance(issuer, Mapping) else issuer,
        "jti": credential.get("id"),
        "sub": subject.get("id") if isinstance(subject, Mapping) else None,
        "nbf": numeric_date(valid_from) if isinstance(valid_from, str) else None,
        "exp": numeric_date(valid_until) if isinstance(valid_until, str) else None,
    }
    return {name: value for name, value in claims.items() if value is not None}


def sign_jwt(
    credential: dict[str, Any],
    key_pair: KeyPair,
    kid: str,
    *,
    jwt_format: JwtFormat = "vc-jwt",
) -> str:
    """Sign ``credential`` as a compact JWS with the algorithm pinned to ``key_pair``'s type.

    ``vc-jwt`` (default): OB 3.0 §8.2.3/§8.2.4.1, header ``{alg, kid, typ: "JWT"}`` and the
    credential's properties at the top of the payload with its registered claims beside them.
    ``vc-jose``: VC-JOSE-COSE §3.1.1, header ``typ: vc+jwt``, ``cty: vc``, the credential as
    the payload, unchanged. The ``vc``-claim shape is never written. ``kid`` is the absolute
    URL of a verification method that publishes the key as a JWK (OB 3.0 §8.2.3).
    Raises ValueError when the credential already carries a registered claim name.
    """
    header = {"alg": key_pair.jws_algorithm, "kid": kid}
    if jwt_format == "vc-jose":
        header["typ"] = "vc+jwt"
        header["cty"] = "vc"
        payload = credential
    elif jwt_format == "vc-jwt":
        header["typ"] = "JWT"
        clashing = [name for name in REGISTERED_CLAIMS if name in credential]
        if clashing:
            raise ValueError(f"the credential already has a property named {clashing[0]!r}")
        payload = {**credential, **registered_claims(credential)}
    else:
        raise ValueError(f"we do not issue the {jwt_format!r} JWT shape")
    return sign_compact(header, payload, key_pair)


def sign_compact(header: Mapping[str, Any], payload: Mapping[str, Any], key_pair: KeyPair) -> str:
    """RFC 7515 §7.1 compact serialization of ``payload`` signed by ``key_pair``:
    ``BASE64URL(UTF8(header)) '.' BASE64URL(payload) '.' BASE64URL(signature)``, both JSON
    objects written compactly in UTF-8. The signature is over the ASCII signing input
    (RFC 7515 §5.1): ES256 as the raw 64-byte ``r || s`` (RFC 7518 §3.4, not DER), EdDSA as
    Ed25519 (RFC 8037 §3.1), RS256 as RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3).

    Our own signing only, straight over ``cryptography`` through :meth:`KeyPair.sign`: the
    same token jwcrypto's object model makes (tests compare them), without building a JWK from
    the private key per token, which cost ten times the signature. ``header['alg']`` must be
    the key's one algorithm (RFC 8725 §3.1); raises ValueError otherwise.
    Verification stays on jwcrypto (:func:`verify_signature`).
    """
    if header.get("alg") != key_pair.jws_algorithm:
        raise ValueError(
            f"a {key_pair.key_type} key signs {key_pair.jws_algorithm}, not {header.get('alg')!r}"
        )
    signing_input = f"{_b64url_json(header)}.{_b64url_json(payload)}"
    signature = key_pair.sign(signing_input.encode("ascii"))
    return f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode('ascii')}"


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
    jwt_format: JwtFormat
    if "vc" in payload:
        jwt_format = "vc-claim"
        if not isinstance(payload["vc"], dict):
            raise MalformedProof("the 'vc' claim must be a JSON object")
    elif header.get("typ") in VC_JOSE_TYPES:
        jwt_format = "vc-jose"
    else:
        jwt_format = "vc-jwt"
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
