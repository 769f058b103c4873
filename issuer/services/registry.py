"""The Alliance's registry of recognized issuers: managing entries and publishing the signed
registry credential that ``verifier.trust`` reads.

The published document is a W3C VC 2.0 credential secured with our ``eddsa-rdfc-2022`` proof,
whose ``credentialSubject`` lists one OB 3.0 ``Profile`` (id, name, url) per active entry: the
same facts per DID as the DCC issuer registries, but signed, so a verifier can tell the
Alliance's list from anyone's. The Alliance's own DID is recognized unless an entry for it is
suspended. Services take a session and never commit.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.credential_builder import CREDENTIAL_CONTEXTS, timestamp
from issuer.models import RecognizedIssuer, RegistryEntryStatus, User
from issuer.services import audit
from issuer.services.status_lists import LdpSigner

REGISTRY_PATH = "/registry/issuers"
REGISTRY_VALIDITY = timedelta(days=1)  # a copy kept by a verifier goes stale within a day
# A signed registry is reused until its content or our keys change, or less than this remains
# of its validity (so no verifier is handed one about to lapse).
REGISTRY_REFRESH_BEFORE = timedelta(hours=12)
MAX_NAME = 200
MAX_URL = 500
MAX_DID = 500

ENTRY_ADDED = "registry.entry_added"
ENTRY_SUSPENDED = "registry.entry_suspended"
ENTRY_REINSTATED = "registry.entry_reinstated"
ENTRY_REMOVED = "registry.entry_removed"


class RegistryInputError(ValueError):
    """A registry change the admin asked for cannot be made; the message says why in words."""


def registry_url(base_url: str) -> str:
    return base_url.rstrip("/") + REGISTRY_PATH


def entries(session: Session) -> list[RecognizedIssuer]:
    """Every entry, active and suspended, by name."""
    return list(session.scalars(select(RecognizedIssuer).order_by(RecognizedIssuer.name)))


def find_entry(session: Session, did: str) -> RecognizedIssuer | None:
    return session.scalar(select(RecognizedIssuer).where(RecognizedIssuer.did == did))


def _validate(did: str, name: str, url: str | None) -> None:
    if not did.startswith(("did:web:", "did:key:")) or len(did) > MAX_DID or " " in did:
        raise RegistryInputError(
            "The issuer's identifier must be a DID starting with did:web: or did:key:."
        )
    if not name or len(name) > MAX_NAME:
        raise RegistryInputError(f"Give the issuer's name (at most {MAX_NAME} characters).")
    if url:
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.netloc or len(url) > MAX_URL:
            raise RegistryInputError("The issuer's website must be an https:// address.")


def add_entry(
    session: Session, *, did: str, name: str, url: str | None, actor: User | None, now: datetime
) -> RecognizedIssuer:
    """Recognize an issuer. Raises :class:`RegistryInputError` for a malformed DID, name or
    url, or a DID already listed."""
    did, name, url = did.strip(), name.strip(), (url or "").strip() or None
    _validate(did, name, url)
    if find_entry(session, did) is not None:
        raise RegistryInputError("This issuer is already in the registry.")
    entry = RecognizedIssuer(did=did, name=name, url=url, added_at=now, updated_at=now)
    session.add(entry)
    session.flush()
    audit.record(session, actor, ENTRY_ADDED, entry, {"did": did, "name": name}, now=now)
    return entry


def set_status(
    session: Session,
    entry: RecognizedIssuer,
    status: RegistryEntryStatus,
    *,
    actor: User | None,
    now: datetime,
) -> None:
    """Suspend (no longer published: its credentials read "not recognized", their proofs
    still verify) or reinstate an entry."""
    if entry.status == status:
        return
    entry.status = status
    entry.updated_at = now
    action = ENTRY_SUSPENDED if status == RegistryEntryStatus.SUSPENDED else ENTRY_REINSTATED
    audit.record(session, actor, action, entry, {"did": entry.did}, now=now)
    session.flush()


def suspend_own(
    session: Session, *, own_did: str, own_name: str, url: str, actor: User | None, now: datetime
) -> RecognizedIssuer:
    """Suspend the Alliance's own entry (created on first use: it is implicit until then)."""
    entry = find_entry(session, own_did) or add_entry(
        session, did=own_did, name=own_name, url=url, actor=actor, now=now
    )
    set_status(session, entry, RegistryEntryStatus.SUSPENDED, actor=actor, now=now)
    return entry


def remove_entry(
    session: Session, entry: RecognizedIssuer, *, own_did: str, actor: User | None, now: datetime
) -> None:
    """Remove a partner issuer. The Alliance's own entry can be suspended, not removed."""
    if entry.did == own_did:
        raise RegistryInputError("The Alliance's own entry can be suspended, not removed.")
    audit.record(
        session, actor, ENTRY_REMOVED, entry, {"did": entry.did, "name": entry.name}, now=now
    )
    session.delete(entry)
    session.flush()


def recognized(
    session: Session, *, own_did: str, own_name: str, own_url: str
) -> list[dict[str, Any]]:
    """The published entries as OB 3.0 Profiles: the Alliance first (unless suspended), then
    every active partner by name."""
    rows = entries(session)
    own = next((row for row in rows if row.did == own_did), None)
    profiles = []
    if own is None:
        profiles.append({"id": own_did, "type": ["Profile"], "name": own_name, "url": own_url})
    for row in rows:
        if row.status != RegistryEntryStatus.ACTIVE:
            continue
        profile: dict[str, Any] = {"id": row.did, "type": ["Profile"], "name": row.name}
        if row.url:
            profile["url"] = row.url
        if row.did == own_did:
            profiles.insert(0, profile)
        else:
            profiles.append(profile)
    return profiles


def _signed_registry(
    signer: LdpSigner,
    profiles: list[dict[str, Any]],
    now: datetime,
    *,
    base_url: str,
    issuer_name: str,
) -> dict[str, Any]:
    """The registry credential listing ``profiles``, valid from ``now`` for a day."""
    valid_from = now.replace(microsecond=0)
    credential = {
        "@context": CREDENTIAL_CONTEXTS[:2],
        "id": registry_url(base_url),
        "type": ["VerifiableCredential"],
        "name": f"Issuers recognized by the {issuer_name}",
        "issuer": {
            "id": signer.issuer_did,
            "type": ["Profile"],
            "name": issuer_name,
            "url": base_url,
        },
        "validFrom": timestamp(valid_from),
        "validUntil": timestamp(valid_from + REGISTRY_VALIDITY),
        "credentialSubject": profiles,
    }
    return signer.sign_ldp(credential)


class RegistrySigner(LdpSigner, Protocol):
    def key_set_version(self) -> str:
        """Changes whenever the signing keys do (generated, rotated, revoked)."""
        ...


class SignedRegistry:
    """The registry credential signed once per change, like the status lists
    (``status_lists.publish``): kept in this process with what it was made from (the published
    profiles, our key set's version) and signed again only when either changes, or when less
    than :data:`REGISTRY_REFRESH_BEFORE` of its validity remains. One lock, so a change is
    signed once however many requests meet it. Every process (web worker) signs its own copy
    once; the content is read from the database on each call, so a registry change made by
    any process is seen on the next one."""

    def __init__(self, signer: RegistrySigner, *, base_url: str, issuer_name: str) -> None:
        self._signer = signer
        self._base_url = base_url.rstrip("/")
        self._issuer_name = issuer_name
        self._lock = threading.Lock()
        self._signed: tuple[str, datetime, dict[str, Any]] | None = None  # (made of, from, doc)

    def credential(self, session: Session, now: datetime) -> dict[str, Any]:
        """The signed registry credential (shared: callers must not change it). Raises
        ``KeyStoreError`` when it must be signed and the key store cannot be used."""
        profiles = recognized(
            session,
            own_did=self._signer.issuer_did,
            own_name=self._issuer_name,
            own_url=self._base_url,
        )
        made_of = json.dumps([profiles, self._signer.key_set_version()], sort_keys=True)
        with self._lock:
            signed = self._signed
            if (
                signed is not None
                and signed[0] == made_of
                and signed[1] <= now < signed[1] + REGISTRY_VALIDITY - REGISTRY_REFRESH_BEFORE
            ):
                return signed[2]
            document = _signed_registry(
                self._signer, profiles, now, base_url=self._base_url, issuer_name=self._issuer_name
            )
            self._signed = (made_of, now.replace(microsecond=0), document)
            return document
