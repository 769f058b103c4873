"""Record whether a student met a badge criterion (the latest decision counts; every
decision is in the audit log)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from badge_definitions import BadgeDefinition
from issuer import permissions
from issuer.csv_files import formula_cells, read_rows
from issuer.models import BadgeDefinitionRecord, CriterionResult, Pathway, Student, User
from issuer.recipients import normalise_email
from issuer.services import audit
from issuer.services.badges import definition_of


def record_result(
    session: Session,
    *,
    student: Student,
    badge: BadgeDefinitionRecord,
    criterion_key: str,
    met: bool,
    actor: User | None,
    now: datetime,
    evidence_url: str | None = None,
    note: str | None = None,
) -> CriterionResult:
    """Record (or change) one result. Raises ``LookupError`` for a criterion the badge does not
    have, ``ValueError`` for evidence that is not an http(s) link and
    :class:`permissions.PermissionDenied` when ``actor`` may not record this criterion
    (see :func:`permissions.can_record_criterion`; ``actor`` None: the command line)."""
    definition = definition_of(badge)
    if definition.criterion(criterion_key) is None:
        raise LookupError(
            f"{definition.name} has no criterion {criterion_key!r}; "
            f"its criteria are {', '.join(definition.criterion_keys)}"
        )
    if evidence_url and not evidence_url.startswith(("https://", "http://")):
        raise ValueError(f"evidence must be an http(s) link, got {evidence_url!r}")
    criterion = definition.criterion(criterion_key)
    assert criterion is not None  # checked above
    if actor is not None:
        permissions.require(
            permissions.can_record_criterion(
                permissions.Principal.of(actor),
                pathway_id=student.pathway_id,
                employer_id=badge.employer_id,
                employer_assessed=criterion.employer_assessed,
            ),
            f"“{criterion.title}” is assessed by {definition.employer.name}: its partners record it"
            if criterion.employer_assessed
            else f"{actor.email} may not record criteria for {student.pathway.name}",
        )
    result = session.scalar(
        select(CriterionResult).where(
            CriterionResult.student_id == student.id,
            CriterionResult.badge_id == badge.id,
            CriterionResult.criterion_key == criterion_key,
        )
    )
    previous = None if result is None else result.met
    if result is None:
        result = CriterionResult(
            student_id=student.id, badge_id=badge.id, criterion_key=criterion_key
        )
        session.add(result)
    result.met, result.evidence_url, result.note = met, evidence_url, note
    result.recorded_by_id = actor.id if actor is not None else None
    result.recorded_at = now
    # the employer is the assessor of its criteria, also when entered from the command line
    result.assessed_by_organisation_id = badge.employer_id if criterion.employer_assessed else None
    session.flush()
    audit.record(
        session,
        actor,
        audit.CRITERION_RECORDED,
        result,
        {
            "student_id": student.id,
            "badge": badge.slug,
            "criterion": criterion_key,
            "met": met,
            "previously_met": previous,
            "evidence_url": evidence_url,
            "assessed_by": criterion.assessed_by,
        },
        now=now,
    )
    return result


def record_grid(
    session: Session,
    *,
    badge: BadgeDefinitionRecord,
    cells: dict[tuple[Student, str], bool],
    actor: User,
    now: datetime,
    evidence_urls: dict[str, str] | None = None,
    notes: dict[str, str] | None = None,
) -> int:
    """Record many results at once (the criteria grid): ``cells`` maps (student, criterion
    key) to met. A cell whose recorded result already says the same is left alone, so
    re-sending the grid writes nothing twice. ``evidence_urls`` and ``notes`` (by criterion
    key) go with the cells of that criterion that change, and only with those. Returns how many results were
    recorded; raises as :func:`record_result` (nothing is flushed before every check passed
    for the cell concerned: the caller rolls back on an exception)."""
    evidence_urls, notes = evidence_urls or {}, notes or {}
    ids = {student.id for student, _ in cells}
    current = {
        (r.student_id, r.criterion_key): r
        for r in session.scalars(
            select(CriterionResult).where(
                CriterionResult.badge_id == badge.id, CriterionResult.student_id.in_(ids)
            )
        )
    }
    written = 0
    for (student, key), met in cells.items():
        before = current.get((student.id, key))
        if before is not None and before.met == met:
            continue  # unchanged: its own evidence and note stay
        record_result(
            session,
            student=student,
            badge=badge,
            criterion_key=key,
            met=met,
            actor=actor,
            now=now,
            evidence_url=evidence_urls.get(key) or (before.evidence_url if before else None),
            note=notes.get(key) or (before.note if before else None),
        )
        written += 1
    return written


# -- the results CSV (admin-cohort) ---------------------------------------------------------
MET_WORDS = {
    "met": True,
    "yes": True,
    "y": True,
    "1": True,
    "true": True,
    "not met": False,
    "no": False,
    "n": False,
    "0": False,
    "false": False,
}
EVIDENCE_SUFFIX = "_evidence"
READY, UNCHANGED, ERROR = "ready", "unchanged", "error"


@dataclass
class ResultRow:
    """One line of a results CSV: the cells it would record, or its errors."""

    line: int
    student_ref: str
    student: Student | None = None
    cells: dict[str, bool] = field(default_factory=dict)  # criterion key -> met
    evidence: dict[str, str] = field(default_factory=dict)  # criterion key -> url
    status: str = READY
    messages: list[str] = field(default_factory=list)

    def fail(self, message: str) -> None:
        self.status = ERROR
        self.messages.append(message)


def results_columns(definition: BadgeDefinition) -> tuple[str, ...]:
    """The results CSV's optional columns: per criterion its key and ``<key>_evidence``."""
    return tuple(
        column for key in definition.criterion_keys for column in (key, f"{key}{EVIDENCE_SUFFIX}")
    )


def preview_results(
    session: Session,
    *,
    pathway: Pathway,
    badge: BadgeDefinitionRecord,
    content: bytes,
    actor: User,
) -> list[ResultRow]:
    """Check a results CSV (``student_email`` or ``student_id``, an ignored ``name``, then per
    criterion a column
    named by its key with met / not met, blank to leave it, and ``<key>_evidence``) without
    writing. Students are looked up among ``pathway``'s only, so an unknown and another
    school's student read the same. Raises ``csv_files.CsvFileError`` for an unusable file."""
    definition = definition_of(badge)
    principal = permissions.Principal.of(actor)
    parsed = read_rows(
        content,
        required=(),
        one_of=("student_email", "student_id"),
        optional=("name", *results_columns(definition)),
    )
    roster = list(session.scalars(select(Student).where(Student.pathway_id == pathway.id)))
    by_email = {s.email: s for s in roster}
    by_id = {str(s.id): s for s in roster}
    current = {
        (r.student_id, r.criterion_key): r
        for r in session.scalars(
            select(CriterionResult).where(
                CriterionResult.badge_id == badge.id,
                CriterionResult.student_id.in_([s.id for s in roster]),
            )
        )
    }
    rows: list[ResultRow] = []
    first_line: dict[int, int] = {}
    for line, values in parsed:
        email, student_id = values.get("student_email", ""), values.get("student_id", "")
        row = ResultRow(line=line, student_ref=normalise_email(email) if email else student_id)
        rows.append(row)
        formulas = formula_cells(values)
        if formulas:
            row.fail(f"{', '.join(formulas)} starts like a spreadsheet formula (= + - @)")
            continue
        student = by_email.get(normalise_email(email)) if email else by_id.get(student_id)
        if student is None:
            row.fail("no student with that email or id in this pathway")
            continue
        row.student = student
        if student.id in first_line:
            row.fail(f"the same student as line {first_line[student.id]}")
            continue
        first_line[student.id] = line
        for criterion in definition.criteria:
            word = values.get(criterion.key, "").lower()
            url = values.get(f"{criterion.key}{EVIDENCE_SUFFIX}", "")
            if url and not url.startswith(("https://", "http://")):
                row.fail(f"{criterion.key}{EVIDENCE_SUFFIX} must be an https:// link")
            if not word:
                continue
            if word not in MET_WORDS:
                row.fail(f"{criterion.key}: write met or not met, not “{word}”")
                continue
            if not permissions.can_record_criterion(
                principal,
                pathway_id=pathway.id,
                employer_id=badge.employer_id,
                employer_assessed=criterion.employer_assessed,
            ):
                row.fail(
                    f"{criterion.key} is assessed by {definition.employer.name}; leave it blank"
                    if criterion.employer_assessed
                    else f"{criterion.key} is recorded by the school; leave it blank"
                )
                continue
            before = current.get((student.id, criterion.key))
            if (
                before is None
                or before.met != MET_WORDS[word]
                or url not in ("", before.evidence_url)
            ):
                row.cells[criterion.key] = MET_WORDS[word]
                if url:
                    row.evidence[criterion.key] = url
        if row.status != ERROR and not row.cells:
            row.status = UNCHANGED
    return rows


def import_results(
    session: Session,
    *,
    pathway: Pathway,
    badge: BadgeDefinitionRecord,
    content: bytes,
    actor: User,
    now: datetime,
) -> list[ResultRow]:
    """Record the ``ready`` rows of a results CSV (checked again now); rows with errors
    record nothing. Sending the same file twice records nothing the second time."""
    rows = preview_results(session, pathway=pathway, badge=badge, content=content, actor=actor)
    for row in rows:
        if row.status != READY or row.student is None:
            continue
        for key, met in row.cells.items():
            record_result(
                session,
                student=row.student,
                badge=badge,
                criterion_key=key,
                met=met,
                actor=actor,
                now=now,
                evidence_url=row.evidence.get(key),
            )
    return rows
