"""The previous bulk engine, kept only as ``bench_bulk_issue.py``'s peer (the service runs
``issuer.jobs.bulk``): issue a badge to a cohort from a CSV file, preview first, then issue
row by row.

CSV columns: ``student_email`` or ``student_id`` (one is required), and optionally
``evidence_url``; other columns (a name, a note) are ignored.

Each row's idempotency key is derived from the file's SHA-256, the badge and the student, so
uploading the same file again issues nothing twice, and a run that stopped half-way (a crash,
a closed browser) resumes where it stopped: rows already issued show as ``done``.

The caller owns the transactions: it commits after each issued row and rolls back after each
failed one, so every row stands or falls on its own. A dropped database connection fails only
the row in flight (its award and status index are rolled back with it) and the next row uses a
new connection; running the same file again issues what is left::

    plan = preview(session, content=data, badge=badge, actor=user, now=now)
    for outcome in issue_rows(session, plan, actor=user, signer=signer, site=site, now=now,
                              issue_valid_rows=True):
        session.commit() if outcome.issued else session.rollback()
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from issuer import permissions
from issuer.jobs.bulk import BulkFileError
from issuer.models import Award, BadgeDefinitionRecord, Student, User
from issuer.recipients import normalise_email
from issuer.services import issuance, scope

MAX_ROWS = 10_000
READY, DONE, ERROR = "ready", "done", "error"
HOLDS = "holds"  # the student already holds an active award of the badge: nothing to do


class BulkRefused(ValueError):
    """Some rows have errors and the caller did not choose to issue only the valid rows."""


@dataclass
class RowPlan:
    line: int  # line number in the file (the header is line 1)
    student_ref: str  # the email or id as written
    idempotency_key: str
    evidence_url: str | None = None
    student_id: int | None = None
    status: str = READY  # ready | done | holds | error
    messages: list[str] = field(default_factory=list)
    credential_id: str | None = None  # when done

    def fail(self, message: str) -> None:
        self.status = ERROR
        self.messages.append(message)


@dataclass
class BulkPlan:
    badge_slug: str
    file_sha256: str
    rows: list[RowPlan]

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def ready(self) -> list[RowPlan]:
        return [row for row in self.rows if row.status == READY]


@dataclass(frozen=True)
class RowOutcome:
    line: int
    issued: bool
    credential_id: str | None = None
    message: str | None = None


def _rows(content: bytes) -> list[dict[str, str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BulkFileError("the file is not UTF-8 text; save it as 'CSV UTF-8'") from exc
    reader = csv.DictReader(io.StringIO(text))
    columns = {(name or "").strip().lower() for name in reader.fieldnames or []}
    if not columns & {"student_email", "student_id"}:
        raise BulkFileError("the file needs a student_email or a student_id column")
    rows = [
        {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if isinstance(v, str)}
        for row in reader
    ]
    if len(rows) > MAX_ROWS:
        raise BulkFileError(
            f"the file has {len(rows)} rows; split it into files of at most {MAX_ROWS}"
        )
    return rows


def database_lost(error: OperationalError) -> str:
    """What to tell the person when the database failed while issuing or committing a row
    (a failed commit may or may not have reached the database; a re-run finds out)."""
    reason = str(error.orig or error).strip().splitlines()[0]
    return (
        f"the database failed while issuing this row ({reason}): run the same file again "
        "to issue it (rows already issued are skipped)"
    )


def _row_key(file_sha256: str, badge_slug: str, student_ref: str) -> str:
    digest = hashlib.sha256(f"{file_sha256}\n{badge_slug}\n{student_ref}".encode()).hexdigest()
    return f"csv:{digest}"


_STUDENT_ID = re.compile(r"[0-9]{1,18}")  # ASCII digits only ("²".isdigit() is True)


def _find(
    session: Session, email: str, student_id: str, principal: permissions.Principal | None
) -> Student | None:
    """The student the row names, looked up among ``principal``'s students only (a student
    of another school is never read, so nothing about them can reach the preview)."""
    query = scope.students(principal)
    if email:
        return session.scalar(query.where(Student.email == normalise_email(email)))
    if _STUDENT_ID.fullmatch(student_id):
        return session.scalar(query.where(Student.id == int(student_id)))
    return None


def preview(
    session: Session,
    *,
    content: bytes,
    badge: BadgeDefinitionRecord,
    actor: User | None,
    now: datetime,
) -> BulkPlan:
    """Check every row without issuing anything; errors are per row, in plain words.

    With an ``actor``, every row is looked up among the students of the actor's pathways
    only: a student elsewhere and a student who does not exist get the same message, and
    nothing (name, school, credential) of another pathway's student is read.
    """
    file_sha256 = hashlib.sha256(content).hexdigest()
    principal = permissions.Principal.of(actor) if actor is not None else None
    plan = BulkPlan(badge.slug, file_sha256, [])
    first_line: dict[int, int] = {}
    for line, raw in enumerate(_rows(content), start=2):
        email, student_id = raw.get("student_email", ""), raw.get("student_id", "")
        ref = normalise_email(email) if email else student_id
        row = RowPlan(
            line=line,
            student_ref=ref,
            evidence_url=raw.get("evidence_url") or None,
            idempotency_key=_row_key(file_sha256, badge.slug, ref),
        )
        plan.rows.append(row)
        if not ref:
            row.fail("no student_email or student_id")
            continue
        if row.evidence_url and not row.evidence_url.startswith(("https://", "http://")):
            row.fail(f"evidence_url {row.evidence_url!r} is not an http(s) link")
        student = _find(session, email, student_id, principal)
        if student is None:
            # The same words whether the student is elsewhere or nowhere; only what was typed.
            row.fail(f"no student {ref}" + ("" if principal is None else " in your pathways"))
            continue
        row.student_id = student.id
        if student.id in first_line:
            row.fail(f"{student.name} is already on line {first_line[student.id]}")
            continue
        first_line[student.id] = line
        done = session.scalar(
            select(Award).where(
                Award.idempotency_key == row.idempotency_key, Award.student_id == student.id
            )
        )
        if done is not None:
            row.status, row.credential_id = DONE, done.credential_id
            continue
        if not student.active:  # admin-cohort: left the pathway (deactivated on the roster)
            row.fail(f"{ref} is deactivated on the roster; make them active again first")
            continue
        result = issuance.check_eligibility(session, student=student, badge=badge, now=now)
        holding = [f.message for f in result.failures if f.rule == "already_awarded"]
        if holding:  # not an error: the cohort file may list everyone, holders included
            row.status, row.messages = HOLDS, holding
            continue
        for message in result.messages:
            row.fail(message)
    return plan


def issue_rows(
    session: Session,
    plan: BulkPlan,
    *,
    badge: BadgeDefinitionRecord,
    actor: User | None,
    signer: issuance.Signer,
    site: issuance.IssuerSite,
    now: datetime,
    issue_valid_rows: bool = False,
) -> Iterator[RowOutcome]:
    """Issue the plan's ready rows, yielding after each so the caller can commit (issued) or
    roll back (not issued). Refuses a plan with errors unless ``issue_valid_rows`` (raised
    here, before anything is issued, not on the first iteration)."""
    errors = plan.count(ERROR)
    if errors and not issue_valid_rows:
        raise BulkRefused(
            f"{errors} row(s) have errors: fix the file, or choose to issue the valid rows only"
        )
    if plan.badge_slug != badge.slug:
        raise ValueError(f"the plan is for {plan.badge_slug}, not {badge.slug}")
    return _issue_ready_rows(
        session, plan, badge=badge, actor=actor, signer=signer, site=site, now=now
    )


def _issue_ready_rows(
    session: Session,
    plan: BulkPlan,
    *,
    badge: BadgeDefinitionRecord,
    actor: User | None,
    signer: issuance.Signer,
    site: issuance.IssuerSite,
    now: datetime,
) -> Iterator[RowOutcome]:
    for row in plan.ready:
        try:
            student = session.get(Student, row.student_id)
            if student is None:
                raise LookupError(f"student {row.student_ref} no longer exists")
            award = issuance.issue_badge(
                session,
                student=student,
                badge=badge,
                actor=actor,
                signer=signer,
                site=site,
                now=now,
                idempotency_key=row.idempotency_key,
                evidence_urls=[row.evidence_url] if row.evidence_url else [],
            )
        except (
            issuance.NotEligible,
            permissions.PermissionDenied,
            issuance.IdempotencyConflict,
            LookupError,
        ) as exc:
            yield RowOutcome(row.line, issued=False, message=str(exc))
        except IntegrityError:  # a concurrent run issued the same row first
            yield RowOutcome(
                row.line, issued=False, message="issued at the same time by another upload"
            )
        except OperationalError as exc:  # the connection dropped: the row's work is lost
            yield RowOutcome(row.line, issued=False, message=database_lost(exc))
        else:
            row.status, row.credential_id = DONE, award.credential_id
            yield RowOutcome(row.line, issued=True, credential_id=award.credential_id)
