"""Fault tests: the issuer's database world (from tests/issuer), a PostgreSQL-only marker, and
the invariant every fault must leave intact: no orphan status bits."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.models import Award, StatusList
from issuer.services import status_lists
from tests.issuer.conftest import SITE, fake_signer, world  # noqa: F401 - fixtures used here

ROOT = Path(__file__).resolve().parents[2]

on_postgres = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
    reason="needs real concurrent sessions and killable backends: PostgreSQL (set DATABASE_URL)",
)


def assert_status_lists_consistent(session: Session) -> None:
    """Every allocated index belongs to exactly one award, each list's next index is the
    number of awards in it, and the bits set are exactly those of the revoked awards."""
    session.expire_all()
    for status_list in session.scalars(select(StatusList)):
        awards = list(session.scalars(select(Award).where(Award.status_list_id == status_list.id)))
        indexes = sorted(award.status_list_index for award in awards)
        assert indexes == list(range(status_list.next_free_index)), (
            f"list {status_list.id}: indexes {indexes} for next index {status_list.next_free_index}"
        )
        revoked = {award.status_list_index for award in awards if award.revoked_at is not None}
        set_bits = {
            index
            for index in range(status_list.size)
            if status_lists.bit_is_set(status_list.bitstring, index)
        }
        assert set_bits == revoked, f"list {status_list.id}: bits {set_bits}, revoked {revoked}"


def cli_environment(database_url: str, keys_dir: Path) -> dict[str, str]:
    """The environment of a ``flask --app wsgi`` subprocess on the test database and keys."""
    return {
        **os.environ,
        "BADGES_ENV": "test",
        "BADGES_DATABASE_URL": database_url,
        "BADGES_KEYS_DIR": str(keys_dir),
        "BADGES_KEY_SCRYPT_N": str(2**10),
        "BADGES_PUBLIC_BASE_URL": SITE.base_url,
        "BADGES_ISSUER_DOMAIN": "badges.example.org",
        "BADGES_LOAD_BADGES_ON_START": "false",
        "PYTHONPATH": str(ROOT),
    }
