"""Class 10, keys at rest: production refuses development or weak secrets (naming the setting,
never its value), the key passphrase never shows in reprs, errors or logs, and private keys are
sealed with scrypt at N >= 2^15 unless a test asks for less."""

from __future__ import annotations

import json
import logging
import traceback
from pathlib import Path

import pytest

from config import Config
from keys.keypairs import KeyPair, seal_private_key
from keys.store import KeyStore, KeyStoreError

STRONG_SECRET = "5f0c9b1e7a2d4c8e9b3a6d1f0e7c2b4a"  # 32 characters
STRONG_PASSPHRASE = "correct horse battery staple 42"


def _production(tmp_path: Path, **settings):
    from wsgi import create_app

    return create_app({
        "ENV_NAME": "production",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite'}",
        "LOAD_BADGES_ON_START": False,
        "KEYS_DIR": str(tmp_path / "keys"),
        "SECRET_KEY": STRONG_SECRET,
        "KEY_PASSPHRASE": STRONG_PASSPHRASE,
        **settings,
    })  # fmt: skip


@pytest.mark.parametrize(
    ("setting", "value", "problem"),
    [
        ("SECRET_KEY", Config.SECRET_KEY, "is still the development default"),
        ("SECRET_KEY", "", "is not set"),
        ("SECRET_KEY", "   ", "is not set"),
        ("SECRET_KEY", "s3cr3t-but-only-29-characters", "is shorter than 32 characters"),
        ("KEY_PASSPHRASE", Config.KEY_PASSPHRASE, "is still the development default"),
        ("KEY_PASSPHRASE", "", "is not set"),
        ("KEY_PASSPHRASE", "hunter2hunter2!", "is shorter than 16 characters"),
    ],
)
def test_production_refuses_to_start_with_a_weak_secret(tmp_path, setting, value, problem):
    with pytest.raises(RuntimeError) as refused:
        _production(tmp_path, **{setting: value})
    message = str(refused.value)
    assert message == (
        f"refusing to start in production: {setting} {problem}; "
        f"set BADGES_{setting} to a long random value"
    )
    if value.strip():
        assert value not in message


def test_production_refuses_a_cheap_scrypt_cost(tmp_path):
    with pytest.raises(RuntimeError, match="KEY_SCRYPT_N is below 2\\*\\*15"):
        _production(tmp_path, KEY_SCRYPT_N=2**14)


def test_production_from_the_environment_alone_is_refused(tmp_path, monkeypatch):
    """``BADGES_ENV=production`` with nothing else set: the defaults must not slip through."""
    from wsgi import create_app

    monkeypatch.setenv("BADGES_ENV", "production")
    monkeypatch.setenv("BADGES_DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite'}")
    with pytest.raises(RuntimeError, match="SECRET_KEY is still the development default"):
        create_app()


def test_production_with_strong_secrets_starts(tmp_path):
    app = _production(tmp_path)
    assert app.config["ENV_NAME"] == "production"


def test_development_keeps_working_on_the_defaults(tmp_path):
    from wsgi import create_app

    app = create_app({
        "ENV_NAME": "development",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'dev.sqlite'}",
        "LOAD_BADGES_ON_START": False,
    })  # fmt: skip
    assert app.config["KEY_PASSPHRASE"] == Config.KEY_PASSPHRASE


PASSPHRASE = "a-passphrase-that-must-never-leak-7731"


def _everything_said(error: BaseException) -> str:
    return "".join(traceback.format_exception(error)) + repr(error)


def test_the_passphrase_never_shows_in_reprs_errors_or_logs(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    store = KeyStore(tmp_path / "keys", PASSPHRASE, scrypt_n=2**10)
    store.generate(("Ed25519",))
    store.rotate(("Ed25519",))
    shown = [repr(store), str(store), repr(store.records())]

    wrong = KeyStore(tmp_path / "keys", "not-" + PASSPHRASE, scrypt_n=2**10)
    with pytest.raises(KeyStoreError) as refused:
        wrong.current("Ed25519")
    assert "wrong passphrase or damaged file" in str(refused.value)
    shown.append(_everything_said(refused.value))

    record = store.records()[-1]
    sealed_path = tmp_path / "keys" / f"{record.id}.sealed.json"
    sealed = json.loads(sealed_path.read_text())
    sealed["ciphertext"] = sealed["ciphertext"][:-4] + "AAAA"
    sealed_path.write_text(json.dumps(sealed))
    with pytest.raises(KeyStoreError) as damaged:
        KeyStore(tmp_path / "keys", PASSPHRASE, scrypt_n=2**10).current("Ed25519")
    shown.append(_everything_said(damaged.value))

    shown.append(caplog.text)
    shown += [path.read_text() for path in (tmp_path / "keys").iterdir()]
    for text in shown:
        assert PASSPHRASE not in text
        assert "never-leak" not in text


def test_the_app_signer_repr_does_not_carry_the_passphrase(tmp_path):
    app = _production(tmp_path)
    signer = app.extensions["signer"]
    assert STRONG_PASSPHRASE not in repr(signer)
    assert STRONG_PASSPHRASE not in repr(signer.key_store)


def test_keys_are_sealed_with_scrypt_at_n_2_15_or_more_by_default(tmp_path):
    store = KeyStore.from_config({"KEY_PASSPHRASE": PASSPHRASE}, str(tmp_path))
    (record,) = store.generate(("Ed25519",))
    sealed = json.loads((tmp_path / "keys" / f"{record.id}.sealed.json").read_text())
    assert sealed["format"] == "pkcs8+scrypt+aes-256-gcm"
    assert sealed["scrypt"]["n"] >= 2**15
    assert (sealed["scrypt"]["r"], sealed["scrypt"]["p"]) == (8, 1)
    assert PASSPHRASE not in json.dumps(sealed)
    assert seal_private_key(KeyPair.generate(), PASSPHRASE)["scrypt"]["n"] >= 2**15
