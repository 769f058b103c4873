"""Credential status: W3C Bitstring Status List v1.0, and the deprecated 1EdTech revocation list.

Pure: the status list document comes in already fetched and already verified by the caller
(``verifier.verification`` runs §3.2's steps that need proofs and dates). Here: the entry's
``statusPurpose``, ``statusListIndex``, ``statusSize`` and ``statusMessage`` (§2.1), the list's
purpose (§3.2 step 5), its expansion and minimum length (steps 8-9), and reading
``statusSize`` bits at ``index * statusSize`` (step 10). Every failure carries the error name
§3.4 "Processing Errors" gives it.
"""

from __future__ import annotations

import gzip
import re
import zlib
from dataclasses import dataclass
from typing import Any

from keys.multibase import MultibaseError, decode_base64url, encode_base64url

# Bitstring Status List §3.2 step 2: at least 131,072 entries (16 KiB at one bit each).
MINIMUM_ENTRIES = 131_072
# We refuse to inflate more than 16 MiB so that a tiny gzip bomb cannot exhaust memory.
MAX_DECOMPRESSED_BYTES = 16 * 1024 * 1024
# §2.1 statusSize: bits per entry. Bounded so that 2**statusSize status messages stay small.
MAX_STATUS_SIZE = 8

# §3.4 Processing Errors
STATUS_RETRIEVAL_ERROR = "STATUS_RETRIEVAL_ERROR"
STATUS_VERIFICATION_ERROR = "STATUS_VERIFICATION_ERROR"
STATUS_LIST_LENGTH_ERROR = "STATUS_LIST_LENGTH_ERROR"
RANGE_ERROR = "RANGE_ERROR"
MALFORMED_VALUE_ERROR = "MALFORMED_VALUE_ERROR"


# Bitstring Status List §2.1: statusListIndex is "an arbitrary size integer … expressed as a
# string"; ASCII digits only (str.isdigit takes "²", int() reads "٣" as 3), and at most 12 of
# them (a list of 16 MiB, MAX_DECOMPRESSED_BYTES, has 134,217,728 entries: 9 digits).
_ASCII_INDEX = re.compile(r"[0-9]{1,12}\Z", re.ASCII)


class StatusError(ValueError):
    """The status entry or its list is unusable; ``code`` is the Bitstring Status List §3.4
    error name (``STATUS_VERIFICATION_ERROR``, ``STATUS_LIST_LENGTH_ERROR``, …)."""

    def __init__(self, message: str, code: str = MALFORMED_VALUE_ERROR) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class StatusEntry:
    type: str
    list_url: str
    index: int | None = None
    purpose: str = "revocation"
    credential_id: str | None = None
    size: int | None = None  # statusSize from the entry (None: not given)
    messages: tuple[tuple[str, str], ...] | None = None  # statusMessage (status, message)


@dataclass(frozen=True)
class StatusResult:
    purpose: str
    set: bool  # True: revoked / suspended / a non-zero message status
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
            purpose = entry.get("statusPurpose", "revocation")
            if not isinstance(purpose, str):
                raise StatusError("statusPurpose must be a string")
            parsed.append(
                StatusEntry(
                    str(entry_type),
                    url,
                    index,
                    purpose,
                    size=_status_size(entry.get("statusSize")),
                    messages=_status_messages(entry.get("statusMessage")),
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


def _status_size(value: Any) -> int | None:
    """§2.1 statusSize: a positive integer, 1 when absent."""
    if value is None:
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise StatusError("statusSize must be a positive integer")
    if value > MAX_STATUS_SIZE:
        raise StatusError(f"statusSize {value} is larger than this verifier reads (8)")
    return value


def _status_messages(value: Any) -> tuple[tuple[str, str], ...] | None:
    """§2.1 statusMessage: ``[{"status": "0x0", "message": "…"}, …]``."""
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > 2**MAX_STATUS_SIZE:
        raise StatusError("statusMessage must be a list of {status, message} objects")
    messages = []
    for item in value:
        if not (
            isinstance(item, dict)
            and isinstance(item.get("status"), str)
            and isinstance(item.get("message"), str)
        ):
            raise StatusError("each statusMessage needs a status (hex string) and a message")
        messages.append((item["status"].lower(), item["message"]))
    return tuple(messages)


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


def read_status(bitstring: bytes, index: int, size: int) -> int:
    """The ``size``-bit status at position ``index * size``, most significant bit first
    (§3.2 step 10); RANGE_ERROR outside the bitstring."""
    start = index * size
    if start + size > len(bitstring) * 8:
        raise StatusError(
            f"statusListIndex {index} (* statusSize {size}) is beyond the list's "
            f"{len(bitstring) * 8} bits",
            RANGE_ERROR,
        )
    value = 0
    for position in range(start, start + size):
        value = (value << 1) | bit_is_set(bitstring, position)
    return value


def check_bitstring_entry(
    entry: StatusEntry,
    status_list: dict[str, Any],
    *,
    minimum_entries: int = MINIMUM_ENTRIES,
) -> StatusResult:
    """Bitstring Status List §3.2 steps 5-13 for one entry against its (verified) list.

    ``statusSize``/``statusMessage`` come from the entry (§2.1), or, as early drafts had them,
    from the list's ``credentialSubject``. Raises :class:`StatusError` with the §3.4 name:
    STATUS_VERIFICATION_ERROR (purpose not in the list), STATUS_LIST_LENGTH_ERROR (fewer than
    ``minimum_entries`` entries), RANGE_ERROR (index outside the list), MALFORMED_VALUE_ERROR.
    """
    subject = status_list.get("credentialSubject")
    if not isinstance(subject, dict):
        raise StatusError("the status list credential has no credentialSubject")
    list_purpose = subject.get("statusPurpose")
    purposes = list_purpose if isinstance(list_purpose, list) else [list_purpose]
    if entry.purpose not in purposes:
        raise StatusError(
            f"the status list is for {list_purpose!r}, the entry for {entry.purpose!r}",
            STATUS_VERIFICATION_ERROR,
        )
    size = entry.size if entry.size is not None else _status_size(subject.get("statusSize"))
    size = size or 1
    messages = entry.messages
    if messages is None:
        messages = _status_messages(subject.get("statusMessage"))
    if size > 1 and (messages is None or len(messages) != 2**size):
        raise StatusError(
            f"statusSize {size} needs statusMessage with {2**size} entries (§2.1)",
            MALFORMED_VALUE_ERROR,
        )
    bitstring = decode_bitstring(subject.get("encodedList"))
    entries = len(bitstring) * 8 // size
    if entries < minimum_entries:
        raise StatusError(
            f"the status list has {entries:,} entries; at least {minimum_entries:,} are required",
            STATUS_LIST_LENGTH_ERROR,
        )
    assert entry.index is not None
    value = read_status(bitstring, entry.index, size)
    message = None
    if messages:
        wanted = {f"0x{value:x}", f"0x{value:0{(size + 3) // 4}x}"}
        message = next((text for status, text in messages if status in wanted), None)
    return StatusResult(entry.purpose, value != 0, message)


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
