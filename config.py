"""Configuration objects. Environment variables prefixed ``BADGES_`` override any key."""

from __future__ import annotations

import os
from typing import Any


class Config:
    """Embedded defaults: SQLite in the instance folder, development keys generated on demand."""

    ENV_NAME = "development"
    SECRET_KEY = "dev-only-secret-key-change-me"  # noqa: S105 - refused in production
    DATABASE_URL: str | None = None  # None: sqlite file in the instance folder
    AUTO_MIGRATE_EMBEDDED = True  # bring the embedded SQLite default to head on start
    LOAD_BADGES_ON_START = True  # load badge_definitions/*.yaml on start (idempotent)
    KEYS_DIR: str | None = None  # None: <instance>/keys
    KEY_PASSPHRASE = "dev-only-key-passphrase"  # noqa: S105 - refused in production
    ISSUER_DOMAIN = "localhost%3A5000"  # did:web:<ISSUER_DOMAIN>; %3A encodes a port
    PUBLIC_BASE_URL = "http://localhost:5000"
    ISSUER_NAME = "Linked Learning Alliance"
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True


class ProductionConfig(Config):
    ENV_NAME = "production"


CONFIGS = {"development": Config, "test": TestConfig, "production": ProductionConfig}


def load_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Defaults of the chosen config class, then ``BADGES_*`` environment, then ``overrides``."""
    env_name = (overrides or {}).get("ENV_NAME") or os.environ.get("BADGES_ENV", "development")
    base = CONFIGS[env_name]
    values = {key: getattr(base, key) for key in dir(base) if key.isupper()}
    for key, raw in os.environ.items():
        if key.startswith("BADGES_"):
            name = key.removeprefix("BADGES_")
            is_flag = isinstance(values.get(name), bool)
            values[name] = raw.strip().lower() in {"1", "true", "yes", "on"} if is_flag else raw
    if values.get("DATABASE_URL") is None and os.environ.get("DATABASE_URL"):
        values["DATABASE_URL"] = os.environ["DATABASE_URL"]
    values.update(overrides or {})
    return values
