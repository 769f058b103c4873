"""W3C Bitstring Status List v1.0 (purpose: revocation): allocating an index to each award,
flipping bits, and publishing the list as a signed BitstringStatusListCredential.

Publishing signs each list once per change of its bits (and again before the signed one
expires), in two forms stored side by side: JSON-LD with an eddsa-rdfc-2022 proof and the same
credential as a VC-JOSE JWT (``typ: vc+jwt``). Requests read what is stored; when signing is
unavailable (the key store cannot be unsealed) the last good list stays published and an
alert is logged.

Allocation happens inside the issuing transaction and holds the list row's lock until that
transaction ends (a row lock on PostgreSQL, the database write lock on SQLite), so two
concurrent issuances never receive the same index, and a rolled-back issuance gives its index
back.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from issuer.credential_builder import timestamp
from issuer.models import STATUS_LIST_SIZE, PublishedStatusList, StatusList
from keys.store import KeyStoreError

STATUS_PURPOSE = "revocation"
CONTEXT_V2 = "https://www.w3.org/ns/credentials/v2"
# A signed list is valid for LIST_VALIDITY (its validUntil) and re-signed once less than
# REFRESH_BEFORE remains, so verifiers never hold an expired list of ours.
LIST_VALIDITY = timedelta(days=90)
REFRESH_BEFORE = timedelta(days=30)

log = logging.getLogger(__name__)


class LdpSigner(Protocol):
    issuer_did: str

    def sign_ldp(self, credential: dict[str, Any]) -> dict[str, Any]: ...


class StatusListSigner(LdpSigner, Protocol):
    def sign_jwt(self, credential: dict[str, Any], *, jwt_format: Any = ...) -> str: ...


class SigningUnavailable(KeyStoreError):
    """A list has never been signed and cannot be now (the key store cannot be unsealed); a
    KeyStoreError, so callers that already handle an unusable key store handle this too."""


@dataclass(frozen=True)
class PublishedForms:
    """A list's signed forms as stored. ``current`` is False for the last good list kept
    while its bits changed (or it neared expiry) and it could not be signed again."""

    credential: dict[str, Any]
    jwt: str
    current: bool = True


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


def unsigned_credential(
    status_list: StatusList, issuer_did: str, now: datetime, *, base_url: str
) -> dict[str, Any]:
    """The list as an unsigned BitstringStatusListCredential (Bitstring Status List §2.2),
    valid from ``now`` for :data:`LIST_VALIDITY`."""
    url = status_list_url(base_url, status_list.id)
    return {
        "@context": [CONTEXT_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_did,
        "validFrom": timestamp(now),
        "validUntil": timestamp(now + LIST_VALIDITY),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": status_list.purpose,
            "encodedList": encode_list(status_list.bitstring),
        },
    }


def _digest(bitstring: bytes) -> str:
    return hashlib.sha256(bitstring).hexdigest()


def publish(
    session: Session,
    status_list_id: int,
    signer: StatusListSigner,
    now: datetime,
    *,
    base_url: str,
    force: bool = False,
) -> PublishedForms:
    """The list's signed forms, signing them only when the stored ones are missing, were made
    from other bits, or expire within :data:`REFRESH_BEFORE` (``force``: sign again anyway, as
    when the key that signed them was reported compromised). Holds the list's row lock while
    deciding, so one change is signed once however many requests arrive. When signing fails
    (``KeyStoreError``) the stored forms are returned with ``current=False`` and an alert is
    logged; with nothing stored, :class:`SigningUnavailable`. LookupError for an unknown list.
    The caller commits."""
    status_list = session.scalars(
        select(StatusList).where(StatusList.id == status_list_id).with_for_update()
    ).one_or_none()
    if status_list is None:
        raise LookupError(f"no status list {status_list_id}")
    stored = session.get(PublishedStatusList, status_list_id)
    digest = _digest(status_list.bitstring)
    fresh = stored is not None and stored.valid_until - now > REFRESH_BEFORE
    if not force and stored is not None and fresh and stored.bitstring_sha256 == digest:
        return PublishedForms(stored.credential_json, stored.credential_jwt)
    credential = unsigned_credential(status_list, signer.issuer_did, now, base_url=base_url)
    try:
        signed = signer.sign_ldp(credential)
        token = signer.sign_jwt(credential, jwt_format="vc-jose")
    except KeyStoreError as error:
        log.error(
            "ALERT: status list %s could not be signed (%s); %s",
            status_list_id,
            error,
            "the last good list stays published" if stored else "it has no published form yet",
        )
        if stored is None:
            raise SigningUnavailable(
                f"status list {status_list_id} cannot be signed: {error}"
            ) from None
        return PublishedForms(stored.credential_json, stored.credential_jwt, current=False)
    if stored is None:
        stored = PublishedStatusList(status_list_id=status_list_id)
        session.add(stored)
    stored.bitstring_sha256 = digest
    stored.credential_json = signed
    stored.credential_jwt = token
    stored.signed_at = now
    stored.valid_until = now + LIST_VALIDITY
    session.flush()
    return PublishedForms(signed, token)


def refresh(
    session: Session,
    status_list_id: int,
    signer: StatusListSigner,
    now: datetime,
    *,
    base_url: str,
) -> None:
    """Publish the list after its bits changed (a revocation), so verifiers and our own verify
    path see the change at once; when it cannot be signed the change waits, with the alert
    :func:`publish` logs, and is signed by the next publish that can."""
    with contextlib.suppress(SigningUnavailable):  # logged by publish
        publish(session, status_list_id, signer, now, base_url=base_url)


def publish_all(
    session: Session,
    signer: StatusListSigner,
    now: datetime,
    *,
    base_url: str,
    force: bool = False,
) -> list[int]:
    """Publish every list that needs it (never signed, bits changed, or within
    :data:`REFRESH_BEFORE` of its validUntil; every list with ``force``); the ids of those
    signed now. For deployment
    (lists made before signed forms were stored) and a daily timer, so a quiet site's lists
    never lapse. Raises KeyStoreError when signing is unavailable and a list needs it."""
    signed = []
    for status_list_id in session.scalars(select(StatusList.id).order_by(StatusList.id)):
        stored = session.get(PublishedStatusList, status_list_id)
        before = stored.signed_at if stored is not None else None
        publish(session, status_list_id, signer, now, base_url=base_url, force=force)
        after = session.get(PublishedStatusList, status_list_id)
        if after is not None and after.signed_at != before:
            signed.append(status_list_id)
    return signed


def published(session: Session, status_list_id: int) -> PublishedForms | None:
    """The stored signed forms, read only (the verify path signs nothing); None when the list
    has never been published. ``current`` is False when the bits changed since signing."""
    row = session.execute(
        select(PublishedStatusList, StatusList.bitstring)
        .outerjoin(StatusList, StatusList.id == PublishedStatusList.status_list_id)
        .where(PublishedStatusList.status_list_id == status_list_id)
    ).one_or_none()  # one round trip: every check of one of our badges reads this
    if row is None:
        return None
    stored, bitstring = row
    current = bitstring is not None and _digest(bitstring) == stored.bitstring_sha256
    return PublishedForms(stored.credential_json, stored.credential_jwt, current)


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
