"""Demonstration data: a small network that shows every rule at work.

Five pathways (Gold health, Silver health, a lapsed Silver health, a Candidate health and a
Silver engineering pathway), students with some criteria recorded, a few awards (one revoked)
and three sign-ins. Dates are relative to ``now`` so the demo stays meaningful over time.
Seeding is idempotent: a database that already has the demo Alliance admin is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.models import Organisation, OrganisationKind, Role, User
from issuer.services import (
    badges,
    certifications,
    criteria,
    endorsements,
    issuance,
    revocation,
    status_lists,
    students,
    users,
)
from issuer.services.status_lists import LdpSigner

BADGE = "health-care-industry-badge"
DEMO_EMPLOYER = "sutter-health"  # the employer behind BADGE, who endorses it in the demo
ALL_CRITERIA = (
    "clinical-work-based-learning",
    "cpr-bls-certification",
    "patient-communication-assessment",
    "health-career-portfolio",
    "hipaa-privacy-training",
)


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str
    scope: str


# Well-known development passwords: the demo refuses to run in production.
DEMO_LOGINS = (
    DemoLogin(
        "alliance_admin", "admin@alliance.example.org", "demo-alliance-admin", "the whole network"
    ),
    DemoLogin(
        "pathway_admin",
        "admin@lincoln.example.org",
        "demo-pathway-admin",
        "Lincoln High Health Academy and Valley Health Careers Academy",
    ),
    DemoLogin(
        "employer_partner",
        "partner@sutterhealth.example.org",
        "demo-employer-partner",
        "Sutter Health's badges",
    ),
)


@dataclass(frozen=True)
class _Pathway:
    slug: str
    name: str
    school: str
    district: str
    sector: str
    level: str
    awarded_days_ago: int
    expires_in_days: int


PATHWAYS = (
    _Pathway(
        "oakland-health",
        "Oakland Health & Bioscience Academy",
        "Oakland Technical High School",
        "Oakland Unified",
        "health",
        "gold",
        400,
        1060,
    ),
    _Pathway(
        "lincoln-health",
        "Lincoln High Health Academy",
        "Lincoln High School",
        "Stockton Unified",
        "health",
        "silver",
        200,
        530,
    ),
    _Pathway(
        "valley-health",
        "Valley Health Careers Academy",
        "Valley High School",
        "Elk Grove Unified",
        "health",
        "silver",
        1160,
        -60,
    ),
    _Pathway(
        "riverside-health",
        "Riverside Health Pathway",
        "Riverside High School",
        "Sacramento City Unified",
        "health",
        "candidate",
        90,
        640,
    ),
    _Pathway(
        "delta-engineering",
        "Delta Engineering Academy",
        "Delta High School",
        "Sacramento City Unified",
        "engineering",
        "silver",
        300,
        430,
    ),
)

# (pathway, name, graduation year offset, criteria met, criteria recorded as not met, outcome)
STUDENTS = (
    ("oakland-health", "Maria Lopez", 1, ALL_CRITERIA, (), "award"),
    ("oakland-health", "Joseph Park", 1, ALL_CRITERIA, (), "revoked"),
    ("oakland-health", "Aaliyah Johnson", 2, ALL_CRITERIA[:3], (), None),
    ("lincoln-health", "Ana Chen", 1, ALL_CRITERIA, (), "award"),
    ("lincoln-health", "Diego Hernandez", 1, ALL_CRITERIA[:4], ("hipaa-privacy-training",), None),
    ("lincoln-health", "Priya Singh", 2, ALL_CRITERIA, (), None),
    ("valley-health", "Sam Rivera", 1, ALL_CRITERIA, (), None),
    ("riverside-health", "Kim Ngo", 1, ALL_CRITERIA, (), None),
    ("delta-engineering", "Tomas Silva", 1, ALL_CRITERIA, (), None),
)


def is_seeded(session: Session) -> bool:
    return session.scalar(select(User.id).where(User.email == DEMO_LOGINS[0].email)) is not None


def _email(name: str) -> str:
    return name.lower().replace(" ", ".") + "@students.example.org"


def seed(
    session: Session,
    *,
    signer: issuance.Signer,
    site: issuance.IssuerSite,
    now: datetime,
    employer_signer: LdpSigner | None = None,
) -> bool:
    """Add the demo network (False when it is already there). The caller commits.

    With ``employer_signer`` (Sutter Health's, from ``EmployerSigners``), Sutter Health
    endorses the badge first, so the demo badges carry its signed endorsement."""
    if is_seeded(session):
        return False
    today = now.date()
    badges.load_all(session, now=now)
    badge = badges.find_badge(session, BADGE)
    session.add(
        Organisation(
            slug="linked-learning-alliance",
            kind=OrganisationKind.ALLIANCE,
            name=site.issuer_name,
            url=site.base_url,
        )
    )
    pathways = {}
    for spec in PATHWAYS:
        awarded = today - timedelta(days=spec.awarded_days_ago)
        if spec.slug == "lincoln-health":  # a recertification history: Candidate, then Silver
            first = certifications.create_pathway(
                session,
                slug=spec.slug,
                name=spec.name,
                school=spec.school,
                district=spec.district,
                sector=spec.sector,
                level="candidate",
                awarded_on=awarded - timedelta(days=730),
                expires_on=awarded,
                actor=None,
                now=now,
            )
            certifications.record_certification(
                session,
                pathway=first,
                level=spec.level,
                awarded_on=awarded,
                expires_on=today + timedelta(days=spec.expires_in_days),
                actor=None,
                now=now,
                note="Recertified at Silver after the site visit.",
            )
            pathways[spec.slug] = first
            continue
        pathways[spec.slug] = certifications.create_pathway(
            session,
            slug=spec.slug,
            name=spec.name,
            school=spec.school,
            district=spec.district,
            sector=spec.sector,
            level=spec.level,
            awarded_on=awarded,
            expires_on=today + timedelta(days=spec.expires_in_days),
            actor=None,
            now=now,
        )

    alliance, lincoln, partner = DEMO_LOGINS
    users.create_user(
        session,
        email=alliance.email,
        name="Alex Morgan",
        role=Role.ALLIANCE_ADMIN,
        password=alliance.password,
        actor=None,
        now=now,
    )
    users.create_user(
        session,
        email=lincoln.email,
        name="Jordan Lee",
        role=Role.PATHWAY_ADMIN,
        password=lincoln.password,
        actor=None,
        now=now,
        pathways=[pathways["lincoln-health"], pathways["valley-health"]],
    )
    partner_user = users.create_user(
        session,
        email=partner.email,
        name="Casey Nguyen",
        role=Role.EMPLOYER_PARTNER,
        password=partner.password,
        actor=None,
        now=now,
        organisation=badge.employer,
    )
    if employer_signer is not None:
        endorsements.issue_endorsement(
            session,
            organisation=badge.employer,
            badge=badge,
            comment=(
                "Sutter Health set these criteria and offers badge holders a placement "
                "interview for its entry-level clinical roles."
            ),
            valid_until=None,
            actor=partner_user,
            signer=employer_signer,
            site=site,
            now=now,
        )

    for slug, name, years, met, not_met, outcome in STUDENTS:
        student = students.create_student(
            session,
            pathway=pathways[slug],
            name=name,
            email=_email(name),
            graduation_year=today.year + years,
            name_display_consent=name != "Joseph Park",
            actor=None,
            now=now,
        )
        for key in met:
            criteria.record_result(
                session,
                student=student,
                badge=badge,
                criterion_key=key,
                met=True,
                actor=None,
                now=now,
                evidence_url=f"{site.base_url}/evidence/demo/{key}",
            )
        for key in not_met:
            criteria.record_result(
                session,
                student=student,
                badge=badge,
                criterion_key=key,
                met=False,
                actor=None,
                now=now,
                note="Retake scheduled for next month.",
            )
        if outcome is None:
            continue
        award = issuance.issue_badge(
            session, student=student, badge=badge, actor=None, signer=signer, site=site, now=now
        )
        if outcome == "revoked":
            revocation.revoke(
                session,
                award=award,
                actor=None,
                now=now,
                reason="CPR/BLS card found to have expired before issue.",
            )
            status_lists.refresh(session, award.status_list_id, signer, now, base_url=site.base_url)
    return True
