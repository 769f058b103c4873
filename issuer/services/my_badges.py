"""What a signed-in student sees and decides about their own badges ("my badges").

Takes a session and never commits. Every lookup is by the student's own id, so a student
reaches only their own awards: another student's badge is "not found", never "forbidden".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.models import Award, Student
from issuer.services import audit


@dataclass(frozen=True)
class AwardStatus:
    """An award's state in plain words: ``key`` is ``active``, ``expired`` or ``revoked``;
    ``since`` the revocation or expiry time (None while active)."""

    key: str
    since: datetime | None


def public_holder_name(student: Student) -> str | None:
    """The name anyone may see next to the student's badges: only with their consent.
    The one rule every public page and API reads (badge page, card, verifier look-ups)."""
    return student.name if student.name_display_consent else None


def award_status(award: Award, now: datetime) -> AwardStatus:
    """Revoked wins over expired; ``valid_until`` is the first moment it no longer holds."""
    if award.revoked_at is not None:
        return AwardStatus("revoked", award.revoked_at)
    if award.valid_until is not None and award.valid_until <= now:
        return AwardStatus("expired", award.valid_until)
    return AwardStatus("active", None)


def awards_of_student(session: Session, student_id: int) -> list[Award]:
    """Every award the student holds, newest first (revoked and expired ones included)."""
    return list(
        session.scalars(
            select(Award)
            .where(Award.student_id == student_id)
            .order_by(Award.issued_at.desc(), Award.id.desc())
        )
    )


def award_of_student(session: Session, student_id: int, credential_uuid: str) -> Award:
    """The student's own award with this credential UUID. Raises LookupError when there is
    none or it belongs to someone else (the same answer for both)."""
    award = session.scalar(
        select(Award).where(
            Award.credential_id == f"urn:uuid:{credential_uuid}",
            Award.student_id == student_id,
        )
    )
    if award is None:
        raise LookupError("no such badge among yours")
    return award


def set_name_display_consent(
    session: Session, student: Student, *, consent: bool, now: datetime
) -> bool:
    """Record the student's choice to show (or hide) their name on public pages; audited.
    Returns True when it changed."""
    if student.name_display_consent == consent:
        return False
    student.name_display_consent = consent
    audit.record(
        session,
        None,
        audit.STUDENT_NAME_CONSENT_CHANGED,
        student,
        {"name_display_consent": consent},
        now=now,
        actor_label=audit.student_label(student.id),
    )
    return True


def set_public_page_hidden(session: Session, award: Award, *, hidden: bool, now: datetime) -> bool:
    """Hide (or show again) the award's public page and QR landing; the credential itself
    stays verifiable by upload or paste. Audited; returns True when it changed."""
    if award.public_page_hidden == hidden:
        return False
    award.public_page_hidden = hidden
    audit.record(
        session,
        None,
        audit.AWARD_PUBLIC_PAGE_CHANGED,
        award,
        {"public_page_hidden": hidden},
        now=now,
        actor_label=audit.student_label(award.student_id),
    )
    return True
