"""DID documents: did:key derived offline, did:web documents built for our issuer, and the
mapping from a verification method to a public key.

W3C did:key v0.7 and did:web method specifications; key representations per W3C Controlled
Identifiers 1.0 (Multikey ``publicKeyMultibase``, JsonWebKey ``publicKeyJwk``).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote

from keys.keypairs import InvalidKey, PublicKey, public_key_from_jwk, public_key_from_multikey

DID_CONTEXTS = [
    "https://www.w3.org/ns/did/v1",
    "https://w3id.org/security/multikey/v1",
    "https://w3id.org/security/jwk/v1",
]
# Verification method types we read a key from.
_MULTIBASE_TYPES = {"Multikey", "Ed25519VerificationKey2020"}
_JWK_TYPES = {"JsonWebKey", "JsonWebKey2020"}


class InvalidDid(ValueError):
    """A DID or DID URL is malformed or of a method this code cannot handle offline."""


def did_key_document(did: str) -> dict[str, Any]:
    """The DID document of a ``did:key`` (Ed25519 ``z6Mk…`` or P-256 ``zDn…``), derived offline."""
    if not did.startswith("did:key:z"):
        raise InvalidDid(f"{did!r} is not a did:key with a base58btc multibase value")
    multibase_value = did.removeprefix("did:key:")
    try:
        public_key_from_multikey(multibase_value)
    except InvalidKey as error:
        raise InvalidDid(f"{did}: {error}") from None
    method_id = f"{did}#{multibase_value}"
    return {
        "@context": DID_CONTEXTS[:2],
        "id": did,
        "verificationMethod": [
            {
                "id": method_id,
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": multibase_value,
            }
        ],
        "authentication": [method_id],
        "assertionMethod": [method_id],
        "capabilityDelegation": [method_id],
        "capabilityInvocation": [method_id],
    }


def did_key_for(public_key: PublicKey) -> str:
    return "did:key:" + public_key.to_multikey()


_MAX_DID_JWK_CHARS = 2000


def did_jwk_for(public_key: PublicKey) -> str:
    """The ``did:jwk`` of a public key: ``did:jwk:`` + base64url(UTF-8 JSON of the public JWK)
    (did:jwk method specification §2; members sorted, no whitespace, so one key gives one DID)."""
    text = json.dumps(public_key.to_jwk(), sort_keys=True, separators=(",", ":"))
    return "did:jwk:" + base64.urlsafe_b64encode(text.encode("utf-8")).rstrip(b"=").decode()


def did_jwk_public_key(did: str) -> PublicKey:
    """The public key a ``did:jwk`` carries (did:jwk method specification §2.3 Read).
    Raises :class:`InvalidDid` for anything else, private key members included."""
    if not did.startswith("did:jwk:") or len(did) > _MAX_DID_JWK_CHARS:
        raise InvalidDid(f"{did[:80]!r} is not a did:jwk")
    encoded = did.removeprefix("did:jwk:")
    try:
        jwk = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
        return public_key_from_jwk(jwk)
    except (ValueError, binascii.Error, InvalidKey) as error:
        raise InvalidDid(f"did:jwk does not carry a usable public key: {error}") from None


def did_web_url(did: str) -> str:
    """The https URL of a did:web DID document (did:web spec §3.2 Read)."""
    if not did.startswith("did:web:"):
        raise InvalidDid(f"{did!r} is not a did:web DID")
    parts = did.removeprefix("did:web:").split(":")
    host = unquote(parts[0])
    if not host or "/" in host or "@" in host:
        raise InvalidDid(f"{did!r} has no valid host")
    path = "/".join(unquote(part) for part in parts[1:]) if len(parts) > 1 else ".well-known"
    return f"https://{host}/{path}/did.json"


def verification_method(public_key: PublicKey, controller: str, fragment: str) -> dict[str, Any]:
    method: dict[str, Any] = {"id": f"{controller}#{fragment}", "controller": controller}
    if public_key.key_type == "RSA":
        method |= {"type": "JsonWebKey", "publicKeyJwk": public_key.to_jwk()}
    else:
        method |= {"type": "Multikey", "publicKeyMultibase": public_key.to_multikey()}
    return method


def controller_document(did: str, keys: Iterable[tuple[str, PublicKey]]) -> dict[str, Any]:
    """A DID document listing every (fragment, key), current and retired alike.

    Retired keys stay listed under ``assertionMethod`` so that credentials signed before a
    rotation still verify; a key is removed only when it must no longer be trusted.
    """
    methods = [verification_method(key, did, fragment) for fragment, key in keys]
    method_ids = [method["id"] for method in methods]
    return {
        "@context": DID_CONTEXTS,
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": method_ids,
        "authentication": method_ids,
    }


def public_key_of(method: Any) -> PublicKey:
    """The public key a verification method object carries."""
    if not isinstance(method, dict):
        raise InvalidKey("verification method must be an object")
    method_type = method.get("type")
    if method_type in _MULTIBASE_TYPES and "publicKeyMultibase" in method:
        key = public_key_from_multikey(method["publicKeyMultibase"])
        if method_type == "Ed25519VerificationKey2020" and key.key_type != "Ed25519":
            raise InvalidKey("Ed25519VerificationKey2020 must carry an Ed25519 key")
        return key
    if method_type in _JWK_TYPES and "publicKeyJwk" in method:
        return public_key_from_jwk(method["publicKeyJwk"])
    raise InvalidKey(f"unsupported verification method type {method_type!r}")
