"""A small network: five pathways at different certification levels, students, users, and the
health care badge loaded from its real YAML file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy.orm import Session

from issuer.models import BadgeDefinitionRecord, Pathway, Role, Student, User
from issuer.services import badges, certifications, criteria, students, users
from issuer.services.issuance import IssuerSite

SITE = IssuerSite(
    base_url="https://badges.example.org",
    issuer_name="Linked Learning Alliance",
    link_secret="test-secret-for-one-time-links",
)
BADGE = "health-care-industry-badge"
CRITERIA = (
    "clinical-work-based-learning",
    "cpr-bls-certification",
    "patient-communication-assessment",
    "health-career-portfolio",
    "hipaa-privacy-training",
)


@dataclass
class World:
    session: Session
    now: datetime
    badge: BadgeDefinitionRecord
    pathways: SimpleNamespace
    admin: User
    lincoln_admin: User

    def student(
        self,
        pathway: Pathway,
        name: str,
        *,
        met: tuple[str, ...] = CRITERIA,
        not_met: tuple[str, ...] = (),
    ) -> Student:
        email = name.lower().replace(" ", ".") + "@students.example.org"
        student = students.create_student(
            self.session,
            pathway=pathway,
            name=name,
            email=email,
            graduation_year=2027,
            actor=None,
            now=self.now,
        )
        for key in met:
            criteria.record_result(
                self.session,
                student=student,
                badge=self.badge,
                criterion_key=key,
                met=True,
                actor=None,
                now=self.now,
                evidence_url=f"https://evidence.example.org/{key}",
            )
        for key in not_met:
            criteria.record_result(
                self.session,
                student=student,
                badge=self.badge,
                criterion_key=key,
                met=False,
                actor=None,
                now=self.now,
            )
        return student


def _pathway(
    session: Session, now: datetime, slug: str, name: str, sector: str, level: str, expires_on: date
) -> Pathway:
    return certifications.create_pathway(
        session,
        slug=slug,
        name=name,
        school=name.split(" ")[0] + " High School",
        district="Example Unified",
        sector=sector,
        level=level,
        awarded_on=date(2024, 7, 1),
        expires_on=expires_on,
        actor=None,
        now=now,
    )


@pytest.fixture
def world(session: Session, now: datetime) -> World:
    badges.load_all(session, now=now)
    badge = badges.find_badge(session, BADGE)
    p = SimpleNamespace(
        gold=_pathway(
            session,
            now,
            "oak-health",
            "Oakland Health Academy",
            "health",
            "gold",
            date(2028, 6, 30),
        ),
        silver=_pathway(
            session,
            now,
            "lincoln-health",
            "Lincoln High Health Academy",
            "health",
            "silver",
            date(2027, 6, 30),
        ),
        lapsed=_pathway(
            session,
            now,
            "valley-health",
            "Valley Health Careers Academy",
            "health",
            "silver",
            date(2026, 1, 31),
        ),
        candidate=_pathway(
            session,
            now,
            "river-health",
            "Riverside Health Pathway",
            "health",
            "candidate",
            date(2027, 6, 30),
        ),
        engineering=_pathway(
            session,
            now,
            "delta-eng",
            "Delta Engineering Academy",
            "engineering",
            "silver",
            date(2027, 6, 30),
        ),
    )
    admin = users.create_user(
        session,
        email="admin@alliance.example.org",
        name="Ada Admin",
        role=Role.ALLIANCE_ADMIN,
        password="correct horse battery",
        actor=None,
        now=now,
    )
    lincoln_admin = users.create_user(
        session,
        email="admin@lincoln.example.org",
        name="Lin Coln",
        role=Role.PATHWAY_ADMIN,
        password="correct horse battery",
        pathways=[p.silver],
        actor=None,
        now=now,
    )
    session.commit()
    return World(session, now, badge, p, admin, lincoln_admin)


class FakeSigner:
    """For tests about database behaviour only: marks the credential without a real proof.
    Tests about what the credential says use the real ``signer`` fixture."""

    issuer_did = "did:web:badges.example.org"

    def __init__(self) -> None:
        self.signed: list[dict] = []

    def sign_ldp(self, credential: dict) -> dict:
        self.signed.append(credential)
        return {**credential, "proof": {"type": "DataIntegrityProof", "proofValue": "zFAKE"}}

    def sign_jwt(self, credential: dict, *, jwt_format: str = "vc-jwt") -> str:
        return "eyJhbGciOiJub25lIn0.fake.fake"


@pytest.fixture
def fake_signer() -> FakeSigner:
    return FakeSigner()
