"""The bulk engine issues exactly what single issuance would, side effects included; it checks
every row in plain words first, and a file run again or resumed issues no row twice."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from issuer.jobs import bulk
from issuer.models import Award, LinkPurpose, MessageStatus, OutboundMessage
from issuer.services import issuance, links
from tests.issuer.conftest import SITE


def test_each_bulk_issued_badge_queues_its_student_award_email_with_a_claim_link(
    world, fake_signer
):
    students = [world.student(world.pathways.gold, f"Learner Number{i}") for i in range(3)]
    world.session.commit()
    content = "student_email\n" + "".join(f"{s.email}\n" for s in students)
    job = bulk.open_job(
        world.session, stream=io.BytesIO(content.encode()), filename="cohort.csv",
        badge=world.badge, actor=None, now=world.now, chunk_size=2,
    )  # fmt: skip
    world.session.commit()
    for chunk_no in bulk.pending_chunks(world.session, job):
        bulk.run_chunk(
            world.session, job.id, chunk_no, signer=fake_signer, site=SITE, now=world.now
        )
    messages = world.session.scalars(
        select(OutboundMessage).where(OutboundMessage.kind == "award.issued")
    ).all()
    assert sorted(m.to_address for m in messages) == sorted(s.email for s in students)
    for message in messages:
        assert message.award_id is not None
        assert message.body_text.count("/my/claim/") == 1
        # the link works, once, for this award and its student (the rows are written in bulk)
        token = re.search(r"/my/claim/(\S+)", message.body_text).group(1)
        assert f"/my/claim/{token}" in (message.body_html or "")
        signer = links.LinkSigner(SITE.link_secret)
        link = links.check(
            world.session, signer, token, purpose=LinkPurpose.STUDENT_CLAIM, now=world.now
        )
        award = world.session.get(Award, message.award_id)
        assert (link.award_id, link.student_id) == (award.id, award.student_id)
        assert message.student_id == award.student_id
        assert message.status == MessageStatus.QUEUED  # the mail process will send it
        assert award.student.email == message.to_address


# -- what the per-row engine's tests covered, now on this engine ------------------------------


@pytest.fixture
def cohort(world, fake_signer):
    """Three ready students, one whose pathway's certification lapsed, one who already holds
    the badge, and a file naming them with the mistakes people make."""
    p = world.pathways
    ready = [
        world.student(p.gold, "Maria Lopez"),
        world.student(p.silver, "Ana Chen"),
        world.student(p.gold, "Joe Park"),
    ]
    world.student(p.lapsed, "Sam Rivera")
    holder = world.student(p.gold, "Kim Ngo")
    issuance.issue_badge(
        world.session, student=holder, badge=world.badge, actor=None, signer=fake_signer,
        site=SITE, now=world.now,
    )  # fmt: skip
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


def _open(world, content: bytes, actor=None, chunk_size: int = bulk.CHUNK_SIZE):
    job = bulk.open_job(
        world.session, stream=io.BytesIO(content), filename="cohort.csv", badge=world.badge,
        actor=actor, now=world.now, chunk_size=chunk_size,
    )  # fmt: skip
    world.session.commit()
    return job


def _run(world, job, signer, chunks=None) -> None:
    for chunk_no in bulk.pending_chunks(world.session, job) if chunks is None else chunks:
        bulk.run_chunk(world.session, job.id, chunk_no, signer=signer, site=SITE, now=world.now)


def _awards(world) -> int:
    return world.session.scalar(select(func.count()).select_from(Award))


def _preview(world, job) -> dict[int, bulk.PreviewRow]:
    checked = bulk.check(world.session, job, now=world.now, row_limit=100)
    world.session.rollback()
    return {row.line: row for row in checked.rows}


def test_the_check_reports_each_row_in_plain_words_and_issues_nothing(world, cohort):
    job = _open(world, cohort[1])
    rows = _preview(world, job)
    assert [rows[line].status for line in (2, 3)] == ["ready", "ready"]  # any letter case
    assert rows[4].message == "no student nobody@students.example.org"
    assert "Valley Health Careers Academy's Silver certification expired on 31 January 2026" in (
        rows[5].message
    )
    assert rows[6].message == "the same student is already on line 2"
    # issue #12: a holder is skipped, not an error (it does not block "issue all")
    assert rows[7].status == "holds"
    assert "Kim Ngo already holds an active Health Care Industry Badge" in rows[7].message
    assert rows[8].message == "evidence_url 'ftp://nope' is not an http(s) link"
    checked = bulk.check(world.session, job, now=world.now)
    assert (checked.to_issue, len(checked.failed), checked.holding) == (2, 4, 1)
    assert _awards(world) == 1  # checking issues nothing


def test_only_the_valid_rows_are_issued_and_the_same_file_again_issues_nothing(
    world, cohort, fake_signer
):
    job = _open(world, cohort[1])
    _run(world, job, fake_signer)
    assert bulk.progress(world.session, job).to_json() == {
        "state": "finished", "total": 7, "processed": 7, "issued": 2, "skipped": 1,
        "failed": 4, "chunks_done": 1, "chunk_count": 1,
    }  # fmt: skip
    assert _awards(world) == 3
    maria = world.session.scalar(select(Award).where(Award.student_id == cohort[0][0].id))
    assert {
        "id": "https://evidence.example.org/maria",
        "name": "Evidence",
        "type": ["Evidence"],
    } in maria.credential_json["evidence"]

    again = _open(world, cohort[1])
    assert again.id != job.id  # the first run finished: a new job of the same file
    assert [line for line, row in _preview(world, again).items() if row.status == "done"] == [2, 3]
    _run(world, again, fake_signer)
    assert _awards(world) == 3


def test_a_stopped_run_resumes_where_it_stopped(world, cohort, fake_signer):
    content = "\n".join(["student_id"] + [str(s.id) for s in cohort[0]]).encode()
    job = _open(world, content, chunk_size=1)
    _run(world, job, fake_signer, chunks=[0])  # then the process stops
    assert _awards(world) == 2  # Kim's earlier award + the first row

    resumed = _open(world, content, chunk_size=1)
    assert resumed.id == job.id and bulk.pending_chunks(world.session, job) == [1, 2]
    _run(world, resumed, fake_signer)
    assert _awards(world) == 4
    assert bulk.progress(world.session, job).state == bulk.FINISHED


def test_a_pathway_admin_sees_other_pathways_students_as_not_found(world, cohort):
    """Another school's student reads exactly like a student who does not exist."""
    rows = _preview(world, _open(world, cohort[1], actor=world.lincoln_admin))
    assert rows[2].message == "no student maria.lopez@students.example.org in your pathways"
    assert rows[4].message == "no student nobody@students.example.org in your pathways"
    assert rows[7].message == "no student kim.ngo@students.example.org in your pathways"
    assert rows[3].status == "ready"


def test_a_file_without_a_student_column_is_refused_as_a_whole(world):
    with pytest.raises(bulk.BulkFileError, match="student_email or a student_id"):
        _open(world, b"name,email\nMaria,maria@example.org\n")


def test_student_ids_are_ascii_digits_only(world, cohort):
    """``"²".isdigit()`` is True and ``int("٣")`` is 3: neither may crash or name a student."""
    rows = _preview(world, _open(world, "student_id\n²\n٣\n99999999999999999999\n".encode()))
    assert [rows[line].message for line in (2, 3, 4)] == [
        "no student ²",
        "no student ٣",
        "no student 99999999999999999999",
    ]


def test_a_jobs_token_can_be_typed_after_jobs_status(world, cohort):
    """The token names the job in URLs and on the command line (`jobs status <token>`): hex
    only, so it never starts with "-" (click read `-yuFw…` as an unknown option)."""
    _, content = cohort
    job = _open(world, content)
    assert re.fullmatch(r"[0-9a-f]{48}", job.token)
