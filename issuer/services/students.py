"""Students: created one at a time or imported from a roster CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer import permissions
from issuer.csv_files import formula_cells, read_rows
from issuer.models import Pathway, Student, User
from issuer.recipients import new_identity_salt, normalise_email
from issuer.services import audit

ROSTER_COLUMNS = ("name", "email", "graduation_year")  # + optional name_display_consent
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0", ""}


class StudentError(ValueError):
    """A student record cannot be created as asked."""


@dataclass
class ImportReport:
    created: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


def find_student(session: Session, email: str) -> Student | None:
    return session.scalar(select(Student).where(Student.email == normalise_email(email)))


def create_student(
    session: Session,
    *,
    pathway: Pathway,
    name: str,
    email: str,
    graduation_year: int,
    name_display_consent: bool = False,
    actor: User | None,
    now: datetime,
) -> Student:
    """A new student of ``pathway`` with their own identity salt."""
    if actor is not None:
        permissions.require(
            permissions.can_manage_pathway(permissions.Principal.of(actor), pathway.id),
            f"{actor.email} may not add students to {pathway.name}",
        )
    email = normalise_email(email)
    if "@" not in email or not name.strip():
        raise StudentError(f"a student needs a name and an email address, got {email!r}")
    if find_student(session, email) is not None:
        raise StudentError(f"a student with email {email} already exists")
    student = Student(
        pathway=pathway,
        name=name.strip(),
        email=email,
        graduation_year=graduation_year,
        name_display_consent=name_display_consent,
        identity_salt=new_identity_salt(),
        created_at=now,
    )
    session.add(student)
    session.flush()
    audit.record(
        session,
        actor,
        audit.STUDENT_CREATED,
        student,
        {"pathway": pathway.slug, "graduation_year": graduation_year},
        now=now,
    )
    return student


def import_roster(
    session: Session, *, pathway: Pathway, content: str, actor: User | None, now: datetime
) -> ImportReport:
    """Create every student of a CSV roster (columns ``name,email,graduation_year`` and
    optionally ``name_display_consent`` yes/no). Students already present are left as they
    are; rows with problems are reported by line number and skipped."""
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
    missing = [c for c in ROSTER_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise StudentError(f"the roster needs the columns {', '.join(missing)}")
    report = ImportReport()
    for line, row in enumerate(reader, start=2):
        consent = (row.get("name_display_consent") or "").strip().lower()
        year = (row.get("graduation_year") or "").strip()
        if consent not in _YES | _NO or not year.isdigit():
            report.errors.append(
                f"line {line}: graduation_year must be a year and name_display_consent yes or no"
            )
            continue
        existing = find_student(session, row.get("email") or "")
        if existing is not None:
            report.unchanged += 1
            continue
        try:
            create_student(
                session,
                pathway=pathway,
                name=row.get("name") or "",
                email=row.get("email") or "",
                graduation_year=int(year),
                name_display_consent=consent in _YES,
                actor=actor,
                now=now,
            )
        except StudentError as exc:
            report.errors.append(f"line {line}: {exc}")
        else:
            report.created += 1
    return report


# -- admin-cohort: the roster from the browser ------------------------------------------------
ROSTER_OPTIONAL = ("name_display_consent",)
NEW, UNCHANGED, ERROR = "new", "unchanged", "error"
MIN_YEAR, MAX_YEAR = 2000, 2100


@dataclass
class RosterRow:
    """One line of a roster upload, as the preview shows it: ``new`` (will be added),
    ``unchanged`` (already on this pathway's roster) or ``error`` with ``messages``."""

    line: int
    name: str
    email: str
    graduation_year: str
    consent: str
    status: str = NEW
    messages: list[str] = field(default_factory=list)

    def fail(self, message: str) -> None:
        self.status = ERROR
        self.messages.append(message)


def _check_fields(row: RosterRow) -> None:
    if not row.name:
        row.fail("the name is missing")
    elif len(row.name) > 200:
        row.fail("the name is longer than 200 characters")
    if "@" not in row.email or " " in row.email or len(row.email) > 320:
        row.fail(f"“{row.email}” is not an email address")
    if not row.graduation_year.isdigit() or not MIN_YEAR <= int(row.graduation_year) <= MAX_YEAR:
        row.fail(f"graduation_year must be a year such as 2027, not “{row.graduation_year}”")
    if row.consent.lower() not in _YES | _NO:
        row.fail("name_display_consent must be yes or no")


def preview_roster(
    session: Session, *, pathway: Pathway, content: bytes, actor: User
) -> list[RosterRow]:
    """Check every row of a roster CSV (``name,email,graduation_year[,name_display_consent]``)
    without writing anything. Student lookups are scoped to the pathways ``actor`` manages
    before any row is read, so a preview says nothing about other schools' students.
    Raises ``csv_files.CsvFileError`` for a file that cannot be used at all and
    :class:`permissions.PermissionDenied` if ``actor`` does not manage ``pathway``."""
    principal = permissions.Principal.of(actor)
    permissions.require(
        permissions.can_manage_pathway(principal, pathway.id),
        f"{actor.email} may not add students to {pathway.name}",
    )
    parsed = read_rows(content, required=ROSTER_COLUMNS, optional=ROSTER_OPTIONAL)
    emails = {normalise_email(values.get("email", "")) for _, values in parsed}
    visible = _students_visible_to(session, principal, emails)
    anywhere = set(
        session.scalars(select(Student.email).where(Student.email.in_(emails - set(visible))))
    )
    rows, first_line = [], {}
    for line, values in parsed:
        row = RosterRow(
            line=line,
            name=values["name"],
            email=normalise_email(values["email"]),
            graduation_year=values["graduation_year"],
            consent=values.get("name_display_consent", ""),
        )
        rows.append(row)
        formulas = formula_cells(values)
        if formulas:
            row.fail(f"{', '.join(formulas)} starts like a spreadsheet formula (= + - @)")
            continue
        _check_fields(row)
        if row.email in first_line:
            row.fail(f"the same email as line {first_line[row.email]}")
            continue
        first_line[row.email] = line
        if row.status == ERROR:
            continue
        existing = visible.get(row.email)
        if existing is not None and existing.pathway_id == pathway.id:
            row.status = UNCHANGED
        elif existing is not None:
            row.fail(
                f"already on the roster of {existing.pathway.name}; "
                "move the student from their page"
            )
        elif row.email in anywhere:
            row.fail("this address is registered outside your pathways; ask the Alliance")
    return rows


def _students_visible_to(
    session: Session, principal: permissions.Principal, emails: set[str]
) -> dict[str, Student]:
    query = select(Student).where(Student.email.in_(emails))
    if principal.role != permissions.ALLIANCE_ADMIN:
        query = query.where(Student.pathway_id.in_(principal.pathway_ids))
    return {s.email: s for s in session.scalars(query)}


def import_roster_rows(
    session: Session, *, pathway: Pathway, content: bytes, actor: User, now: datetime
) -> list[RosterRow]:
    """Create the students of the ``new`` rows (checked again now, so a file previewed earlier
    cannot slip anything past the checks); other rows change nothing. Importing the same file
    twice adds no one twice. Returns the rows as checked."""
    rows = preview_roster(session, pathway=pathway, content=content, actor=actor)
    for row in rows:
        if row.status == NEW:
            create_student(
                session,
                pathway=pathway,
                name=row.name,
                email=row.email,
                graduation_year=int(row.graduation_year),
                name_display_consent=row.consent.lower() in _YES,
                actor=actor,
                now=now,
            )
    return rows


def update_student(
    session: Session,
    student: Student,
    *,
    name: str,
    email: str,
    graduation_year: int,
    name_display_consent: bool,
    pathway: Pathway,
    active: bool,
    actor: User,
    now: datetime,
) -> dict[str, list[object]]:
    """Change a student's details, move them to another of ``actor``'s pathways, or
    (de)activate them. Returns ``{field: [before, after]}`` of what changed (also audited).
    Raises :class:`StudentError` (an email taken by another student) and
    :class:`permissions.PermissionDenied` (``actor`` does not manage both pathways)."""
    principal = permissions.Principal.of(actor)
    for place in {student.pathway, pathway}:
        permissions.require(
            permissions.can_manage_pathway(principal, place.id),
            f"{actor.email} may not manage students of {place.name}",
        )
    email = normalise_email(email)
    if email != student.email and find_student(session, email) is not None:
        raise StudentError("another student already uses this email address")
    wanted = {
        "name": name.strip(),
        "email": email,
        "graduation_year": graduation_year,
        "name_display_consent": name_display_consent,
        "pathway": pathway.slug,
        "active": active,
    }
    current = {
        "name": student.name,
        "email": student.email,
        "graduation_year": student.graduation_year,
        "name_display_consent": student.name_display_consent,
        "pathway": student.pathway.slug,
        "active": student.active,
    }
    changes = {k: [current[k], v] for k, v in wanted.items() if current[k] != v}
    if not changes:
        return changes
    student.name, student.email = wanted["name"], email
    student.graduation_year, student.name_display_consent = graduation_year, name_display_consent
    student.pathway, student.active = pathway, active
    session.flush()
    audit.record(session, actor, audit.STUDENT_UPDATED, student, {"changes": changes}, now=now)
    return changes
