import json
import stat
from datetime import UTC, datetime, timedelta

import pytest

from keys.store import KeyStore, KeyStoreError

PASSPHRASE = "a passphrase used only by this test"


@pytest.fixture
def store(tmp_path):
    return KeyStore(tmp_path / "keys", PASSPHRASE, scrypt_n=2**14)


def test_generate_creates_one_current_key_per_type(store):
    created = store.generate()
    assert sorted(r.key_type for r in created) == ["Ed25519", "P-256", "RSA"]
    assert store.generate() == []  # idempotent
    assert all(r.status == "current" for r in store.records())


def test_private_keys_are_sealed_and_owner_only(store, tmp_path):
    store.generate(("Ed25519",))
    record = store.records()[0]
    path = tmp_path / "keys" / f"{record.id}.sealed.json"
    sealed = json.loads(path.read_text())
    assert sealed["format"] == "pkcs8+scrypt+aes-256-gcm"
    assert "PRIVATE KEY" not in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert PASSPHRASE not in repr(store)


def test_a_fresh_store_object_reads_the_keys_back(store, tmp_path):
    store.generate(("Ed25519",))
    signature = store.current("Ed25519").key_pair.sign(b"m")
    reopened = KeyStore(tmp_path / "keys", PASSPHRASE)
    assert reopened.current("Ed25519").key_pair.public_key.verify(signature, b"m")


def test_wrong_passphrase_is_a_clear_error(store, tmp_path):
    store.generate(("Ed25519",))
    with pytest.raises(KeyStoreError, match="wrong passphrase"):
        KeyStore(tmp_path / "keys", "not the passphrase").current("Ed25519")


def test_rotation_keeps_retired_keys_for_the_did_document(store):
    first = store.generate(("Ed25519",))[0]
    second = store.rotate(("Ed25519",))[0]
    assert store.current("Ed25519").record.id == second.id
    statuses = {r.id: r.status for r in store.records()}
    assert statuses == {first.id: "retired", second.id: "current"}
    assert [fragment for fragment, _ in store.public_keys()] == [second.id, first.id]


def test_missing_key_names_the_command(store):
    with pytest.raises(KeyStoreError, match="keys generate"):
        store.current("P-256")


def test_a_running_signer_sees_a_rotation_or_revocation_made_by_another_process(store, tmp_path):
    """The manifest is cached between signatures (not read per credential), but a change made
    through another store object (another process: ``keys rotate``, ``keys revoke``) is seen
    by the very next signature."""
    first = store.generate(("Ed25519",))[0]
    signer_side = KeyStore(tmp_path / "keys", PASSPHRASE, scrypt_n=2**14)
    assert signer_side.current("Ed25519").record.id == first.id
    second = store.rotate(("Ed25519",))[0]
    assert signer_side.current("Ed25519").record.id == second.id
    _, replacement = store.revoke(second.id, datetime.now(UTC) - timedelta(minutes=1))
    assert replacement is not None
    assert signer_side.current("Ed25519").record.id == replacement.id
    assert {r.id: r.status for r in signer_side.records()}[second.id] == "revoked"
