"""The commands an operator runs, end to end through the app and the test database."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from issuer.database import get_session
from issuer.demo import DEMO_LOGINS
from issuer.models import AuditEvent, Award, BadgeDefinitionRecord, Student, User
from issuer.services import users

BADGE = "health-care-industry-badge"
CRITERIA = (
    "clinical-work-based-learning",
    "cpr-bls-certification",
    "patient-communication-assessment",
    "health-career-portfolio",
    "hipaa-privacy-training",
)


@pytest.fixture
def cli(app):
    pytest.importorskip("schemas.canonical", reason="RDFC canonicalization not written yet")
    runner = app.test_cli_runner()
    assert (
        runner.invoke(args=["keys", "generate", "--type", "Ed25519", "--type", "P-256"]).exit_code
        == 0
    )

    def run(*args: str, ok: bool = True):
        result = runner.invoke(args=list(args))
        assert (result.exit_code == 0) == ok, result.output
        return result.output

    return run


def scalar(app, statement):
    with app.app_context():
        return get_session().scalar(statement)


def test_badge_definitions_are_loaded_on_start_and_reloading_changes_nothing(app, cli):
    assert scalar(app, select(BadgeDefinitionRecord.version)) == 3
    assert cli("badges", "load") == f"{BADGE} version 3: unchanged\n"


def test_a_pathway_from_creation_to_an_issued_and_revoked_badge(app, cli, tmp_path):
    cli(
        "pathways",
        "create",
        "--slug",
        "lincoln-health",
        "--name",
        "Lincoln High Health Academy",
        "--school",
        "Lincoln High School",
        "--district",
        "Stockton Unified",
        "--sector",
        "health",
        "--level",
        "silver",
        "--awarded-on",
        "2025-07-01",
        "--expires-on",
        "2030-06-30",
    )
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "name,email,graduation_year,name_display_consent\n"
        "Ana Chen,Ana.Chen@students.example.org,2027,yes\n"
        "Bo Li,bo.li@students.example.org,soon,no\n"
    )
    output = cli("students", "import", str(roster), "--pathway", "lincoln-health")
    assert "1 created, 0 already present, 1 with errors" in output
    assert scalar(app, select(Student.email)) == "ana.chen@students.example.org"

    refused = cli(
        "awards", "issue", "--student", "ana.chen@students.example.org", "--badge", BADGE, ok=False
    )
    assert "“Current CPR/BLS certification” has not been recorded yet" in refused

    for key in CRITERIA:
        cli(
            "criteria",
            "record",
            "--student",
            "ana.chen@students.example.org",
            "--badge",
            BADGE,
            "--criterion",
            key,
            "--met",
            "--evidence-url",
            f"https://evidence.example.org/{key}",
        )
    issued = cli("awards", "issue", "--student", "ana.chen@students.example.org", "--badge", BADGE)
    credential_id = issued.split()[1]
    assert credential_id.startswith("urn:uuid:")

    cli("awards", "revoke", credential_id, "--reason", "Entered for the wrong student")
    award = scalar(app, select(Award))
    assert award.revocation_reason == "Entered for the wrong student"
    again = cli("awards", "revoke", credential_id, "--reason", "twice", ok=False)
    assert "already revoked" in again


def _oakland_with_ready_students(cli, tmp_path, *names: str) -> None:
    """A Gold health pathway and students (first names; emails first@students.example.org)
    with every criterion met, through the commands an admin would use."""
    cli(
        "pathways",
        "create",
        "--slug",
        "oak",
        "--name",
        "Oakland Health Academy",
        "--school",
        "Oakland Tech",
        "--district",
        "Oakland Unified",
        "--sector",
        "health",
        "--level",
        "gold",
        "--awarded-on",
        "2025-07-01",
        "--expires-on",
        "2030-06-30",
    )
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "name,email,graduation_year\n"
        + "".join(f"{n} Chen,{n.lower()}@students.example.org,2027\n" for n in names)
    )
    cli("students", "import", str(roster), "--pathway", "oak")
    for name, key in ((n, k) for n in names for k in CRITERIA):
        cli(
            "criteria",
            "record",
            "--student",
            f"{name.lower()}@students.example.org",
            "--badge",
            BADGE,
            "--criterion",
            key,
            "--met",
        )


def test_bulk_issue_reports_errors_and_issues_valid_rows_once(app, cli, tmp_path):
    _oakland_with_ready_students(cli, tmp_path, "Ana")
    cohort = tmp_path / "cohort.csv"
    cohort.write_text("student_email\nana@students.example.org\nghost@students.example.org\n")

    refused = cli("awards", "bulk-issue", str(cohort), "--badge", BADGE, ok=False)
    assert "line 3 (ghost@students.example.org): no student" in refused
    assert "1 row(s) have errors" in refused
    issued = cli("awards", "bulk-issue", str(cohort), "--badge", BADGE, "--issue-valid-rows")
    assert "line 3 (ghost@students.example.org): no student" in issued
    assert "Issued 1, failed 1." in issued
    again = cli("awards", "bulk-issue", str(cohort), "--badge", BADGE, ok=False)
    assert "0 to issue, 1 already issued from this file, 1 with errors." in again
    rerun = cli("awards", "bulk-issue", str(cohort), "--badge", BADGE, "--issue-valid-rows")
    assert "1 already issued from this file." in rerun and "Issued 0, failed 1." in rerun
    assert scalar(app, select(func.count()).select_from(Award)) == 1


def test_users_create_hashes_the_password_and_scopes_the_role(app, cli):
    output = cli(
        "users",
        "create",
        "--email",
        "Partner@Sutter.example.org",
        "--name",
        "Pat",
        "--role",
        "employer_partner",
        "--organisation",
        "sutter-health",
        "--password",
        "a long enough password",
    )
    assert "Created employer_partner partner@sutter.example.org" in output
    with app.app_context():
        session = get_session()
        user = session.scalar(select(User))
        assert user.password_hash.startswith("$argon2id$")
        assert user.organisation.name == "Sutter Health"
        assert (
            users.authenticate(session, "partner@sutter.example.org", "a long enough password")
            == user
        )
        assert users.authenticate(session, "partner@sutter.example.org", "wrong") is None
    short = cli(
        "users",
        "create",
        "--email",
        "x@example.org",
        "--name",
        "X",
        "--role",
        "alliance_admin",
        "--password",
        "short",
        ok=False,
    )
    assert "at least 12 characters" in short


def test_demo_seed_is_idempotent_and_prints_the_sign_ins(app, cli):
    first = cli("demo", "seed")
    assert "Demo data added." in first
    for login in DEMO_LOGINS:
        assert login.email in first and login.password in first
    counts = (select(func.count()).select_from(Award), select(func.count()).select_from(User))
    before = [scalar(app, c) for c in counts]
    assert "Demo data already present." in cli("demo", "seed")
    assert [scalar(app, c) for c in counts] == before == [3, 3]
    revoked = scalar(
        app, select(func.count()).select_from(Award).where(Award.revoked_at.is_not(None))
    )
    assert revoked == 1
    assert (
        scalar(
            app,
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "award.issued"),
        )
        == 3
    )


def test_jobs_are_listed_explained_and_a_stopped_one_resumed_from_the_command_line(
    app, cli, tmp_path
):
    from datetime import UTC, datetime

    from issuer.jobs import bulk, executors
    from issuer.services import badges

    _oakland_with_ready_students(cli, tmp_path, "Ana", "Ben", "Cai")
    cohort = tmp_path / "cohort.csv"
    cohort.write_text("student_email\nana@students.example.org\nghost@students.example.org\n")
    cli("awards", "bulk-issue", str(cohort), "--badge", BADGE, "--issue-valid-rows")
    listed = cli("jobs", "list")
    assert "cohort.csv  finished: 2/2 rows, 1 issued, 0 already issued, 1 not issued" in listed
    token = listed.split()[0]
    explained = cli("jobs", "status", token, "--failures")
    assert "line 3 (ghost@students.example.org): no student ghost@students.example.org" in explained

    # A run stopped after its first chunk (a web process that restarted, say) is finished by
    # `jobs resume`, each row once.
    later = tmp_path / "later.csv"
    later.write_text("student_email\nben@students.example.org\ncai@students.example.org\n")
    with app.app_context():
        session = get_session()
        job = bulk.open_job(
            session, stream=later.open("rb"), filename="later.csv",
            badge=badges.find_badge(session, BADGE), actor=None, now=datetime.now(UTC),
            chunk_size=1,
        )  # fmt: skip
        job.submitted_at = datetime.now(UTC)
        session.commit()
        stopped = job.token
        executors.run_chunk_in_app(app, job.id, 0)
    assert "later.csv  running: 1/2 rows, 1 issued" in cli("jobs", "status", stopped)
    resumed = cli("jobs", "resume", stopped)
    assert "Resumed 1 chunk(s)." in resumed
    assert "later.csv  finished: 2/2 rows, 2 issued" in resumed
    assert "Nothing to resume" in cli("jobs", "resume", stopped)
    assert scalar(app, select(func.count()).select_from(Award)) == 3
