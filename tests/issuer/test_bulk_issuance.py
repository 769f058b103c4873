"""Cohort issuance from CSV: preview with per-row errors, issuing only the valid rows, and
uploading the same file again (or resuming a stopped run) issuing nothing twice."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from issuer.models import Award
from issuer.services import bulk_issuance, issuance
from tests.issuer.conftest import SITE


@pytest.fixture
def cohort(world, fake_signer):
    p = world.pathways
    ready = [
        world.student(p.gold, "Maria Lopez"),
        world.student(p.silver, "Ana Chen"),
        world.student(p.gold, "Joe Park"),
    ]
    world.student(p.lapsed, "Sam Rivera")
    holder = world.student(p.gold, "Kim Ngo")
    issuance.issue_badge(
        world.session,
        student=holder,
        badge=world.badge,
        actor=None,
        signer=fake_signer,
        site=SITE,
        now=world.now,
    )
    world.session.commit()
    rows = [
        "student_email,evidence_url,note",
        "maria.lopez@students.example.org,https://evidence.example.org/maria,first",
        f"{ready[1].email.upper()},,",
        "nobody@students.example.org,,",
        "sam.rivera@students.example.org,,",
        "maria.lopez@students.example.org,,again",
        "kim.ngo@students.example.org,,",
        "joe.park@students.example.org,ftp://nope,",
    ]
    return ready, ("\n".join(rows) + "\n").encode()


def preview(world, content, actor=None):
    return bulk_issuance.preview(
        world.session, content=content, badge=world.badge, actor=actor, now=world.now
    )


def run(world, plan, signer, **kwargs):
    issued = []
    for outcome in bulk_issuance.issue_rows(
        world.session,
        plan,
        badge=world.badge,
        actor=kwargs.pop("actor", None),
        signer=signer,
        site=SITE,
        now=world.now,
        **kwargs,
    ):
        if outcome.issued:
            world.session.commit()
            issued.append(outcome.line)
        else:
            world.session.rollback()
    return issued


def awards(world) -> int:
    return world.session.scalar(select(func.count()).select_from(Award))


def test_preview_reports_each_row_in_plain_words(world, cohort):
    plan = preview(world, cohort[1])
    by_line = {row.line: row for row in plan.rows}
    assert by_line[2].status == "ready"
    assert by_line[3].status == "ready"  # emails are matched case-insensitively
    assert by_line[4].messages == ["no student nobody@students.example.org"]
    assert (
        "Valley Health Careers Academy's Silver certification expired on 31 January 2026"
        in (by_line[5].messages[0])
    )
    assert by_line[6].messages == ["Maria Lopez is already on line 2"]
    # issue #12: a holder is not an error (it does not block "issue all")
    assert by_line[7].status == bulk_issuance.HOLDS
    assert "Kim Ngo already holds an active Health Care Industry Badge" in by_line[7].messages[0]
    assert by_line[8].messages == ["evidence_url 'ftp://nope' is not an http(s) link"]
    assert (plan.count("ready"), plan.count("error"), plan.count("holds")) == (2, 4, 1)
    assert awards(world) == 1  # a preview issues nothing


def test_a_file_with_errors_is_refused_unless_valid_rows_are_chosen(world, cohort, fake_signer):
    plan = preview(world, cohort[1])
    with pytest.raises(bulk_issuance.BulkRefused, match="4 row"):
        run(world, plan, fake_signer)
    assert awards(world) == 1

    assert run(world, plan, fake_signer, issue_valid_rows=True) == [2, 3]
    assert awards(world) == 3
    maria = world.session.scalar(select(Award).where(Award.student_id == cohort[0][0].id))
    assert {
        "id": "https://evidence.example.org/maria",
        "name": "Evidence",
        "type": ["Evidence"],
    } in maria.credential_json["evidence"]


def test_uploading_the_same_file_again_issues_nothing_twice(world, cohort, fake_signer):
    run(world, preview(world, cohort[1]), fake_signer, issue_valid_rows=True)
    again = preview(world, cohort[1])
    assert [row.line for row in again.rows if row.status == "done"] == [2, 3]
    assert all(row.credential_id for row in again.rows if row.status == "done")
    assert run(world, again, fake_signer, issue_valid_rows=True) == []
    assert awards(world) == 3


def test_a_stopped_run_resumes_where_it_stopped(world, cohort, fake_signer):
    content = "\n".join(["student_id"] + [str(s.id) for s in cohort[0]]).encode()
    outcomes = bulk_issuance.issue_rows(
        world.session,
        preview(world, content),
        badge=world.badge,
        actor=None,
        signer=fake_signer,
        site=SITE,
        now=world.now,
    )
    assert next(outcomes).issued
    world.session.commit()
    next(outcomes)  # the second row is issued but the process dies before the commit
    world.session.rollback()
    outcomes.close()
    assert awards(world) == 2  # Kim's earlier award + the first row

    resumed = preview(world, content)
    assert [row.status for row in resumed.rows] == ["done", "ready", "ready"]
    assert run(world, resumed, fake_signer) == [3, 4]
    assert awards(world) == 4


def test_progress_can_be_followed_row_by_row(world, cohort, fake_signer):
    plan = preview(world, cohort[1])
    seen = []
    for outcome in bulk_issuance.issue_rows(
        world.session,
        plan,
        badge=world.badge,
        actor=None,
        signer=fake_signer,
        site=SITE,
        now=world.now,
        issue_valid_rows=True,
    ):
        world.session.commit()
        seen.append((outcome.line, len(plan.ready)))
    assert seen == [(2, 1), (3, 0)]


def test_a_pathway_admin_sees_other_pathways_students_as_not_found(world, cohort):
    """Another school's student reads exactly like a student who does not exist."""
    plan = preview(world, cohort[1], actor=world.lincoln_admin)
    by_line = {row.line: row for row in plan.rows}
    assert by_line[2].messages == ["no student maria.lopez@students.example.org in your pathways"]
    assert by_line[4].messages == ["no student nobody@students.example.org in your pathways"]
    assert by_line[7].messages == ["no student kim.ngo@students.example.org in your pathways"]
    assert by_line[7].credential_id is None
    assert by_line[3].status == "ready"


def test_a_file_without_a_student_column_is_refused_as_a_whole(world):
    with pytest.raises(bulk_issuance.BulkFileError, match="student_email or a student_id"):
        preview(world, b"name,email\nMaria,maria@example.org\n")


def test_student_ids_are_ascii_digits_only(world, cohort):
    """``"²".isdigit()`` is True and ``int("٣")`` is 3: neither may crash or name a student."""
    plan = preview(world, "student_id\n²\n٣\n99999999999999999999\n".encode())
    assert [row.messages for row in plan.rows] == [
        ["no student ²"],
        ["no student ٣"],
        ["no student 99999999999999999999"],
    ]
