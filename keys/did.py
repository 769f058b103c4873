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

# Only pinned contexts (schemas/contexts/index.json). ``https://w3id.org/security/jwk/v1`` was
# listed here once and pinned nowhere: no published package carries it, and the document is
# served as ``application/did+json``, the plain-JSON representation (DID Core §6.2), whose
# consumers read ``JsonWebKey``/``publicKeyJwk`` as JSON members (W3C Controlled Identifiers
# §2.2.3), not through a context. Listing a context nobody can load offline only invites a fetch.
DID_CONTEXTS = [
    "https://www.w3.org/ns/did/v1",
    "https://w3id.org/security/multikey/v1",
]
# The JsonWebKey twin of an Ed25519 Multikey: EdDSA VC-JWTs name it as their ``kid``.
JWK_FRAGMENT_SUFFIX = "-jwk"
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
    """The key's verification method: Ed25519 as a ``Multikey`` (what Data Integrity's
    eddsa-rdfc-2022 names), P-256 and RSA as a ``JsonWebKey`` with ``publicKeyJwk`` (what a
    VC-JWT's ``kid`` must lead to, OB 3.0 §8.2.3/§8.5; W3C Controlled Identifiers §2.2.3)."""
    method: dict[str, Any] = {"id": f"{controller}#{fragment}", "controller": controller}
    if public_key.key_type == "Ed25519":
        method |= {"type": "Multikey", "publicKeyMultibase": public_key.to_multikey()}
    else:
        method |= json_web_key(public_key)
    return method


def json_web_key(public_key: PublicKey) -> dict[str, Any]:
    """The ``type``/``publicKeyJwk`` members of a JsonWebKey verification method."""
    return {"type": "JsonWebKey", "publicKeyJwk": public_key.to_jwk()}


def jwt_fragment(key_type: str, fragment: str) -> str:
    """The fragment a VC-JWT signed by this key names in ``kid``: always a JsonWebKey."""
    return fragment + JWK_FRAGMENT_SUFFIX if key_type == "Ed25519" else fragment


def controller_document(
    did: str,
    keys: Iterable[tuple[str, PublicKey]],
    *,
    services: Iterable[dict[str, Any]] = (),
) -> dict[str, Any]:
    """A DID document listing every (fragment, key), current and retired alike.

    Retired keys stay listed under ``assertionMethod`` so that credentials signed before a
    rotation still verify; a key is removed only when it must no longer be trusted. Each
    Ed25519 key is listed twice: as a Multikey (Data Integrity) and as a JsonWebKey at
    ``#<fragment>-jwk`` (EdDSA VC-JWTs), so that every JWT ``kid`` dereferences to a JWK.
    ``services`` become the DID document's ``service`` entries (DID Core §5.4).
    """
    methods = []
    for fragment, key in keys:
        methods.append(verification_method(key, did, fragment))
        if key.key_type == "Ed25519":
            twin = {"id": f"{did}#{jwt_fragment(key.key_type, fragment)}", "controller": did}
            methods.append(twin | json_web_key(key))
    method_ids = [method["id"] for method in methods]
    document: dict[str, Any] = {
        "@context": DID_CONTEXTS,
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": method_ids,
        "authentication": method_ids,
    }
    if services := list(services):
        document["service"] = services
    return document


def json_web_key_set(document: dict[str, Any]) -> dict[str, Any]:
    """RFC 7517 §5 JWK Set of every JsonWebKey in a controller document, each ``kid`` the
    verification method's id (the same ``kid`` our VC-JWTs carry), with its ``alg``."""
    keys = []
    for method in document.get("verificationMethod", []):
        if method.get("type") != "JsonWebKey":
            continue
        public_key = public_key_from_jwk(method["publicKeyJwk"])
        keys.append(
            {
                **method["publicKeyJwk"],
                "kid": method["id"],
                "alg": public_key.jws_algorithm,
                "use": "sig",
            }
        )
    return {"keys": keys}


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


def mark_revoked(
    document: dict[str, Any], revoked: Iterable[tuple[PublicKey, str]]
) -> dict[str, Any]:
    """``document`` with every verification method carrying a revoked key marked ``revoked``
    (the time from which it is not trusted; Security Vocabulary ``revoked``, as DID Core
    §5.2 shows) and removed from every verification relationship (``assertionMethod``,
    ``authentication``, …). The method itself stays listed, so a verifier can say why a
    credential signed by it fails. Keys are matched by value, whatever their fragment."""
    times = {_key_identity(key): when for key, when in revoked}
    if not times:
        return document
    marked: set[str] = set()
    for method in document.get("verificationMethod", []):
        try:
            identity = _key_identity(public_key_of(method))
        except InvalidKey:
            continue
        if identity in times:
            method["revoked"] = times[identity]
            marked.add(method["id"])
    for relationship in ("assertionMethod", "authentication", "capabilityInvocation",
                         "capabilityDelegation", "keyAgreement"):  # fmt: skip
        if relationship in document:
            document[relationship] = [
                entry
                for entry in document[relationship]
                if (entry.get("id") if isinstance(entry, dict) else entry) not in marked
            ]
    return document


def _key_identity(key: PublicKey) -> str:
    return json.dumps(key.to_jwk(), sort_keys=True)
