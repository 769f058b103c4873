"""Who may do what, and the audit trail of criterion and certification changes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from issuer.models import AuditEvent, Role
from issuer.permissions import (
    PermissionDenied,
    Principal,
    can_administer,
    can_manage_pathway,
    can_view_badge,
)
from issuer.services import certifications, criteria, users

SUTTER, OTHER_EMPLOYER = 7, 8


def principal(role: str, *, active: bool = True, pathways=(), organisation=None) -> Principal:
    return Principal(
        role=role, active=active, pathway_ids=frozenset(pathways), organisation_id=organisation
    )


def test_pathway_admins_manage_only_their_pathways():
    admin = principal("pathway_admin", pathways={1, 2})
    assert can_manage_pathway(admin, 1) and can_manage_pathway(admin, 2)
    assert not can_manage_pathway(admin, 3)
    assert not can_administer(admin)


def test_employer_partners_see_only_their_own_badges_and_manage_nothing():
    partner = principal("employer_partner", organisation=SUTTER)
    assert can_view_badge(partner, SUTTER)
    assert not can_view_badge(partner, OTHER_EMPLOYER)
    assert not can_manage_pathway(partner, 1)


def test_a_deactivated_alliance_admin_may_do_nothing():
    admin = principal("alliance_admin", active=False)
    assert not (
        can_administer(admin) or can_manage_pathway(admin, 1) or can_view_badge(admin, SUTTER)
    )


def test_deactivating_a_user_ends_their_sessions_and_sign_in(world):
    user = world.lincoln_admin
    version = user.session_version
    users.deactivate(user)
    world.session.commit()
    assert user.session_version == version + 1
    assert users.authenticate(world.session, user.email, "correct horse battery") is None


def test_criterion_changes_are_audited_with_the_previous_result(world):
    student = world.student(world.pathways.silver, "Ana Chen", met=())
    for met in (False, True):
        criteria.record_result(
            world.session,
            student=student,
            badge=world.badge,
            criterion_key="cpr-bls-certification",
            met=met,
            actor=world.lincoln_admin,
            now=world.now,
        )
    world.session.commit()
    events = world.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "criterion.recorded").order_by(AuditEvent.id)
    ).all()
    assert [(e.details["met"], e.details["previously_met"]) for e in events] == [
        (False, None),
        (True, False),
    ]
    assert {e.actor_label for e in events} == {"admin@lincoln.example.org"}


def test_criteria_of_other_pathways_and_unknown_criteria_are_refused(world):
    student = world.student(world.pathways.gold, "Maria Lopez", met=())
    with pytest.raises(PermissionDenied):
        criteria.record_result(
            world.session,
            student=student,
            badge=world.badge,
            criterion_key="cpr-bls-certification",
            met=True,
            actor=world.lincoln_admin,
            now=world.now,
        )
    with pytest.raises(LookupError, match="no criterion 'cpr'"):
        criteria.record_result(
            world.session,
            student=student,
            badge=world.badge,
            criterion_key="cpr",
            met=True,
            actor=None,
            now=world.now,
        )


def test_recertification_keeps_history_and_is_audited(world):
    lapsed = world.pathways.lapsed
    certifications.record_certification(
        world.session,
        pathway=lapsed,
        level="gold",
        awarded_on=date(2026, 2, 1),
        expires_on=date(2029, 1, 31),
        actor=world.admin,
        now=world.now,
    )
    world.session.commit()
    assert [r.level.value for r in lapsed.certifications] == ["silver", "gold"]
    assert (lapsed.certification_level, lapsed.certification_expires_on) == (
        "gold",
        date(2029, 1, 31),
    )
    event = world.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "certification.recorded")
        .order_by(AuditEvent.id.desc())
    ).first()
    assert event.details["previous_level"] == "silver"
    assert event.details["previous_expires_on"] == "2026-01-31"
    with pytest.raises(PermissionDenied):
        certifications.record_certification(
            world.session,
            pathway=lapsed,
            level="gold",
            awarded_on=date(2026, 2, 1),
            expires_on=date(2026, 2, 1) + timedelta(days=1),
            actor=world.lincoln_admin,
            now=world.now,
        )


def test_only_alliance_admins_create_users(world):
    with pytest.raises(PermissionDenied):
        users.create_user(
            world.session,
            email="x@example.org",
            name="X",
            role=Role.ALLIANCE_ADMIN,
            password="a long enough password",
            actor=world.lincoln_admin,
            now=world.now,
        )
