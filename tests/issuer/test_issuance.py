"""Issuing one badge: what the credential says, who is refused, and what a crash leaves."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from issuer.models import AuditEvent, Award, StatusList
from issuer.permissions import PermissionDenied
from issuer.services import issuance
from issuer.services.issuance import IdempotencyConflict, NotEligible
from tests.issuer.conftest import SITE


def issue(world, student, signer, **kwargs):
    return issuance.issue_badge(
        world.session,
        student=student,
        badge=world.badge,
        actor=kwargs.pop("actor", None),
        signer=signer,
        site=SITE,
        now=kwargs.pop("now", world.now),
        **kwargs,
    )


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def jwt_payload(jwt: str) -> dict:
    body = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def test_signed_credential_names_the_student_only_by_a_salted_hash(world, signer):
    student = world.student(world.pathways.gold, "Maria Lopez")
    award = issue(world, student, signer)
    world.session.commit()

    credential = award.credential_json
    assert student.email not in json.dumps(credential)
    assert student.email not in json.dumps(jwt_payload(award.credential_jwt))
    (identity,) = credential["credentialSubject"]["identifier"]
    expected = hashlib.sha256((student.email + student.identity_salt).encode()).hexdigest()
    assert identity["identityHash"] == f"sha256${expected}"
    assert credential["id"] == award.credential_id
    assert credential["issuer"]["id"] == signer.issuer_did
    assert credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert credential["credentialStatus"]["statusListIndex"] == str(award.status_list_index)
    assert credential["credentialStatus"]["statusListCredential"] == (
        f"https://badges.example.org/status-lists/{award.status_list_id}"
    )
    assert credential["validUntil"] == "2028-03-02T17:30:00Z"
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["creator"]["name"] == "Sutter Health"
    assert {"targetCode": "31-9092.00"}.items() <= achievement["alignment"][0].items()
    assert {e["id"] for e in credential["evidence"]} >= {
        "https://evidence.example.org/cpr-bls-certification"
    }
    assert jwt_payload(award.credential_jwt)["jti"] == award.credential_id


@pytest.mark.parametrize(
    ("pathway", "rule"),
    [
        ("lapsed", "certification_active"),
        ("candidate", "certification_level"),
        ("engineering", "sector"),
    ],
)
def test_ineligible_pathways_are_refused_and_nothing_is_written(world, fake_signer, pathway, rule):
    student = world.student(getattr(world.pathways, pathway), "Sam Rivera")
    with pytest.raises(NotEligible) as refused:
        issue(world, student, fake_signer)
    assert [f.rule for f in refused.value.result.failures] == [rule]
    world.session.rollback()
    assert count(world.session, Award) == 0
    assert count(world.session, StatusList) == 0
    assert fake_signer.signed == []


def test_lapsed_silver_message_names_the_pathway_and_the_date(world, fake_signer):
    student = world.student(world.pathways.lapsed, "Sam Rivera")
    with pytest.raises(
        NotEligible,
        match="Valley Health Careers Academy's Silver certification expired on 31 January 2026",
    ):
        issue(world, student, fake_signer)


def test_a_missing_criterion_is_refused(world, fake_signer):
    student = world.student(
        world.pathways.silver,
        "Ana Chen",
        met=("clinical-work-based-learning", "cpr-bls-certification"),
        not_met=("hipaa-privacy-training",),
    )
    with pytest.raises(NotEligible) as refused:
        issue(world, student, fake_signer)
    assert [f.rule for f in refused.value.result.failures] == [
        "criterion:patient-communication-assessment",
        "criterion:health-career-portfolio",
        "criterion:hipaa-privacy-training",
    ]


def test_an_active_award_blocks_a_second_one_until_it_expires(world, fake_signer):
    student = world.student(world.pathways.gold, "Maria Lopez")
    first = issue(world, student, fake_signer)
    world.session.commit()
    with pytest.raises(NotEligible, match="already holds an active Health Care Industry Badge"):
        issue(world, student, fake_signer, now=world.now + timedelta(days=400))
    world.session.rollback()

    later = first.valid_until + timedelta(days=1)
    second = issue(world, student, fake_signer, now=later)
    world.session.commit()
    assert second.credential_id != first.credential_id
    assert second.valid_until == later.replace(microsecond=0).replace(year=later.year + 2)


def test_same_idempotency_key_returns_the_same_award(world, fake_signer):
    maria = world.student(world.pathways.gold, "Maria Lopez")
    first = issue(world, maria, fake_signer, idempotency_key="form-123")
    world.session.commit()
    again = issue(world, maria, fake_signer, idempotency_key="form-123")
    assert again.id == first.id
    assert count(world.session, Award) == 1
    other = world.student(world.pathways.gold, "Joe Park")
    with pytest.raises(IdempotencyConflict):
        issue(world, other, fake_signer, idempotency_key="form-123")


class CrashingSigner:
    """Signs the JSON-LD form, then dies before the JWT: the moment between signing and
    commit."""

    def __init__(self, inner):
        self.inner, self.issuer_did = inner, inner.issuer_did

    def sign_ldp(self, credential):
        return self.inner.sign_ldp(credential)

    def sign_jwt(self, credential):
        raise RuntimeError("power cut")


def test_a_crash_between_signing_and_commit_leaves_no_award_and_no_used_index(world, fake_signer):
    maria = world.student(world.pathways.gold, "Maria Lopez")
    joe = world.student(world.pathways.gold, "Joe Park")
    issue(world, joe, fake_signer)
    world.session.commit()  # list exists, index 0 used

    with pytest.raises(RuntimeError, match="power cut"):
        issue(world, maria, CrashingSigner(fake_signer))
    world.session.rollback()
    assert count(world.session, Award) == 1
    assert world.session.scalar(select(StatusList.next_free_index)) == 1

    # A crash after issue_badge returned but before the commit: the session just goes away.
    issue(world, maria, fake_signer)
    world.session.close()
    assert count(world.session, Award) == 1
    assert world.session.scalar(select(StatusList.next_free_index)) == 1

    award = issue(world, maria, fake_signer)
    world.session.commit()
    assert award.status_list_index == 1  # the index the crashed attempts held, not lost


def test_pathway_admin_may_only_issue_for_their_own_pathways(world, fake_signer):
    lincoln = world.student(world.pathways.silver, "Ana Chen")
    oakland = world.student(world.pathways.gold, "Maria Lopez")
    with pytest.raises(PermissionDenied, match="may not issue badges for Oakland"):
        issue(world, oakland, fake_signer, actor=world.lincoln_admin)
    award = issue(world, lincoln, fake_signer, actor=world.lincoln_admin)
    assert award.issued_by_id == world.lincoln_admin.id


def test_idempotent_replay_is_checked_for_permission_before_the_existing_award_is_returned(
    world, fake_signer
):
    """The "already issued" answer is given only to who may manage the student: a pathway
    admin replaying another pathway's idempotency key is refused, not handed its award."""
    oakland = world.student(world.pathways.gold, "Maria Lopez")
    issue(world, oakland, fake_signer, idempotency_key="csv:shared")
    world.session.commit()
    with pytest.raises(PermissionDenied):
        issue(world, oakland, fake_signer, actor=world.lincoln_admin, idempotency_key="csv:shared")


def test_issuing_records_an_audit_event(world, fake_signer):
    student = world.student(world.pathways.silver, "Ana Chen")
    award = issue(world, student, fake_signer, actor=world.lincoln_admin)
    world.session.commit()
    event = world.session.scalar(select(AuditEvent).where(AuditEvent.action == "award.issued"))
    assert (event.subject_type, event.subject_id) == ("awards", award.credential_id)
    assert event.actor_label == "admin@lincoln.example.org"
    assert event.details["status_list_index"] == award.status_list_index
    assert event.details["badge"] == "health-care-industry-badge"


def test_signing_our_own_credential_is_not_held_to_the_hostile_input_time_cap(signer, monkeypatch):
    """The verifier's 0.5 s canonicalization cap defends against hostile input; a busy server
    signing its own small credential may take longer and must still sign (the structural
    limits still apply)."""
    from issuer import signing
    from schemas import DEFAULT_BUDGET

    assert signing.SIGNING_BUDGET.max_seconds > DEFAULT_BUDGET.max_seconds
    assert signing.SIGNING_BUDGET.max_quads == DEFAULT_BUDGET.max_quads
    seen = []
    real = signing.canonicalize

    def recording(document, *, budget=None):
        seen.append(budget)
        return real(document, budget=budget)

    monkeypatch.setattr(signing, "canonicalize", recording)
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:5e0b4a1e-0000-4000-8000-000000000001",
        "type": ["VerifiableCredential"],
        "issuer": signer.issuer_did,
        "validFrom": "2026-03-02T17:30:00Z",
        "credentialSubject": {"id": "did:example:holder"},
    }
    signed = signer.sign_ldp(credential)
    assert signed["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert seen and all(budget is signing.SIGNING_BUDGET for budget in seen)
