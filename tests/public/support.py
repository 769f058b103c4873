"""Issue real awards into an app's database for the public-face tests (pages, API, browser)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.models import Pathway
from issuer.services import (
    badges,
    certifications,
    criteria,
    issuance,
    revocation,
    status_lists,
    students,
)

BADGE = "health-care-industry-badge"
CRITERIA = (
    "clinical-work-based-learning",
    "cpr-bls-certification",
    "patient-communication-assessment",
    "health-career-portfolio",
    "hipaa-privacy-training",
)


@dataclass(frozen=True)
class Issued:
    uuid: str
    credential_id: str
    award_id: int
    email: str
    name: str


def issue_award(
    app: Any,
    session: Session,
    *,
    name: str = "Ana Chen",
    consent: bool = False,
    pathway_slug: str = "lincoln-health",
    certification_expires: date | None = None,
    graduation_year: int | None = None,
    issued_at: datetime | None = None,
    revoke_reason: str | None = None,
) -> Issued:
    """One award of the health care badge to a new student of a Silver health pathway.

    ``issued_at`` in the past makes an expired badge (the badge is valid for two years);
    ``certification_expires`` in the past (after ``issued_at``) a lapsed pathway.
    """
    now = datetime.now(UTC)
    issued_at = issued_at or now - timedelta(days=1)
    badges.load_all(session, now=issued_at)
    badge = badges.find_badge(session, BADGE)
    pathway = session.scalar(select(Pathway).where(Pathway.slug == pathway_slug))
    if pathway is None:
        pathway = certifications.create_pathway(
            session,
            slug=pathway_slug,
            name="Lincoln High Health Academy",
            school="Lincoln High School",
            district="Stockton Unified",
            sector="health",
            level="silver",
            awarded_on=issued_at.date() - timedelta(days=30),
            expires_on=certification_expires or now.date() + timedelta(days=400),
            actor=None,
            now=issued_at,
        )
    email = name.lower().replace(" ", ".") + "@students.example.org"
    student = students.create_student(
        session,
        pathway=pathway,
        name=name,
        email=email,
        graduation_year=graduation_year or now.year + 1,
        name_display_consent=consent,
        actor=None,
        now=issued_at,
    )
    for key in CRITERIA:
        criteria.record_result(
            session,
            student=student,
            badge=badge,
            criterion_key=key,
            met=True,
            actor=None,
            now=issued_at,
        )
    award = issuance.issue_badge(
        session,
        student=student,
        badge=badge,
        actor=None,
        signer=app.extensions["signer"],
        site=issuance.IssuerSite.from_config(app.config),
        now=issued_at,
    )
    if revoke_reason:
        revocation.revoke(session, award=award, reason=revoke_reason, actor=None, now=now)
        status_lists.refresh(
            session,
            award.status_list_id,
            app.extensions["signer"],
            now,
            base_url=app.config["PUBLIC_BASE_URL"],
        )
    session.commit()
    return Issued(
        award.credential_id.removeprefix("urn:uuid:"), award.credential_id, award.id, email, name
    )
