"""Bulk issuance end to end into PostgreSQL: ``flask --app wsgi awards bulk-issue`` on a CSV of
N students, against the previous engine (one row, one commit: ``_previous_bulk_engine``)
on the same database in the same run.

Run by hand (PostgreSQL on 127.0.0.1 unless BENCH_DATABASE_URL says otherwise):

    python bench/bench_bulk_issue.py [--sizes 10000 100000] [--processes 2] [--peer-rows 2000]

For each size it prints credentials/s, wall-clock time per credential (it must stay flat as N
grows), the CPU time per credential of the command and its worker processes together (not
PostgreSQL's; steady when other work shares the machine, unlike the wall clock),
the peak resident memory of the largest process, the projection to 1,000,000, and the ratio
against the per-row engine. It also prints where one credential's time goes (signing both
forms, building, the database) so the bound is visible. Each size runs in a fresh schema that
is dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import _previous_bulk_engine as bulk_issuance  # noqa: E402

from issuer.database import make_engine, upgrade  # noqa: E402
from issuer.models import CriterionResult, Student  # noqa: E402
from issuer.recipients import new_identity_salt  # noqa: E402
from issuer.services import badges, certifications  # noqa: E402
from issuer.services.issuance import IssuerSite  # noqa: E402
from issuer.signing import CredentialSigner  # noqa: E402
from keys.store import KeyStore  # noqa: E402

DATABASE = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BADGE = "health-care-industry-badge"
PASSPHRASE = "bench-only-passphrase"  # noqa: S105 - a throw-away key store
SITE = IssuerSite(
    base_url="https://badges.example.org",
    issuer_name="Linked Learning Alliance",
    link_secret="bench-only-link-secret",  # noqa: S106 - signs the claim links of a throw-away run
)
FLASK = Path(sys.executable).with_name("flask")


def fresh_database() -> tuple[str, str]:
    schema = f"bench_{secrets.token_hex(4)}"
    with make_engine(DATABASE).begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(DATABASE).update_query_dict({"options": f"-csearch_path={schema}"})
    url_text = url.render_as_string(hide_password=False)
    upgrade(make_engine(url_text))
    return url_text, schema


def drop(schema: str) -> None:
    with make_engine(DATABASE).begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def cohort(url: str, size: int) -> bytes:
    """A Gold health pathway and ``size`` students with every criterion met, as CSV."""
    now = datetime.now(UTC)
    with Session(make_engine(url)) as session:
        badges.load_all(session, now=now)
        badge = badges.find_badge(session, BADGE)
        pathway = certifications.create_pathway(
            session, slug="bench", name="Bench Health Academy", school="Bench High",
            district="Bench Unified", sector="health", level="gold",
            awarded_on=date(2025, 7, 1), expires_on=date(2030, 6, 30), actor=None, now=now,
        )  # fmt: skip
        keys = [criterion.key for criterion in badges.definition_of(badge).criteria]
        emails = [f"s{i:07d}@students.example.org" for i in range(size)]
        for start in range(0, size, 10_000):
            ids = session.scalars(
                insert(Student).returning(Student.id),
                [
                    {
                        "pathway_id": pathway.id,
                        "name": f"Student {i}",
                        "email": emails[i],
                        "graduation_year": 2027,
                        "name_display_consent": False,
                        "identity_salt": new_identity_salt(),
                        "created_at": now,
                    }
                    for i in range(start, min(size, start + 10_000))
                ],
            ).all()
            session.execute(
                insert(CriterionResult),
                [
                    {
                        "student_id": i,
                        "badge_id": badge.id,
                        "criterion_key": key,
                        "met": True,
                        "recorded_at": now,
                    }
                    for i in ids
                    for key in keys
                ],
            )
        session.commit()
    return ("student_email\n" + "".join(f"{e}\n" for e in emails)).encode()


def children_cpu() -> float:
    """CPU seconds (user + system) of every finished child process, grandchildren included
    (the command's worker processes are waited for by it, and it by us)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_cli(url: str, keys_dir: Path, csv_file: Path, processes: int) -> float:
    env = {
        **os.environ,
        "BADGES_DATABASE_URL": url,
        "BADGES_KEYS_DIR": str(keys_dir),
        "BADGES_KEY_PASSPHRASE": PASSPHRASE,
        "BADGES_PUBLIC_BASE_URL": SITE.base_url,
        "BADGES_ISSUER_DOMAIN": "badges.example.org",
        "BADGES_LOAD_BADGES_ON_START": "false",
    }
    command = [str(FLASK), "--app", "wsgi", "awards", "bulk-issue", str(csv_file), "--badge",
               BADGE, "--issue-valid-rows", "--processes", str(processes)]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - started


def signer(keys_dir: Path) -> CredentialSigner:
    return CredentialSigner("did:web:badges.example.org", KeyStore(keys_dir, PASSPHRASE))


def peer_rate(url: str, keys_dir: Path, content: bytes) -> float:
    """The previous engine: preview, then one row and one commit at a time, one process."""
    with Session(make_engine(url), expire_on_commit=False) as session:
        badge = badges.find_badge(session, BADGE)
        now = datetime.now(UTC)
        plan = bulk_issuance.preview(session, content=content, badge=badge, actor=None, now=now)
        session.rollback()
        started = time.perf_counter()
        issued = 0
        for outcome in bulk_issuance.issue_rows(
            session, plan, badge=badge, actor=None, signer=signer(keys_dir), site=SITE, now=now
        ):
            session.commit() if outcome.issued else session.rollback()
            issued += outcome.issued
        return issued / (time.perf_counter() - started)


def breakdown(keys_dir: Path, count: int = 300) -> dict[str, float]:
    """CPU milliseconds per credential for building and signing each form, in this process
    (CPU time: the wall clock of a shared machine would count other people's work)."""
    from issuer.credential_builder import build_achievement_credential

    credential_signer = signer(keys_dir)
    made = []
    started = time.process_time()
    for n in range(count):
        made.append(
            build_achievement_credential(
                credential_id=f"urn:uuid:{secrets.token_hex(16)}",
                issuer=SITE.issuer_profile(credential_signer.issuer_did),
                recipient_email=f"s{n}@students.example.org",
                recipient_salt=new_identity_salt(),
                achievement={
                    "id": "https://badges.example.org/achievements/x",
                    "type": ["Achievement"],
                    "name": "Health Care Industry Badge",
                    "criteria": {"narrative": "Met every criterion."},
                },
                valid_from=datetime(2026, 11, 29, tzinfo=UTC),
                valid_until=None,
                evidence=[],
                credential_status=None,
                name="Health Care Industry Badge",
            )
        )
    build = (time.process_time() - started) / count * 1000
    started = time.process_time()
    for credential in made:
        credential_signer.sign_ldp(credential)
    ldp = (time.process_time() - started) / count * 1000
    started = time.process_time()
    for credential in made:
        credential_signer.sign_jwt(credential)
    jwt = (time.process_time() - started) / count * 1000
    return {"build": build, "sign_ldp": ldp, "sign_jwt": jwt}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--peer-rows", type=int, default=2_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        keys_dir = Path(folder) / "keys"
        KeyStore(keys_dir, PASSPHRASE).generate(("Ed25519", "P-256"))
        parts = breakdown(keys_dir)
        print(
            "one credential, one process, CPU: build {build:.2f} ms · sign eddsa-rdfc-2022 "
            "{sign_ldp:.2f} ms · sign VC-JWT {sign_jwt:.2f} ms".format(**parts)
        )
        signing_only = 1000 / sum(parts.values()) * args.processes
        print(f"signing alone caps {args.processes} process(es) at {signing_only:,.0f}/s\n")

        url, schema = fresh_database()
        try:
            peer = peer_rate(url, keys_dir, cohort(url, args.peer_rows))
        finally:
            drop(schema)
        print(f"peer: one row, one commit, one process: {peer:,.0f} credentials/s")
        print(f"{'rows':>9} {'seconds':>8} {'cred/s':>8} {'ms/cred':>8} {'CPU ms':>7} "
              f"{'peak RSS':>9} {'1M in':>8} {'vs peer':>8}")  # fmt: skip
        for size in args.sizes:
            url, schema = fresh_database()
            try:
                csv_file = Path(folder) / f"cohort-{size}.csv"
                csv_file.write_bytes(cohort(url, size))
                cpu_before = children_cpu()
                seconds = run_cli(url, keys_dir, csv_file, args.processes)
                cpu_ms = (children_cpu() - cpu_before) / size * 1000
            finally:
                drop(schema)
            rate = size / seconds
            peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            print(
                f"{size:>9,} {seconds:>8.1f} {rate:>8,.0f} {1000 / rate:>8.3f} {cpu_ms:>7.2f} "
                f"{peak_mib:>7,.0f} MiB {1_000_000 / rate / 60:>6.1f} min {rate / peer:>7.1f}x"
            )


if __name__ == "__main__":
    main()
