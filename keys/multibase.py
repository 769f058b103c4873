"""Multibase (base58btc ``z``, base64url ``u``) and multicodec prefixes for public keys."""

from __future__ import annotations

import base64

_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B64URL_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
_B58_INDEX = {char: index for index, char in enumerate(_B58_ALPHABET)}

# https://github.com/multiformats/multicodec/blob/master/table.csv (varint-encoded)
ED25519_PUB = b"\xed\x01"
ED25519_PRIV = b"\x80\x26"
P256_PUB = b"\x80\x24"


class MultibaseError(ValueError):
    """A value is not valid multibase (or not the expected multicodec key)."""


def b58encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    encoded = ""
    while number:
        number, remainder = divmod(number, 58)
        encoded = _B58_ALPHABET[remainder] + encoded
    leading_zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * leading_zeros + encoded


def b58decode(text: str) -> bytes:
    number = 0
    try:
        for char in text:
            number = number * 58 + _B58_INDEX[char]
    except KeyError:
        raise MultibaseError(f"{char!r} is not a base58btc character") from None
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    leading_ones = len(text) - len(text.lstrip("1"))
    return b"\0" * leading_ones + body


def encode_base58btc(data: bytes) -> str:
    """Multibase base58btc: ``z`` followed by base58 (Bitcoin alphabet)."""
    return "z" + b58encode(data)


def decode_base58btc(value: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("z") or len(value) < 2:
        raise MultibaseError("expected a multibase base58btc value starting with 'z'")
    return b58decode(value[1:])


def encode_base64url(data: bytes) -> str:
    """Multibase base64url without padding: ``u`` prefix (used by Bitstring Status List)."""
    return "u" + base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def decode_base64url(value: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("u"):
        raise MultibaseError("expected a multibase base64url value starting with 'u'")
    body = value[1:]
    if not set(body) <= _B64URL_ALPHABET:
        raise MultibaseError("base64url value has characters outside the base64url alphabet")
    try:
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except ValueError as error:
        raise MultibaseError(f"invalid base64url: {error}") from None
