"""W3C Bitstring Status List v1.0 (purpose: revocation): allocating an index to each award,
flipping bits, and publishing the list as a signed BitstringStatusListCredential.

Allocation happens inside the issuing transaction and holds the list row's lock until that
transaction ends (a row lock on PostgreSQL, the database write lock on SQLite), so two
concurrent issuances never receive the same index, and a rolled-back issuance gives its index
back.
"""

from __future__ import annotations

import base64
import gzip
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from issuer.credential_builder import timestamp
from issuer.models import STATUS_LIST_SIZE, StatusList

STATUS_PURPOSE = "revocation"
CONTEXT_V2 = "https://www.w3.org/ns/credentials/v2"


class LdpSigner(Protocol):
    issuer_did: str

    def sign_ldp(self, credential: dict[str, Any]) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Slot:
    status_list_id: int
    index: int


def status_list_url(base_url: str, status_list_id: int) -> str:
    """Where the list's credential is published (served by the issuer's web blueprint)."""
    return f"{base_url.rstrip('/')}/status-lists/{status_list_id}"


def credential_status_entry(base_url: str, slot: Slot) -> dict[str, str]:
    """The ``credentialStatus`` of the award holding ``slot``."""
    url = status_list_url(base_url, slot.status_list_id)
    return {
        "id": f"{url}#{slot.index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": STATUS_PURPOSE,
        "statusListIndex": str(slot.index),
        "statusListCredential": url,
    }


def _locked(session: Session, status_list_id: int, now: datetime) -> StatusList:
    """The list row, write-locked until the transaction ends, with its current values.

    The touching UPDATE comes first because it takes the lock on both databases (a row lock
    on PostgreSQL, the write lock on SQLite), so the read after it cannot be stale.
    """
    touched = session.execute(
        update(StatusList)
        .where(StatusList.id == status_list_id)
        .values(updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if touched.rowcount != 1:
        raise LookupError(f"no status list {status_list_id}")
    return session.scalars(
        select(StatusList)
        .where(StatusList.id == status_list_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def lock_for_allocation(session: Session, *, now: datetime) -> None:
    """Queue behind any issuance in progress: write-lock the list :func:`allocate` uses next.

    Issuing with an idempotency key takes this lock *before* looking the key up, so another
    issuance with the same key has either committed (and is found) or not yet looked. Without
    it, both look, both miss, and the second fails on the key's unique constraint at commit.
    (Before the very first list exists there is nothing to lock; that first race still ends
    in the unique constraint, never in a second award.)
    """
    status_list_id = session.scalar(
        select(StatusList.id)
        .where(StatusList.purpose == STATUS_PURPOSE, StatusList.next_free_index < StatusList.size)
        .order_by(StatusList.id)
        .limit(1)
    )
    if status_list_id is not None:
        _locked(session, status_list_id, now)


def allocate(session: Session, *, now: datetime) -> Slot:
    """The next free index of the oldest list with room (a new list when all are full).

    The increment is one atomic ``UPDATE ... RETURNING``: concurrent callers queue on the
    row and each gets the value its own increment produced.
    """
    candidates = session.scalars(
        select(StatusList.id)
        .where(StatusList.purpose == STATUS_PURPOSE, StatusList.next_free_index < StatusList.size)
        .order_by(StatusList.id)
    ).all()
    for status_list_id in candidates:
        taken = session.execute(
            update(StatusList)
            .where(StatusList.id == status_list_id, StatusList.next_free_index < StatusList.size)
            .values(next_free_index=StatusList.next_free_index + 1, updated_at=now)
            .returning(StatusList.next_free_index)
            .execution_options(synchronize_session=False)
        ).scalar_one_or_none()
        if taken is not None:
            return Slot(status_list_id, taken - 1)
    # Every list is full (or none exists yet): start a new one.
    status_list = StatusList(
        purpose=STATUS_PURPOSE,
        size=STATUS_LIST_SIZE,
        bitstring=bytes(STATUS_LIST_SIZE // 8),
        next_free_index=1,
        created_at=now,
        updated_at=now,
    )
    session.add(status_list)
    session.flush()
    return Slot(status_list.id, 0)


def bit_is_set(bitstring: bytes, index: int) -> bool:
    """Bit ``index``, counting from the most significant bit of the first byte (the spec's
    left-most bit)."""
    return bool(bitstring[index // 8] & (0x80 >> (index % 8)))


def set_bit(session: Session, slot: Slot, *, now: datetime) -> None:
    """Mark ``slot`` revoked (idempotent)."""
    status_list = _locked(session, slot.status_list_id, now)
    if not 0 <= slot.index < status_list.next_free_index:
        raise ValueError(f"index {slot.index} was never allocated in list {slot.status_list_id}")
    bits = bytearray(status_list.bitstring)
    bits[slot.index // 8] |= 0x80 >> (slot.index % 8)
    status_list.bitstring = bytes(bits)
    session.flush()


def encode_list(bitstring: bytes) -> str:
    """``encodedList``: multibase base64url (prefix ``u``, no padding) of the GZIP-compressed
    bitstring. ``mtime=0`` keeps the output identical for identical lists."""
    compressed = gzip.compress(bitstring, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def decode_list(encoded: str) -> bytes:
    """The inverse of :func:`encode_list`."""
    if not encoded.startswith("u"):
        raise ValueError("encodedList must be multibase base64url (start with 'u')")
    body = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def status_list_credential(
    session: Session, status_list_id: int, signer: LdpSigner, now: datetime, *, base_url: str
) -> dict[str, Any]:
    """The list as a signed BitstringStatusListCredential, built from the current bits."""
    status_list = session.get(StatusList, status_list_id)
    if status_list is None:
        raise LookupError(f"no status list {status_list_id}")
    url = status_list_url(base_url, status_list.id)
    credential = {
        "@context": [CONTEXT_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": signer.issuer_did,
        "validFrom": timestamp(now),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": status_list.purpose,
            "encodedList": encode_list(status_list.bitstring),
        },
    }
    return signer.sign_ldp(credential)


@dataclass(frozen=True)
class Block:
    """``size`` consecutive indexes of one list, reserved for a batch of awards."""

    status_list_id: int
    start: int
    size: int

    def slot(self, offset: int) -> Slot:
        if not 0 <= offset < self.size:
            raise IndexError(f"offset {offset} is outside a block of {self.size}")
        return Slot(self.status_list_id, self.start + offset)


def allocate_block(session: Session, size: int, *, now: datetime) -> Block:
    """Reserve ``size`` consecutive free indexes (1 ≤ size ≤ the list size) with one atomic
    ``UPDATE ... RETURNING``, from the oldest list with that much room, or a new list.

    Bulk issuance reserves a block in a short transaction of its own, records it with the
    chunk, and commits, so concurrent workers do not queue on the list row while they sign;
    a retried chunk reuses its recorded block, so a crash leaves no index unused.
    Raises ``ValueError`` for a size outside that range.
    """
    if not 1 <= size <= STATUS_LIST_SIZE:
        raise ValueError(f"a block holds 1 to {STATUS_LIST_SIZE} indexes, not {size}")
    room = StatusList.next_free_index + size <= StatusList.size
    candidates = session.scalars(
        select(StatusList.id)
        .where(StatusList.purpose == STATUS_PURPOSE, room)
        .order_by(StatusList.id)
    ).all()
    for status_list_id in candidates:
        taken = session.execute(
            update(StatusList)
            .where(StatusList.id == status_list_id, room)
            .values(next_free_index=StatusList.next_free_index + size, updated_at=now)
            .returning(StatusList.next_free_index)
            .execution_options(synchronize_session=False)
        ).scalar_one_or_none()
        if taken is not None:
            return Block(status_list_id, taken - size, size)
    status_list = StatusList(
        purpose=STATUS_PURPOSE,
        size=STATUS_LIST_SIZE,
        bitstring=bytes(STATUS_LIST_SIZE // 8),
        next_free_index=size,
        created_at=now,
        updated_at=now,
    )
    session.add(status_list)
    session.flush()
    return Block(status_list.id, 0, size)
