"""Shared fixtures: a migrated database (SQLite, or PostgreSQL when DATABASE_URL is set), a
session per test with every table emptied afterwards, a real credential signer, and the app.

On PostgreSQL each test run gets its own schema (dropped at the end), so several runs against
the same database do not see each other's rows.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from issuer.database import make_engine, upgrade
from issuer.models import Base


def _postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL")
    return url if url and url.startswith("postgresql") else None


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A freshly migrated database for this run."""
    base = _postgres_url()
    if base is None:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
        upgrade(make_engine(url))
        yield url
        return
    schema = f"test_{os.getpid()}_{secrets.token_hex(3)}"
    admin = make_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    url_text = url.render_as_string(hide_password=False)
    upgrade(make_engine(url_text))
    yield url_text
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def _empty_all_tables(engine: Engine) -> None:
    tables = list(reversed(Base.metadata.sorted_tables))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the migrated database; all rows are removed after the test, so tests
    may commit (as views and commands do)."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
    finally:
        session.rollback()
        session.close()
        _empty_all_tables(engine)


NOW = datetime(2026, 3, 2, 17, 30, tzinfo=UTC)


@pytest.fixture
def now() -> datetime:
    """The tests' "now": issuance, eligibility and proofs all happen at this moment."""
    return NOW


@pytest.fixture(scope="session")
def signer(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The lead's real signer over a throw-away key store (Ed25519 and P-256)."""
    pytest.importorskip("schemas.canonical", reason="RDFC canonicalization not written yet")
    from issuer.signing import CredentialSigner
    from keys.store import KeyStore

    store = KeyStore(tmp_path_factory.mktemp("keys"), "test-passphrase", scrypt_n=2**10)
    store.generate(("Ed25519", "P-256"))
    return CredentialSigner(
        issuer_did="did:web:badges.example.org", key_store=store, clock=lambda: NOW
    )


@pytest.fixture
def app(database_url: str, tmp_path: Path, engine: Engine) -> Iterator[Any]:
    """The Flask app on the test database (tables are emptied after the test)."""
    from wsgi import create_app

    app = create_app(
        {
            "ENV_NAME": "test",
            "DATABASE_URL": database_url,
            "KEYS_DIR": str(tmp_path / "keys"),
            "KEY_SCRYPT_N": 2**10,
            "PUBLIC_BASE_URL": "https://badges.example.org",
            "ISSUER_DOMAIN": "badges.example.org",
        }
    )
    yield app
    from issuer.jobs.executors import wait_for_runs

    wait_for_runs(app)  # a background bulk run still writing would race the cleanup
    _empty_all_tables(engine)
