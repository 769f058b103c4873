"""A one-time benefit is recorded once, also when two employer sessions record it at the same
moment: the unique constraint on (award, once_key) decides, and the loser is told when it
was granted, its own transaction still usable."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from issuer.models import Award, BenefitGrant, Role, User
from issuer.services import issuance, redemptions, users
from tests.faults.conftest import on_postgres
from tests.issuer.conftest import SITE

EXAM = "medical-assisting-exam-funding"  # one_time: true in the badge definition
SCHOLARSHIP = "health-careers-scholarship"  # may be granted more than once


def _setup(world, fake_signer) -> tuple[int, list[int]]:
    award = issuance.issue_badge(
        world.session,
        student=world.student(world.pathways.silver, "Maria Lopez"),
        badge=world.badge,
        actor=None,
        signer=fake_signer,
        site=SITE,
        now=world.now,
    )
    partners = [
        users.create_user(
            world.session,
            email=f"partner{n}@sutterhealth.example.org",
            name=f"Partner {n}",
            role=Role.EMPLOYER_PARTNER,
            password="correct horse battery staple",
            organisation=world.badge.employer,
            actor=None,
            now=world.now,
        )
        for n in (1, 2)
    ]
    world.session.commit()
    return award.id, [partner.id for partner in partners]


def _grants(session: Session, key: str) -> int:
    return session.scalar(
        select(func.count()).select_from(BenefitGrant).where(BenefitGrant.benefit_key == key)
    )


def test_a_one_time_benefit_cannot_be_recorded_twice_but_a_repeatable_one_can(world, fake_signer):
    award_id, (first, second) = _setup(world, fake_signer)
    session = world.session
    award = session.get(Award, award_id)
    redemptions.record_grant(
        session, award=award, benefit_key=EXAM, actor=session.get(User, first), now=world.now
    )
    session.commit()
    with pytest.raises(redemptions.AlreadyGranted, match="Already granted on 2 March 2026"):
        redemptions.record_grant(
            session, award=award, benefit_key=EXAM, actor=session.get(User, second), now=world.now
        )
    session.commit()  # the refused attempt left the transaction usable
    for partner in (first, second):
        redemptions.record_grant(
            session,
            award=award,
            benefit_key=SCHOLARSHIP,
            actor=session.get(User, partner),
            now=world.now,
        )
    session.commit()
    assert _grants(session, EXAM) == 1
    assert _grants(session, SCHOLARSHIP) == 2


@pytest.mark.postgres
@on_postgres
def test_two_employer_sessions_at_once_record_a_one_time_benefit_once(world, fake_signer, engine):
    award_id, partners = _setup(world, fake_signer)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def record(partner_id: int) -> None:
        with Session(engine, expire_on_commit=False) as session:
            award = session.get(Award, award_id)
            actor = session.get(User, partner_id)
            barrier.wait(timeout=10)
            try:
                redemptions.record_grant(
                    session, award=award, benefit_key=EXAM, actor=actor, now=world.now
                )
                # Hold the transaction open so the twin's INSERT meets the uncommitted row.
                threading.Event().wait(0.3)
                session.commit()
                outcomes.append("recorded")
            except redemptions.AlreadyGranted:
                session.rollback()
                outcomes.append("already granted")

    threads = [threading.Thread(target=record, args=(p,)) for p in partners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["already granted", "recorded"]
    world.session.expire_all()
    assert _grants(world.session, EXAM) == 1
