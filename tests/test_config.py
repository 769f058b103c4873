"""Settings read from ``BADGES_*`` environment variables mean what they say."""

import pytest

from config import load_config, refuse_development_secrets
from verifier.network import NetworkPolicy

LOOPBACK = "VERIFIER_NETWORK_ALLOW_LOOPBACK_FOR_TESTS"


@pytest.mark.parametrize("written", ["0", "false", "no", "off", "", "False"])
def test_a_test_only_network_switch_written_off_is_off(monkeypatch, written):
    monkeypatch.setenv(f"BADGES_{LOOPBACK}", written)
    config = load_config({"ENV_NAME": "test"})
    assert config[LOOPBACK] is False
    assert NetworkPolicy.from_config(config).allow_loopback is False  # no fetch from 127.0.0.1


@pytest.mark.parametrize("written", ["1", "true", "yes"])
def test_the_switch_written_on_is_on_outside_production(monkeypatch, written):
    monkeypatch.setenv(f"BADGES_{LOOPBACK}", written)
    assert NetworkPolicy.from_config(load_config({"ENV_NAME": "test"})).allow_loopback is True


def test_production_refuses_to_start_with_the_switch_on():
    config = load_config(
        {
            "ENV_NAME": "production",
            "SECRET_KEY": "s" * 40,
            "KEY_PASSPHRASE": "p" * 20,
            LOOPBACK: True,
        }
    )
    with pytest.raises(RuntimeError, match=LOOPBACK):
        refuse_development_secrets(config)
    refuse_development_secrets({**config, LOOPBACK: False})  # otherwise it starts
