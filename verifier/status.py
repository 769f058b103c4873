"""Credential status: W3C Bitstring Status List v1.0, and the deprecated 1EdTech revocation list.

Pure: the status list document comes in already fetched and already verified by the caller.
"""

from __future__ import annotations

import gzip
import re
import zlib
from dataclasses import dataclass
from typing import Any

from keys.multibase import MultibaseError, decode_base64url, encode_base64url

# Bitstring Status List §6.1: a list is at least 16 KiB (131,072 entries) uncompressed; we
# refuse to inflate more than 16 MiB so that a tiny gzip bomb cannot exhaust memory.
MAX_DECOMPRESSED_BYTES = 16 * 1024 * 1024


# Bitstring Status List §2.1: statusListIndex is "an arbitrary size integer … expressed as a
# string"; ASCII digits only (str.isdigit takes "²", int() reads "٣" as 3), and at most 12 of
# them (a list of 16 MiB, MAX_DECOMPRESSED_BYTES, has 134,217,728 entries: 9 digits).
_ASCII_INDEX = re.compile(r"[0-9]{1,12}\Z", re.ASCII)


class StatusError(ValueError):
    """The status entry or its list is malformed."""


@dataclass(frozen=True)
class StatusEntry:
    type: str
    list_url: str
    index: int | None = None
    purpose: str = "revocation"
    credential_id: str | None = None


@dataclass(frozen=True)
class StatusResult:
    purpose: str
    set: bool  # True: revoked / suspended
    message: str | None = None


def parse_entries(credential: dict[str, Any]) -> list[StatusEntry]:
    raw = credential.get("credentialStatus")
    if raw is None:
        return []
    entries = raw if isinstance(raw, list) else [raw]
    parsed = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise StatusError("credentialStatus entries must be objects")
        entry_type = entry.get("type")
        if entry_type in ("BitstringStatusListEntry", "StatusList2021Entry"):
            index = entry.get("statusListIndex")
            if isinstance(index, str) and _ASCII_INDEX.match(index):
                index = int(index)
            if not isinstance(index, int) or isinstance(index, bool) or index < 0:
                raise StatusError("statusListIndex must be a non-negative integer")
            url = entry.get("statusListCredential")
            if not isinstance(url, str):
                raise StatusError("statusListCredential must be a URL")
            parsed.append(
                StatusEntry(
                    str(entry_type), url, index, str(entry.get("statusPurpose", "revocation"))
                )
            )
        elif entry_type == "1EdTechRevocationList":
            url = entry.get("id")
            if not isinstance(url, str):
                raise StatusError("a 1EdTechRevocationList entry needs the list URL as its id")
            parsed.append(StatusEntry(entry_type, url, credential_id=credential.get("id")))
        else:
            raise StatusError(f"credentialStatus type {entry_type!r} is not supported")
    return parsed


def decode_bitstring(encoded_list: Any) -> bytes:
    """``encodedList``: multibase base64url of the GZIP-compressed bitstring (§4.1)."""
    try:
        compressed = decode_base64url(encoded_list)
    except MultibaseError:
        # StatusList2021 used base64url without the multibase prefix.
        if not isinstance(encoded_list, str):
            raise StatusError("encodedList must be a string") from None
        compressed = decode_base64url("u" + encoded_list)
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        bitstring = inflater.decompress(compressed, MAX_DECOMPRESSED_BYTES + 1)
    except zlib.error as error:
        raise StatusError(f"encodedList is not GZIP data: {error}") from None
    if len(bitstring) > MAX_DECOMPRESSED_BYTES or inflater.unconsumed_tail:
        raise StatusError("the status list is larger than allowed")
    return bitstring


def encode_bitstring(bitstring: bytes) -> str:
    """The inverse of :func:`decode_bitstring`, for issuers."""
    return encode_base64url(gzip.compress(bitstring, mtime=0))


def bit_is_set(bitstring: bytes, index: int) -> bool:
    """Index 0 is the leftmost (most significant) bit of the first byte (§4.1)."""
    if index >= len(bitstring) * 8:
        raise StatusError(
            f"statusListIndex {index} is beyond the list's {len(bitstring) * 8} entries"
        )
    return bool(bitstring[index // 8] & (0x80 >> (index % 8)))


def check_bitstring_entry(entry: StatusEntry, status_list: dict[str, Any]) -> StatusResult:
    subject = status_list.get("credentialSubject")
    if not isinstance(subject, dict):
        raise StatusError("the status list credential has no credentialSubject")
    list_purpose = subject.get("statusPurpose")
    purposes = list_purpose if isinstance(list_purpose, list) else [list_purpose]
    if entry.purpose not in purposes:
        raise StatusError(
            f"the status list is for {list_purpose!r}, the entry for {entry.purpose!r}"
        )
    assert entry.index is not None
    return StatusResult(
        entry.purpose, bit_is_set(decode_bitstring(subject.get("encodedList")), entry.index)
    )


def check_revocation_list_entry(
    entry: StatusEntry, revocation_list: dict[str, Any]
) -> StatusResult:
    """The deprecated 1EdTech revocation list: ``revokedCredentials`` of ``{id, revocationReason}``."""
    revoked = revocation_list.get("revokedCredentials")
    if not isinstance(revoked, list):
        raise StatusError("the revocation list has no revokedCredentials array")
    for item in revoked:
        if isinstance(item, dict) and item.get("id") == entry.credential_id:
            return StatusResult("revocation", True, item.get("revocationReason"))
    return StatusResult("revocation", False)
