"""Bulk issuance interrupted by a dropped database connection or a killed process, then
resumed with the same file: every row is issued exactly once and no status bit is orphaned."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from issuer.jobs import bulk
from issuer.models import Award
from issuer.services import revocation
from keys.store import KeyStore
from tests.faults.conftest import assert_status_lists_consistent, cli_environment, on_postgres
from tests.issuer.conftest import BADGE, SITE

ROOT = Path(__file__).resolve().parents[2]
FLASK = Path(sys.executable).with_name("flask")
DIE_AFTER = Path(__file__).with_name("bulk_issue_then_die.py")


def _cohort(world, size: int) -> tuple[list, bytes]:
    students = [world.student(world.pathways.gold, f"Student Number{i}") for i in range(size)]
    world.session.commit()
    lines = ["student_email,evidence_url"] + [
        f"{s.email},https://evidence.example.org/{i}" for i, s in enumerate(students)
    ]
    return students, ("\n".join(lines) + "\n").encode()


def _keyed_awards(session) -> dict[str, int]:
    """Awards issued from CSV files, by idempotency key: how many for each."""
    rows = session.execute(
        select(Award.idempotency_key, func.count())
        .where(Award.idempotency_key.like("csv:%"))
        .group_by(Award.idempotency_key)
    )
    return dict(rows.all())


class _CutOnce:
    """A signer that, while signing the row number ``at``, has PostgreSQL terminate the
    session's own connection (as a failover, a restart or an idle-killer would)."""

    def __init__(self, inner, engine, session, at: int) -> None:
        self.inner, self.issuer_did = inner, inner.issuer_did
        self.engine, self.session, self.at, self.calls = engine, session, at, 0

    def sign_ldp(self, credential):
        if "BitstringStatusListCredential" in credential["type"]:
            return self.inner.sign_ldp(credential)  # the list, published once: not a row
        self.calls += 1
        if self.calls == self.at:
            pid = self.session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
            with self.engine.connect() as other:
                assert other.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
        return self.inner.sign_ldp(credential)

    def sign_jwt(self, credential, **options):
        return self.inner.sign_jwt(credential, **options)


@pytest.mark.postgres
@on_postgres
def test_a_dropped_connection_fails_its_chunk_and_the_rerun_issues_each_row_once(
    world, fake_signer, engine
):
    """The connection dies while the second chunk signs (no transaction is open then): that
    chunk's awards are not written, the first chunk's stay; running the job again issues the
    second chunk once, into the block of status-list indexes it had reserved."""
    _, content = _cohort(world, 6)
    job = bulk.open_job(
        world.session, stream=io.BytesIO(content), filename="cohort.csv", badge=world.badge,
        actor=None, now=world.now, chunk_size=3,
    )  # fmt: skip
    world.session.commit()
    cut = _CutOnce(fake_signer, engine, world.session, at=5)  # the second chunk's second row
    with pytest.raises(OperationalError):
        for chunk_no in bulk.pending_chunks(world.session, job):
            bulk.run_chunk(world.session, job.id, chunk_no, signer=cut, site=SITE, now=world.now)
    world.session.rollback()
    assert len(_keyed_awards(world.session)) == 3
    assert bulk.pending_chunks(world.session, job) == [1]

    bulk.run_chunk(world.session, job.id, 1, signer=fake_signer, site=SITE, now=world.now)
    keyed = _keyed_awards(world.session)
    assert len(keyed) == 6 and set(keyed.values()) == {1}
    assert bulk.progress(world.session, job).state == bulk.FINISHED
    assert_status_lists_consistent(world.session)


@pytest.mark.parametrize(
    ("moment", "commits_before_death"),
    [("after-commit", 6), ("mid-row", 7)],
    ids=["killed-between-chunks", "killed-while-signing-a-chunk"],
)
def test_a_killed_bulk_issue_resumes_with_the_same_command(
    world, database_url, tmp_path, moment, commits_before_death
):
    """The process dies without any clean-up (``os._exit``, as SIGKILL or a power cut would)
    after two chunks of two rows committed (commits 1 and 2 open and start the job; each chunk commits its
    status-list block, then its awards), either between chunks or while signing the third
    chunk, whose block of indexes is already reserved. ``flask --app wsgi awards bulk-issue``
    with the same file then resumes the same job: each row is issued once, and the third
    chunk's retry reuses its block, so no status-list index is left unused."""
    students, content = _cohort(world, 8)
    csv_file = tmp_path / "cohort.csv"
    csv_file.write_bytes(content)
    # The app's test config seals keys with the development passphrase.
    KeyStore(tmp_path / "keys", "dev-only-key-passphrase", scrypt_n=2**10).generate(
        ("Ed25519", "P-256")
    )
    environment = cli_environment(database_url, tmp_path / "keys")
    command = ["awards", "bulk-issue", str(csv_file), "--badge", BADGE, "--issue-valid-rows",
               "--chunk-size", "2", "--processes", "1"]  # fmt: skip

    killed = subprocess.run(
        [sys.executable, str(DIE_AFTER), moment, str(commits_before_death), *command],
        env=environment, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert killed.returncode == 137, killed.stderr
    world.session.expire_all()
    assert len(_keyed_awards(world.session)) == 4

    resumed = subprocess.run(
        [str(FLASK), "--app", "wsgi", *command],
        env=environment, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr
    assert "Issued 8, failed 0." in resumed.stdout
    world.session.expire_all()
    keyed = _keyed_awards(world.session)
    assert len(keyed) == len(students) and set(keyed.values()) == {1}
    assert_status_lists_consistent(world.session)

    # The resumed list keeps working: a revocation sets exactly that award's bit.
    award = world.session.scalars(select(Award).order_by(Award.status_list_index)).first()
    revocation.revoke(world.session, award=award, reason="test", actor=None, now=world.now)
    world.session.commit()
    assert_status_lists_consistent(world.session)
