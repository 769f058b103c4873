"""Bulk issuance as a job of chunks, run by whichever executor is configured.

A CSV is read once, streamed into ``bulk_job_rows`` (no row cap, memory flat), and cut into
chunks of ``chunk_size`` rows. Each chunk is one unit of work for a queue worker:

1. look its students up (scoped to the actor's pathways before anything is read), check
   eligibility for the whole chunk in three queries, and reserve one block of status-list
   indexes, recorded on the chunk and committed at once (a short transaction);
2. build and sign every credential with no transaction open (the CPU-bound part);
3. insert the awards, their audit events and the rows' outcomes in batches, mark the chunk
   done, and commit once.

Each row is issued exactly once across crashes, retries and concurrent workers: its award
carries the row's idempotency key (file SHA-256, badge, student reference; unique), so a chunk
run twice either finds its awards or fails on the key and reads them. A retried chunk reuses its
recorded block, so a crash leaves no status-list index unused.

The job's state is derived from its chunks: queued (none started), running, finished (all done).
"""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from issuer import eligibility, notifications, permissions
from issuer.bulk_insert import insert_rows
from issuer.models import (
    AuditEvent,
    Award,
    BadgeDefinitionRecord,
    BulkJob,
    BulkJobChunk,
    BulkJobRow,
    CriterionResult,
    Student,
    User,
)
from issuer.recipients import normalise_email
from issuer.services import audit, endorsements, issuance, status_lists
from issuer.services.badges import definition_of

CHUNK_SIZE = 500  # rows per queue message: ~0.5-1 s of signing, one commit
INSERT_BATCH = 5_000  # rows per INSERT while reading the file
ISSUED, SKIPPED, FAILED = "issued", "skipped", "failed"
FROM_THIS_FILE = "already issued from this file"  # a SKIPPED row's message; other skips: holders
QUEUED, RUNNING, FINISHED = "queued", "running", "finished"


class BulkFileError(ValueError):
    """The file as a whole cannot be read (encoding, columns)."""


@dataclass(frozen=True)
class JobProgress:
    """Counts over the whole job, summed from its chunks."""

    total: int
    issued: int
    skipped: int
    failed: int
    chunks_done: int
    chunk_count: int

    @property
    def processed(self) -> int:
        return self.issued + self.skipped + self.failed

    @property
    def state(self) -> str:
        if self.chunks_done == self.chunk_count:
            return FINISHED
        return RUNNING if self.processed or self.chunks_done else QUEUED

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "total": self.total,
            "processed": self.processed,
            "issued": self.issued,
            "skipped": self.skipped,
            "failed": self.failed,
            "chunks_done": self.chunks_done,
            "chunk_count": self.chunk_count,
        }


@dataclass
class _Plan:
    issue: list[tuple[BulkJobRow, Student, list[CriterionResult]]] = field(default_factory=list)
    done: list[tuple[BulkJobRow, str, str | None, str]] = field(default_factory=list)


def _sha256(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    stream.seek(0)
    while block := stream.read(1 << 20):
        digest.update(block)
    stream.seek(0)
    return digest.hexdigest()


def row_key(file_sha256: str, badge_slug: str, student_ref: str) -> str:
    """The idempotency key of one row (the same as the web preview's, so an upload and a
    command-line run of the same file never issue a row twice)."""
    digest = hashlib.sha256(f"{file_sha256}\n{badge_slug}\n{student_ref}".encode()).hexdigest()
    return f"csv:{digest}"


def _records(stream: IO[bytes]) -> Iterator[dict[str, str]]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        reader = csv.DictReader(text)
        columns = {(name or "").strip().lower() for name in reader.fieldnames or []}
        if not columns & {"student_email", "student_id"}:
            raise BulkFileError("the file needs a student_email or a student_id column")
        for record in reader:
            yield {
                (k or "").strip().lower(): (v or "").strip()
                for k, v in record.items()
                if isinstance(v, str)
            }
    except UnicodeDecodeError as exc:
        raise BulkFileError("the file is not UTF-8 text; save it as 'CSV UTF-8'") from exc
    finally:
        text.detach()


def open_job(
    session: Session,
    *,
    stream: IO[bytes],
    filename: str,
    badge: BadgeDefinitionRecord,
    actor: User | None,
    now: datetime,
    chunk_size: int = CHUNK_SIZE,
) -> BulkJob:
    """Read a seekable CSV stream (columns ``student_email`` or ``student_id``, optional
    ``evidence_url``) into a new job, or return the unfinished job of the same file, badge and
    actor (so re-running a killed run resumes it). Flushed, not committed.

    Rows without a student reference, with a non-http(s) evidence link or naming a student
    already named on an earlier line fail here; students are looked up when a chunk runs.
    Raises :class:`BulkFileError` for a file that is not UTF-8 CSV with a student column.
    """
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    file_sha256 = _sha256(stream)
    same_actor = BulkJob.actor_id.is_(None) if actor is None else BulkJob.actor_id == actor.id
    unfinished = session.scalars(
        select(BulkJob)
        .where(BulkJob.file_sha256 == file_sha256, BulkJob.badge_id == badge.id, same_actor)
        .order_by(BulkJob.id.desc())
    ).first()
    if unfinished is not None and progress(session, unfinished).state != FINISHED:
        return unfinished

    job = BulkJob(
        # Hex, not URL-safe base64: a token starting with "-" was read as an option by
        # `jobs status <token>` (192 bits either way).
        token=secrets.token_hex(24),
        badge=badge,
        actor_id=actor.id if actor is not None else None,
        filename=filename[:255],
        file_sha256=file_sha256,
        created_at=now,
    )
    session.add(job)
    session.flush()
    first_line: dict[bytes, int] = {}  # 8-byte digests: a million references in ~100 MB
    failed_per_chunk: dict[int, int] = {}
    batch: list[dict[str, Any]] = []
    count = 0
    for count, record in enumerate(_records(stream), start=1):
        line = count + 1
        email, student_id = record.get("student_email", ""), record.get("student_id", "")
        ref = normalise_email(email) if email else student_id
        evidence = record.get("evidence_url") or None
        message = None
        if not ref:
            message = "no student_email or student_id"
        elif evidence and not evidence.startswith(("https://", "http://")):
            message = f"evidence_url {evidence!r} is not an http(s) link"
        else:
            seen = first_line.setdefault(
                hashlib.blake2b(ref.encode(), digest_size=8).digest(), line
            )
            if seen != line:
                message = f"the same student is already on line {seen}"
        chunk_no = (count - 1) // chunk_size
        if message is not None:
            failed_per_chunk[chunk_no] = failed_per_chunk.get(chunk_no, 0) + 1
        batch.append(
            {
                "job_id": job.id,
                "chunk_no": chunk_no,
                "line": line,
                "student_ref": ref[:320],
                "evidence_url": evidence[:1000] if evidence else None,
                "outcome": FAILED if message else None,
                "message": message,
            }
        )
        if len(batch) >= INSERT_BATCH:
            session.execute(insert(BulkJobRow), batch)
            batch.clear()
    if batch:
        session.execute(insert(BulkJobRow), batch)
    job.total_rows = count
    job.chunk_count = (count + chunk_size - 1) // chunk_size
    if job.chunk_count:
        session.execute(
            insert(BulkJobChunk),
            [
                {"job_id": job.id, "chunk_no": n, "failed": failed_per_chunk.get(n, 0)}
                for n in range(job.chunk_count)
            ],
        )
    session.flush()
    return job


def progress(session: Session, job: BulkJob) -> JobProgress:
    """The job's counts, summed over its chunks (one query)."""
    issued, skipped, failed, done = session.execute(
        select(
            func.coalesce(func.sum(BulkJobChunk.issued), 0),
            func.coalesce(func.sum(BulkJobChunk.skipped), 0),
            func.coalesce(func.sum(BulkJobChunk.failed), 0),
            func.count().filter(BulkJobChunk.done.is_(True)),
        ).where(BulkJobChunk.job_id == job.id)
    ).one()
    return JobProgress(job.total_rows, issued, skipped, failed, done, job.chunk_count)


def pending_chunks(session: Session, job: BulkJob) -> list[int]:
    """Chunk numbers not done yet, in order."""
    return list(
        session.scalars(
            select(BulkJobChunk.chunk_no)
            .where(BulkJobChunk.job_id == job.id, BulkJobChunk.done.is_(False))
            .order_by(BulkJobChunk.chunk_no)
        )
    )


def rows(
    session: Session, job: BulkJob, *, outcome: str | None = None, limit: int = 1000
) -> list[BulkJobRow]:
    """The job's rows in file order (only those with ``outcome`` when given), at most ``limit``."""
    query = select(BulkJobRow).where(BulkJobRow.job_id == job.id)
    if outcome is not None:
        query = query.where(BulkJobRow.outcome == outcome)
    return list(session.scalars(query.order_by(BulkJobRow.line).limit(limit)))


def _pending_rows(session: Session, job_id: int, chunk_no: int) -> list[BulkJobRow]:
    """The chunk's rows not processed yet, in file order."""
    return list(
        session.scalars(
            select(BulkJobRow)
            .where(
                BulkJobRow.job_id == job_id,
                BulkJobRow.chunk_no == chunk_no,
                BulkJobRow.outcome.is_(None),
            )
            .order_by(BulkJobRow.line)
        )
    )


def _scoped_students(session: Session, actor: User | None, refs: list[str]) -> list[Student]:
    """Students named by ``refs`` (emails or ASCII-digit ids), only from pathways the actor
    manages: the scope is part of the query, so nobody else's student is ever read."""
    emails = [ref for ref in refs if "@" in ref]
    ids = [int(ref) for ref in refs if ref.isascii() and ref.isdigit() and len(ref) < 12]
    if not emails and not ids:
        return []
    query = (
        select(Student)
        .options(selectinload(Student.pathway))
        .where(Student.email.in_(emails) | Student.id.in_(ids))
    )
    if actor is not None:
        principal = permissions.Principal.of(actor)
        if not principal.active:
            return []
        if principal.role != permissions.ALLIANCE_ADMIN:
            allowed = principal.pathway_ids if principal.role == permissions.PATHWAY_ADMIN else ()
            query = query.where(Student.pathway_id.in_(list(allowed)))
    return list(session.scalars(query))


def _plan(session: Session, job: BulkJob, pending: list[BulkJobRow], now: datetime) -> _Plan:
    badge = job.badge
    definition = definition_of(badge)
    students = _scoped_students(session, job.actor, [row.student_ref for row in pending])
    by_email = {student.email: student for student in students}
    by_id = {str(student.id): student for student in students}
    ids = [student.id for student in students]
    results: dict[int, list[CriterionResult]] = {}
    held: dict[int, list[eligibility.HeldAward]] = {}
    if ids:
        for result in session.scalars(
            select(CriterionResult).where(
                CriterionResult.student_id.in_(ids), CriterionResult.badge_id == badge.id
            )
        ):
            results.setdefault(result.student_id, []).append(result)
        for student_id, credential_id, valid_until, revoked_at in session.execute(
            select(Award.student_id, Award.credential_id, Award.valid_until, Award.revoked_at)
            .where(Award.student_id.in_(ids), Award.badge_id == badge.id)
            .order_by(Award.issued_at)
        ):
            held.setdefault(student_id, []).append(
                eligibility.HeldAward(credential_id, valid_until, revoked_at is not None)
            )
    keys = {row.id: row_key(job.file_sha256, badge.slug, row.student_ref) for row in pending}
    # Only the scoped students' awards: another pathway's award for the same file (uploaded
    # by its own admin) is never read, so it cannot show here as "already issued".
    existing = dict(
        session.execute(
            select(Award.idempotency_key, Award.credential_id).where(
                Award.idempotency_key.in_(list(keys.values())), Award.student_id.in_(ids)
            )
        ).all()
    )
    plan = _Plan()
    taken: set[int] = set()
    for row in pending:
        student = by_email.get(row.student_ref) or by_id.get(row.student_ref)
        if student is None:
            where = " in your pathways" if job.actor_id is not None else ""
            plan.done.append((row, FAILED, None, f"no student {row.student_ref}{where}"))
            continue
        if (credential_id := existing.get(keys[row.id])) is not None:
            plan.done.append((row, SKIPPED, credential_id, FROM_THIS_FILE))
            continue
        if student.id in taken:
            plan.done.append((row, FAILED, None, "the same student is on an earlier line"))
            continue
        taken.add(student.id)
        verdict = eligibility.check(
            student_name=student.name,
            pathway=eligibility.PathwayFacts.of(student.pathway),
            badge=definition,
            criteria_met={r.criterion_key: r.met for r in results.get(student.id, [])},
            held_awards=held.get(student.id, []),
            now=now,
        )
        holding = [f.message for f in verdict.failures if f.rule == "already_awarded"]
        if not student.active:  # admin-cohort: deactivated on the roster (left the pathway)
            plan.done.append((row, FAILED, None, "deactivated on the roster"))
        elif holding:  # admin-cohort (#12): a holder is skipped, not an error
            active = [a for a in held.get(student.id, []) if a.is_active(now)]
            plan.done.append((row, SKIPPED, active[-1].credential_id, holding[0]))
        elif verdict.eligible:
            plan.issue.append((row, student, results.get(student.id, [])))
        else:
            plan.done.append((row, FAILED, None, " ".join(verdict.messages)))
    return plan


def _reserve_block(
    session: Session, chunk: BulkJobChunk, size: int, now: datetime
) -> status_lists.Block:
    """The chunk's recorded block when it still fits (a retry), else a new one."""
    if chunk.status_list_id is not None and (chunk.block_size or 0) >= size:
        return status_lists.Block(chunk.status_list_id, chunk.block_start or 0, size)
    block = status_lists.allocate_block(session, size, now=now)
    chunk.status_list_id, chunk.block_start, chunk.block_size = (
        block.status_list_id,
        block.start,
        block.size,
    )
    return block


def run_chunk(
    session: Session,
    job_id: int,
    chunk_no: int,
    *,
    signer: issuance.Signer,
    site: issuance.IssuerSite,
    now: datetime,
) -> None:
    """Issue one chunk of a job (see the module docstring); commits twice. Safe to run again,
    and concurrently with a twin: the second finds the awards by their keys.

    Raises ``LookupError`` for an unknown job or chunk.
    """
    for attempt in range(2):
        try:
            _run_chunk_once(session, job_id, chunk_no, signer=signer, site=site, now=now)
            return
        except IntegrityError:  # a twin committed the same rows first: read what it did
            session.rollback()
            if attempt:
                raise


def _run_chunk_once(
    session: Session,
    job_id: int,
    chunk_no: int,
    *,
    signer: issuance.Signer,
    site: issuance.IssuerSite,
    now: datetime,
) -> None:
    chunk = session.get(BulkJobChunk, (job_id, chunk_no), populate_existing=True)
    job = session.get(BulkJob, job_id)
    if chunk is None or job is None:
        raise LookupError(f"no chunk {chunk_no} of bulk job {job_id}")
    if chunk.done:
        return
    plan = _plan(session, job, _pending_rows(session, job_id, chunk_no), now)
    chunk.attempts += 1
    chunk.heartbeat_at = datetime.now(UTC)
    block = _reserve_block(session, chunk, len(plan.issue), now) if plan.issue else None
    if block is not None:  # a new list is signed once, in this short transaction
        status_lists.publish(session, block.status_list_id, signer, now, base_url=site.base_url)
    session.commit()  # the block is the chunk's from here on, whatever happens next

    definition = definition_of(job.badge)
    endorsed_by = endorsements.active_credentials(session, job.badge, now)
    actor = job.actor
    awards: list[dict[str, Any]] = []
    outcomes: list[dict[str, Any]] = []
    for offset, (row, student, results) in enumerate(plan.issue):
        assert block is not None
        slot = block.slot(offset)
        credential, valid_until = issuance.unsigned_credential(
            student=student,
            definition=definition,
            results=results,
            site=site,
            issuer_did=signer.issuer_did,
            slot=slot,
            now=now,
            evidence_urls=[row.evidence_url] if row.evidence_url else [],
            endorsed_by=endorsed_by,
        )
        awards.append(
            {
                "credential_id": credential["id"],
                "student_id": student.id,
                "badge_id": job.badge_id,
                "badge_version": definition.version,
                "credential_json": signer.sign_ldp(credential),
                "credential_jwt": signer.sign_jwt(credential),
                "status_list_id": slot.status_list_id,
                "status_list_index": slot.index,
                "issued_at": now,
                "valid_until": valid_until,
                "issued_by_id": actor.id if actor is not None else None,
                "idempotency_key": row_key(job.file_sha256, job.badge.slug, row.student_ref),
            }
        )
        outcomes.append(
            {"id": row.id, "outcome": ISSUED, "credential_id": credential["id"], "message": None}
        )
    outcomes += [
        {"id": row.id, "outcome": outcome, "credential_id": credential_id, "message": message}
        for row, outcome, credential_id, message in plan.done
    ]
    if awards:
        # COPY on PostgreSQL, multi-row INSERTs elsewhere (issuer.bulk_insert), in this
        # transaction: the awards, their audit events, e-mails and links commit together.
        award_ids = insert_rows(session, Award, awards, return_ids=True)
        insert_rows(
            session,
            AuditEvent,
            [_audit_row(award, actor, definition.version, job.badge.slug) for award in awards],
        )
        # Each student's award e-mail with its claim link, as single issuance queues it, in
        # the same transaction (an award and its e-mail commit or roll back together).
        notifications.queue_awards_issued(
            session,
            [
                (award_id, student)
                for award_id, (_row, student, _results) in zip(award_ids, plan.issue, strict=True)
            ],
            definition,
            site=site,
            now=now,
        )
    if outcomes:
        session.execute(update(BulkJobRow), outcomes)
    counts = {ISSUED: 0, SKIPPED: 0, FAILED: 0}
    for item in outcomes:
        counts[item["outcome"]] += 1
    session.execute(
        update(BulkJobChunk)
        .where(BulkJobChunk.job_id == job_id, BulkJobChunk.chunk_no == chunk_no)
        .values(
            done=True,
            issued=BulkJobChunk.issued + counts[ISSUED],
            skipped=BulkJobChunk.skipped + counts[SKIPPED],
            failed=BulkJobChunk.failed + counts[FAILED],
            heartbeat_at=datetime.now(UTC),
        )
        .execution_options(synchronize_session=False)
    )
    session.commit()


def _audit_row(
    award: dict[str, Any], actor: User | None, version: int, slug: str
) -> dict[str, Any]:
    """The same ``award.issued`` event single issuance records (see ``issuance.issue_badge``)."""
    valid_until = award["valid_until"]
    return {
        "at": award["issued_at"],
        "actor_id": actor.id if actor is not None else None,
        "actor_label": actor.email if actor is not None else audit.COMMAND_LINE,
        "action": audit.AWARD_ISSUED,
        "subject_type": "awards",
        "subject_id": award["credential_id"],
        "details": {
            "student_id": award["student_id"],
            "badge": slug,
            "badge_version": version,
            "status_list_id": award["status_list_id"],
            "status_list_index": award["status_list_index"],
            "valid_until": valid_until.isoformat() if valid_until else None,
        },
        "student_id": award["student_id"],  # as audit.record sets it: scopes the audit pages
    }


@dataclass(frozen=True)
class RowProblem:
    line: int
    student_ref: str
    message: str


@dataclass(frozen=True)
class PreviewRow:
    line: int
    student_ref: str
    status: str  # ready | done | holds | error
    message: str | None = None


@dataclass(frozen=True)
class JobCheck:
    """What running the job would do now, without issuing anything; ``rows`` lists the first
    ``row_limit`` rows with their status, for a preview table."""

    to_issue: int
    already_issued: int
    failed: list[RowProblem]
    rows: list[PreviewRow] = field(default_factory=list)
    holding: int = 0  # students who already hold an active award: skipped, not errors


def check(session: Session, job: BulkJob, *, now: datetime, row_limit: int = 0) -> JobCheck:
    """Check every row not yet processed, chunk by chunk (read-only; the caller rolls back)."""
    to_issue = already = holding = 0
    preview: list[PreviewRow] = []
    failed = [
        RowProblem(row.line, row.student_ref, row.message or "")
        for row in session.scalars(
            select(BulkJobRow)
            .where(BulkJobRow.job_id == job.id, BulkJobRow.outcome == FAILED)
            .order_by(BulkJobRow.line)
        )
    ]
    already += (
        session.scalar(
            select(func.count()).where(
                BulkJobRow.job_id == job.id, BulkJobRow.outcome.in_([ISSUED, SKIPPED])
            )
        )
        or 0
    )
    for chunk_no in pending_chunks(session, job):
        plan = _plan(session, job, _pending_rows(session, job.id, chunk_no), now)
        to_issue += len(plan.issue)
        for row, outcome, _credential_id, message in plan.done:
            if outcome == FAILED:
                failed.append(RowProblem(row.line, row.student_ref, message))
            elif message == FROM_THIS_FILE:
                already += 1
            else:
                holding += 1
        if len(preview) < row_limit:
            preview += [PreviewRow(row.line, row.student_ref, "ready") for row, *_ in plan.issue]
            preview += [
                PreviewRow(row.line, row.student_ref, _preview_status(outcome, msg), msg)
                for row, outcome, _id, msg in plan.done
            ]
    failed.sort(key=lambda problem: problem.line)
    if row_limit:
        shown = {row.line for row in preview}
        early = [
            PreviewRow(p.line, p.student_ref, "error", p.message)
            for p in failed
            if p.line not in shown
        ]
        preview = sorted(preview + early, key=lambda row: row.line)[:row_limit]
    return JobCheck(to_issue, already, failed, preview, holding)


def _preview_status(outcome: str, message: str | None) -> str:
    if outcome == FAILED:
        return "error"
    return "done" if message == FROM_THIS_FILE else "holds"
