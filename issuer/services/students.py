"""Students: created one at a time or imported from a roster CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer import permissions
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
