"""A small network for the admin web tests (and the browser tests), built with the services
and dated relative to today so the rules read the same whenever the tests run.

Everyone signs in with :data:`PASSWORD`. Returned values are plain ids and slugs, so they stay
usable after the building session is closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from issuer.models import Organisation, OrganisationKind, Pathway, Role, Student
from issuer.services import badges, certifications, criteria, issuance, students, users

PASSWORD = "correct horse battery staple"
BADGE = "health-care-industry-badge"
CRITERIA = (
    "clinical-work-based-learning",
    "cpr-bls-certification",
    "patient-communication-assessment",
    "health-career-portfolio",
    "hipaa-privacy-training",
)
ALLIANCE = "admin@alliance.example.org"
LINCOLN = "admin@lincoln.example.org"  # pathway admin of lincoln-health only
OAKLAND = "admin@oakland.example.org"  # pathway admin of oak-health only
PARTNER = "partner@sutterhealth.example.org"  # employer partner of Sutter Health
OTHER_PARTNER = "partner@otherco.example.org"  # employer partner of an unrelated employer


@dataclass(frozen=True)
class Network:
    students: dict[str, int]  # name -> id
    student_emails: dict[str, str]  # name -> email
    award_ids: dict[str, int]  # name -> id of an award already issued
    pathways: dict[str, str]  # role in the network -> slug


def email_of(name: str) -> str:
    return name.lower().replace(" ", ".") + "@students.example.org"


def _pathway(
    session: Session,
    today: date,
    now: datetime,
    slug: str,
    name: str,
    sector: str,
    level: str,
    expires_in_days: int,
) -> Pathway:
    return certifications.create_pathway(
        session,
        slug=slug,
        name=name,
        school=name.split(" ")[0] + " High School",
        district="Example Unified",
        sector=sector,
        level=level,
        awarded_on=today - timedelta(days=400),
        expires_on=today + timedelta(days=expires_in_days),
        actor=None,
        now=now,
    )


def build_network(
    session: Session, *, signer: issuance.Signer, site: issuance.IssuerSite, now: datetime
) -> Network:
    """Five pathways, three health-care students ready in Lincoln, one in Oakland who already
    holds the badge, and one in a Candidate pathway; commits."""
    today = now.date()
    badges.load_all(session, now=now)
    badge = badges.find_badge(session, BADGE)
    p = {
        "gold": _pathway(
            session, today, now, "oak-health", "Oakland Health Academy", "health", "gold", 900
        ),
        "silver": _pathway(
            session,
            today,
            now,
            "lincoln-health",
            "Lincoln High Health Academy",
            "health",
            "silver",
            60,
        ),
        "lapsed": _pathway(
            session,
            today,
            now,
            "valley-health",
            "Valley Health Careers Academy",
            "health",
            "silver",
            -30,
        ),
        "candidate": _pathway(
            session,
            today,
            now,
            "river-health",
            "Riverside Health Pathway",
            "health",
            "candidate",
            500,
        ),
        "engineering": _pathway(
            session,
            today,
            now,
            "delta-eng",
            "Delta Engineering Academy",
            "engineering",
            "silver",
            500,
        ),
    }
    other = Organisation(slug="otherco", name="Other Co", kind=OrganisationKind.EMPLOYER)
    session.add(other)
    session.flush()
    common: dict[str, Any] = {"password": PASSWORD, "actor": None, "now": now}
    users.create_user(
        session, email=ALLIANCE, name="Ada Alliance", role=Role.ALLIANCE_ADMIN, **common
    )
    users.create_user(
        session,
        email=LINCOLN,
        name="Lin Coln",
        role=Role.PATHWAY_ADMIN,
        pathways=[p["silver"]],
        **common,
    )
    users.create_user(
        session,
        email=OAKLAND,
        name="Oak Land",
        role=Role.PATHWAY_ADMIN,
        pathways=[p["gold"]],
        **common,
    )
    users.create_user(
        session,
        email=PARTNER,
        name="Sam Sutter",
        role=Role.EMPLOYER_PARTNER,
        organisation=badge.employer,
        **common,
    )
    users.create_user(
        session,
        email=OTHER_PARTNER,
        name="Otto Other",
        role=Role.EMPLOYER_PARTNER,
        organisation=other,
        **common,
    )

    roster = (
        ("silver", "Ana Chen", CRITERIA, ()),
        ("silver", "Diego Hernandez", CRITERIA[:4], ("hipaa-privacy-training",)),
        ("silver", "Priya Singh", CRITERIA, ()),
        ("gold", "Maria Lopez", CRITERIA, ()),
        ("gold", "Joe Park", CRITERIA, ()),
        ("candidate", "Kim Ngo", CRITERIA, ()),
        ("lapsed", "Sam Rivera", CRITERIA, ()),
    )
    ids: dict[str, int] = {}
    for pathway, name, met, not_met in roster:
        student = students.create_student(
            session,
            pathway=p[pathway],
            name=name,
            email=email_of(name),
            graduation_year=2027,
            name_display_consent=name != "Joe Park",
            actor=None,
            now=now,
        )
        ids[name] = student.id
        for key in met:
            criteria.record_result(
                session,
                student=student,
                badge=badge,
                criterion_key=key,
                met=True,
                actor=None,
                now=now,
                evidence_url=f"https://evidence.example.org/{key}",
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
                note="Retake next month.",
            )
    maria = session.get(Student, ids["Maria Lopez"])
    award = issuance.issue_badge(
        session, student=maria, badge=badge, actor=None, signer=signer, site=site, now=now
    )
    session.commit()
    return Network(
        students=ids,
        student_emails={name: email_of(name) for name in ids},
        award_ids={"Maria Lopez": award.id},
        pathways={key: value.slug for key, value in p.items()},
    )
