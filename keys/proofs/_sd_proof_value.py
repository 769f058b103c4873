"""Parse an ``ecdsa-sd-2023`` proofValue (W3C vc-di-ecdsa §3.5 "ecdsa-sd-2023 Functions").

A proofValue is multibase base64url-no-pad (``u``) of a three-byte header followed by one CBOR
(RFC 8949) array. The header tells a base proof (``0xd9 0x5d 0x00``, issuer to holder) from a
derived proof (``0xd9 0x5d 0x01``, holder to verifier). A derived proof's array has five
members (parseDerivedProofValue):

1. ``baseSignature``: 64 bytes, the issuer's ES256 signature (raw r‖s);
2. ``publicKey``: 35 bytes, the proof-scoped P-256 Multikey (``0x80 0x24`` + compressed point);
3. ``signatures``: one 64-byte ES256 signature per revealed non-mandatory N-Quad;
4. the compressed label map: integer ``n`` → 32 bytes, i.e. ``c14n<n>`` → ``u<base64url>``
   (decompressLabelMap);
5. ``mandatoryIndexes``: the positions of the mandatory N-Quads among the revealed ones.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

import cbor2

from keys.keypairs import InvalidKey, PublicKey, p256_public_key
from keys.multibase import P256_PUB, MultibaseError, decode_base64url, encode_base64url
from keys.proofs.errors import MalformedProof, UnsupportedProof

BASE_PROOF_HEADER = b"\xd9\x5d\x00"
DERIVED_PROOF_HEADER = b"\xd9\x5d\x01"
SIGNATURE_LENGTH = 64
HMAC_LABEL_LENGTH = 32
# Far more than any credential's N-Quads; bounds what a hostile proofValue can make us allocate.
MAX_ENTRIES = 100_000
# cborg (Digital Bazaar) accepts byte strings wrapped in tag 64 (a typed array of uint8) from
# implementations that encode them so; the spec forbids tags, we accept that one form only.
_UINT8_ARRAY_TAG = 64
_BASE64URL_NO_PAD = re.compile(r"u[A-Za-z0-9_-]*")


@dataclass(frozen=True)
class DerivedProofValue:
    """The five components of a derived proofValue, decoded and checked."""

    base_signature: bytes
    public_key: bytes
    ephemeral_key: PublicKey
    signatures: tuple[bytes, ...]
    label_map: dict[str, str]
    mandatory_indexes: tuple[int, ...]


def parse_derived_proof_value(proof_value: Any) -> DerivedProofValue:
    """parseDerivedProofValue (vc-di-ecdsa §3.5.8), with every component's shape enforced.

    Raises:
        UnsupportedProof: ``proof_value`` is a base proof (for the holder, not a verifier).
        MalformedProof: anything else that is not a well-formed derived proof.
    """
    if not isinstance(proof_value, str) or not _BASE64URL_NO_PAD.fullmatch(proof_value):
        raise MalformedProof(
            "an ecdsa-sd-2023 proofValue is multibase base64url-no-pad ('u' then A-Z a-z 0-9 - _)"
        )
    try:
        decoded = decode_base64url(proof_value)
    except MultibaseError as error:
        raise MalformedProof(f"proofValue: {error}") from None
    if decoded.startswith(BASE_PROOF_HEADER):
        raise UnsupportedProof(
            "this is an ecdsa-sd-2023 base proof: base proofs are verified only by the holder "
            "who received them from the issuer; a verifier needs a derived proof "
            "(proofValue header 0xd9 0x5d 0x01)"
        )
    if not decoded.startswith(DERIVED_PROOF_HEADER):
        raise MalformedProof(
            f"proofValue header {decoded[:3].hex()} is not the ecdsa-sd-2023 derived proof "
            "header d95d01"
        )
    components = _decode_cbor(decoded[len(DERIVED_PROOF_HEADER) :])
    if not isinstance(components, list) or len(components) != 5:
        raise MalformedProof("a derived proofValue is a CBOR array of five components")
    base_signature, public_key, signatures, compressed_label_map, mandatory_indexes = components
    base_signature = _bytes(base_signature, "baseSignature", SIGNATURE_LENGTH)
    public_key = _bytes(public_key, "publicKey", len(P256_PUB) + 33)
    return DerivedProofValue(
        base_signature=base_signature,
        public_key=public_key,
        ephemeral_key=_ephemeral_key(public_key),
        signatures=_signatures(signatures),
        label_map=_decompress_label_map(compressed_label_map),
        mandatory_indexes=_indexes(mandatory_indexes),
    )


def _decode_cbor(payload: bytes) -> Any:
    """One definite-length CBOR item filling ``payload`` exactly."""
    stream = io.BytesIO(payload)
    try:
        item = cbor2.CBORDecoder(
            stream,
            tag_hook=_tag_hook,
            max_depth=4,
            allow_indefinite=False,
            allow_duplicate_keys=False,
        ).decode()
    except (cbor2.CBORDecodeError, RecursionError, MemoryError) as error:
        if isinstance(error.__cause__, MalformedProof):  # raised by _tag_hook, wrapped by cbor2
            raise error.__cause__ from None
        raise MalformedProof(f"proofValue is not valid CBOR: {error}") from None
    if stream.tell() != len(payload):
        raise MalformedProof("proofValue has bytes after its CBOR value")
    return item


def _tag_hook(*args: Any) -> Any:
    # cbor2 calls tag_hook(decoder, tag) up to 5.x and tag_hook(tag, immutable) from 6.x on.
    tag = next(arg for arg in args if isinstance(arg, cbor2.CBORTag))
    if tag.tag == _UINT8_ARRAY_TAG and isinstance(tag.value, bytes):
        return tag.value
    raise MalformedProof(f"proofValue uses CBOR tag {tag.tag}; ecdsa-sd-2023 forbids tags")


def _bytes(value: Any, name: str, length: int) -> bytes:
    if not isinstance(value, bytes) or len(value) != length:
        raise MalformedProof(f"{name} must be a byte string of {length} bytes")
    return value


def _ephemeral_key(public_key: bytes) -> PublicKey:
    if not public_key.startswith(P256_PUB):
        raise MalformedProof("publicKey is not a P-256 Multikey (prefix 0x8024)")
    try:
        return p256_public_key(public_key[len(P256_PUB) :])
    except InvalidKey as error:
        raise MalformedProof(f"publicKey: {error}") from None


def _signatures(value: Any) -> tuple[bytes, ...]:
    if not isinstance(value, list) or len(value) > MAX_ENTRIES:
        raise MalformedProof("signatures must be an array of byte strings")
    return tuple(_bytes(item, "each signature", SIGNATURE_LENGTH) for item in value)


def _decompress_label_map(value: Any) -> dict[str, str]:
    """decompressLabelMap (vc-di-ecdsa §3.5.6): ``n`` → ``c14n<n>``, bytes → ``u<base64url>``."""
    if not isinstance(value, dict) or len(value) > MAX_ENTRIES:
        raise MalformedProof("the label map must be a CBOR map")
    label_map: dict[str, str] = {}
    for key, label in value.items():
        if type(key) is not int or key < 0:
            raise MalformedProof("label map keys must be non-negative integers")
        label_map[f"c14n{key}"] = encode_base64url(
            _bytes(label, "each HMAC label", HMAC_LABEL_LENGTH)
        )
    return label_map


def _indexes(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list) or len(value) > MAX_ENTRIES:
        raise MalformedProof("mandatoryIndexes must be an array of integers")
    if any(type(index) is not int or index < 0 for index in value):
        raise MalformedProof("mandatoryIndexes must be non-negative integers")
    if len(set(value)) != len(value):
        raise MalformedProof("mandatoryIndexes lists an index twice")
    return tuple(value)
