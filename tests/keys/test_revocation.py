"""Key revocation in the key store and the DID document (keys/ owns key state)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from keys.did import controller_document, mark_revoked
from keys.store import KeyStore, KeyStoreError

DID = "did:web:badges.example.org"


@pytest.fixture
def store(tmp_path) -> KeyStore:
    store = KeyStore(tmp_path, "test passphrase", scrypt_n=2**10)
    store.generate(("Ed25519", "P-256"))
    return store


def test_revoking_the_current_key_records_the_times_and_replaces_it(store):
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    old = store.current("Ed25519").record.id
    revoked, replacement = store.revoke(f"{DID}#{old}", now - timedelta(hours=3), now=now)
    assert (revoked.status, revoked.compromised_at, revoked.revoked_at) == (
        "revoked",
        "2026-11-29T09:00:00Z",
        "2026-11-29T12:00:00Z",
    )
    assert replacement is not None and store.current("Ed25519").record.id == replacement.id
    assert [r.status for r in store.records() if r.id == old] == ["revoked"]
    assert store.current("P-256").record.status == "current"  # other types untouched


def test_revoking_a_retired_key_creates_no_replacement(store):
    old = store.current("P-256").record.id
    store.rotate(("P-256",))
    _revoked, replacement = store.revoke(old, datetime.now(UTC))
    assert replacement is None


def test_the_did_document_keeps_a_revoked_key_listed_but_in_no_relationship(store):
    old = store.current("Ed25519").record.id
    store.revoke(old, datetime(2026, 11, 2, 8, 0, tzinfo=UTC))
    document = controller_document(DID, store.public_keys())
    # A second method for the same key (as a JsonWebKey twin would be) is revoked with it.
    twin = dict(next(m for m in document["verificationMethod"] if m["id"] == f"{DID}#{old}"))
    twin["id"] = f"{DID}#{old}-twin"
    document["verificationMethod"].append(twin)
    document["assertionMethod"].append(twin["id"])
    document = mark_revoked(document, store.revoked_keys())
    revoked = {m["id"]: m.get("revoked") for m in document["verificationMethod"]}
    assert revoked[f"{DID}#{old}"] == revoked[f"{DID}#{old}-twin"] == "2026-11-02T08:00:00Z"
    for relationship in ("assertionMethod", "authentication"):
        assert not {f"{DID}#{old}", f"{DID}#{old}-twin"} & set(document[relationship])
    current = store.current("Ed25519").record.id
    assert f"{DID}#{current}" in document["assertionMethod"]


@pytest.mark.parametrize(
    ("key_id", "when", "message"),
    [
        ("ed25519-00000000", datetime(2026, 1, 1, tzinfo=UTC), "no key"),
        (None, datetime(2026, 1, 1), "offset"),
        (None, datetime.now(UTC) + timedelta(days=1), "future"),
    ],
)
def test_revoke_refuses_unknown_keys_naive_and_future_times(store, key_id, when, message):
    with pytest.raises(KeyStoreError, match=message):
        store.revoke(key_id or store.current("Ed25519").record.id, when)


def test_a_key_is_revoked_once(store):
    old = store.current("Ed25519").record.id
    store.revoke(old, datetime.now(UTC))
    with pytest.raises(KeyStoreError, match="already revoked"):
        store.revoke(old, datetime.now(UTC))
