"""The issuer's key store: private keys sealed at rest in a directory outside git.

Layout: ``keys.json`` lists every key (id, type, created, status) and ``<id>.sealed.json`` holds
its private half sealed with the configured passphrase (see :func:`keys.keypairs.seal_private_key`).
Rotation adds a new current key per type and marks the old one retired; retired public keys stay
in the DID document so that credentials signed before still verify. A key reported compromised
is ``revoked`` (:meth:`KeyStore.revoke`): still listed, with the compromise time, but no longer
an assertion method (:func:`keys.did.mark_revoked`).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from keys.keypairs import (
    KEY_TYPES,
    InvalidKey,
    KeyPair,
    KeyType,
    PublicKey,
    seal_private_key,
    unseal_private_key,
)

MANIFEST = "keys.json"


class KeyStoreError(RuntimeError):
    """The key store is missing a key, or its files are unusable."""


@dataclass(frozen=True)
class KeyRecord:
    id: str  # the verification method fragment, e.g. "ed25519-3f9a1c2b"
    key_type: KeyType
    created: str
    status: str  # "current" | "retired" | "revoked"
    public_key_multibase: str | None
    public_key_jwk: dict | None
    compromised_at: str | None = None  # revoked keys: from when it is not trusted (UTC, Z)
    revoked_at: str | None = None  # revoked keys: when the compromise was recorded


@dataclass(frozen=True)
class SigningKey:
    record: KeyRecord
    key_pair: KeyPair


class KeyStore:
    def __init__(
        self, directory: str | os.PathLike[str], passphrase: str, *, scrypt_n: int = 2**15
    ):
        if not passphrase:
            raise KeyStoreError("the key store needs a passphrase (KEY_PASSPHRASE)")
        self.directory = Path(directory)
        self._passphrase = passphrase
        self._scrypt_n = scrypt_n
        self._unsealed: dict[str, KeyPair] = {}
        self._lock = threading.Lock()
        # the manifest as last read, with the (inode, mtime, size) it was read at
        self._manifest: tuple[tuple[int, int, int], tuple[KeyRecord, ...]] | None = None

    @classmethod
    def from_config(cls, config: Mapping[str, Any], instance_path: str) -> KeyStore:
        """``KEYS_DIR`` (default ``<instance>/keys``) sealed with ``KEY_PASSPHRASE``."""
        directory = config.get("KEYS_DIR") or str(Path(instance_path) / "keys")
        return cls(
            directory, config["KEY_PASSPHRASE"], scrypt_n=int(config.get("KEY_SCRYPT_N", 2**15))
        )

    def __repr__(self) -> str:  # never show the passphrase
        return f"KeyStore({str(self.directory)!r})"

    # -- reading -------------------------------------------------------------------------
    def records(self) -> list[KeyRecord]:
        """Every key in the manifest, in its order. Read again whenever the file changed (any
        process rotating or revoking replaces it, so its inode and mtime change); otherwise
        the parsed copy is reused, so signing reads no file per credential."""
        path = self.directory / MANIFEST
        try:
            info = path.stat()
        except FileNotFoundError:
            return []
        stamp = (info.st_ino, info.st_mtime_ns, info.st_size)
        cached = self._manifest
        if cached is not None and cached[0] == stamp:
            return list(cached[1])
        try:
            entries = json.loads(path.read_text(encoding="utf-8"))
            records = tuple(KeyRecord(**entry) for entry in entries)
        except (ValueError, TypeError) as error:
            raise KeyStoreError(f"{path} is damaged: {error}") from None
        self._manifest = (stamp, records)
        return list(records)

    def version(self) -> str:
        """A digest of the key list (ids, types, statuses, compromise times): it changes with
        every ``generate``, ``rotate`` and ``revoke``, also made by another process, so what
        was built from the keys (a DID document, a signed registry) can be reused until then.
        SHA-256 hex of the manifest's bytes; ``""`` for an empty store."""
        try:
            return hashlib.sha256((self.directory / MANIFEST).read_bytes()).hexdigest()
        except FileNotFoundError:
            return ""
        except OSError as error:
            raise KeyStoreError(f"cannot read {self.directory / MANIFEST}: {error}") from None

    def current(self, key_type: KeyType = "Ed25519") -> SigningKey:
        for record in self.records():
            if record.key_type == key_type and record.status == "current":
                return SigningKey(record, self._key_pair(record))
        raise KeyStoreError(
            f"no current {key_type} key in {self.directory}; run 'flask --app wsgi keys generate'"
        )

    def public_keys(self) -> list[tuple[str, PublicKey]]:
        """(fragment, public key) of every key, current first, for the DID document."""
        ordered = sorted(self.records(), key=lambda record: record.status != "current")
        return [(record.id, self._key_pair(record).public_key) for record in ordered]

    def _key_pair(self, record: KeyRecord) -> KeyPair:
        with self._lock:
            if record.id not in self._unsealed:
                path = self.directory / f"{record.id}.sealed.json"
                try:
                    sealed = json.loads(path.read_text(encoding="utf-8"))
                except (OSError, ValueError) as error:
                    raise KeyStoreError(f"cannot read {path}: {error}") from None
                try:
                    self._unsealed[record.id] = unseal_private_key(sealed, self._passphrase)
                except InvalidKey as error:
                    raise KeyStoreError(f"{path}: {error}") from None
            return self._unsealed[record.id]

    def revoked_keys(self) -> list[tuple[PublicKey, str]]:
        """(public key, compromise time) of every revoked key, for the DID document."""
        return [
            (self._key_pair(record).public_key, record.compromised_at or record.revoked_at or "")
            for record in self.records()
            if record.status == "revoked"
        ]

    # -- writing -------------------------------------------------------------------------
    def generate(self, key_types: tuple[KeyType, ...] = KEY_TYPES) -> list[KeyRecord]:
        """Create a current key for each type that has none. Returns the keys created."""
        records = self.records()
        missing = [
            key_type
            for key_type in key_types
            if not any(r.key_type == key_type and r.status == "current" for r in records)
        ]
        created = [self._create(key_type) for key_type in missing]
        self._write_manifest(records + created)
        return created

    def rotate(self, key_types: tuple[KeyType, ...] = KEY_TYPES) -> list[KeyRecord]:
        """Retire the current key of each type and create a new current one."""
        records = [
            replace(record, status="retired")
            if record.key_type in key_types and record.status == "current"
            else record
            for record in self.records()
        ]
        created = [self._create(key_type) for key_type in key_types]
        self._write_manifest(records + created)
        return created

    def revoke(
        self, key_id: str, compromised_at: datetime, *, now: datetime | None = None
    ) -> tuple[KeyRecord, KeyRecord | None]:
        """Mark ``key_id`` (a fragment, or a DID URL ending in one) revoked from
        ``compromised_at`` on. A current key is replaced by a new current key of its type,
        so signing goes on. Returns (the revoked record, the replacement or None).

        Raises :class:`KeyStoreError` for an unknown key, a naive time, or a time later than
        ``now`` (a compromise is reported after it happened)."""
        fragment = key_id.rsplit("#", 1)[-1]
        now = now or datetime.now(UTC)
        if compromised_at.tzinfo is None:
            raise KeyStoreError("give the compromise time with its offset, e.g. 2026-11-02T08:00Z")
        if compromised_at > now:
            raise KeyStoreError("the compromise time is in the future")
        records = self.records()
        found = next((r for r in records if r.id == fragment), None)
        if found is None:
            raise KeyStoreError(f"no key {fragment!r} in {self.directory}")
        if found.status == "revoked":
            raise KeyStoreError(f"key {fragment} was already revoked on {found.revoked_at}")
        revoked = replace(
            found,
            status="revoked",
            compromised_at=_utc_text(compromised_at),
            revoked_at=_utc_text(now),
        )
        replacement = self._create(found.key_type) if found.status == "current" else None
        updated = [revoked if r.id == fragment else r for r in records]
        self._write_manifest(updated + ([replacement] if replacement else []))
        return revoked, replacement

    def _create(self, key_type: KeyType) -> KeyRecord:
        key_pair = KeyPair.generate(key_type)
        public_key = key_pair.public_key
        record = KeyRecord(
            id=f"{key_type.lower().replace('-', '')}-{secrets.token_hex(4)}",
            key_type=key_type,
            created=_utc_text(datetime.now(UTC)),
            status="current",
            public_key_multibase=None if key_type == "RSA" else public_key.to_multikey(),
            public_key_jwk=public_key.to_jwk() if key_type == "RSA" else None,
        )
        sealed = seal_private_key(key_pair, self._passphrase, scrypt_n=self._scrypt_n)
        self._write(f"{record.id}.sealed.json", json.dumps(sealed, indent=2))
        self._unsealed[record.id] = key_pair
        return record

    def _write_manifest(self, records: list[KeyRecord]) -> None:
        self._manifest = None
        self._write(MANIFEST, json.dumps([asdict(record) for record in records], indent=2))

    def _write(self, name: str, text: str) -> None:
        """Write atomically with owner-only permissions."""
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = self.directory / f".{name}.tmp"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, self.directory / name)


def _utc_text(moment: datetime) -> str:
    """``2026-11-02T08:00:00Z``: UTC, whole seconds (XML Schema dateTime)."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
