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


def test_bulk_issue_reports_errors_and_issues_valid_rows_once(app, cli, tmp_path):
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
    roster.write_text("name,email,graduation_year\nAna Chen,ana@students.example.org,2027\n")
    cli("students", "import", str(roster), "--pathway", "oak")
    for key in CRITERIA:
        cli(
            "criteria",
            "record",
            "--student",
            "ana@students.example.org",
            "--badge",
            BADGE,
            "--criterion",
            key,
            "--met",
        )
    cohort = tmp_path / "cohort.csv"
    cohort.write_text("student_email\nana@students.example.org\nghost@students.example.org\n")

    refused = cli("awards", "bulk-issue", str(cohort), "--badge", BADGE, ok=False)
    assert "line 3 (ghost@students.example.org): no student" in refused
    assert "1 row(s) have errors" in refused
    assert "Issued 1, failed 0." in cli(
        "awards", "bulk-issue", str(cohort), "--badge", BADGE, "--issue-valid-rows"
    )
    again = cli("awards", "bulk-issue", str(cohort), "--badge", BADGE, "--issue-valid-rows")
    assert "0 to issue, 1 already issued from this file" in again
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
