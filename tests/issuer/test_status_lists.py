"""Status list slots: unique under concurrency, given back on rollback, and published as a
W3C BitstringStatusListCredential whose bits show revocations."""

from __future__ import annotations

import os
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from issuer.credential_builder import timestamp
from issuer.models import STATUS_LIST_SIZE, AuditEvent, StatusList
from issuer.permissions import PermissionDenied
from issuer.services import issuance, revocation, status_lists
from tests.issuer.conftest import SITE

on_postgres = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
    reason="row locking across sessions needs PostgreSQL (set DATABASE_URL)",
)


def test_indexes_are_handed_out_in_order_without_repeats(session, now):
    slots = [status_lists.allocate(session, now=now) for _ in range(5)]
    session.commit()
    assert [s.index for s in slots] == [0, 1, 2, 3, 4]
    assert len({s.status_list_id for s in slots}) == 1


def test_a_full_list_is_followed_by_a_new_one(session, now):
    first = status_lists.allocate(session, now=now)
    session.execute(update(StatusList).values(next_free_index=STATUS_LIST_SIZE))
    second = status_lists.allocate(session, now=now)
    session.commit()
    assert second.status_list_id != first.status_list_id
    assert second.index == 0
    assert session.get(StatusList, second.status_list_id).size == 131_072


def test_a_rolled_back_allocation_gives_the_index_back(session, now):
    status_lists.allocate(session, now=now)
    session.commit()
    status_lists.allocate(session, now=now)
    session.rollback()
    assert status_lists.allocate(session, now=now).index == 1


@pytest.mark.postgres
@on_postgres
def test_a_second_session_waits_for_the_first_and_gets_the_next_index(engine, session, now):
    status_lists.allocate(session, now=now)
    session.commit()

    first = Session(engine)
    taken = status_lists.allocate(first, now=now)  # holds the row lock, not committed
    result = {}

    def other() -> None:
        with Session(engine) as second:
            result["slot"] = status_lists.allocate(second, now=now)
            second.commit()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join(timeout=1)
    assert thread.is_alive(), "the second allocation should wait for the first's lock"
    first.commit()
    first.close()
    thread.join(timeout=10)
    assert (taken.index, result["slot"].index) == (1, 2)


@pytest.mark.postgres
@on_postgres
def test_concurrent_allocation_never_repeats_an_index(engine, session, now):
    status_lists.allocate(session, now=now)
    session.commit()
    slots, errors = [], []

    def worker() -> None:
        try:
            for _ in range(15):
                with Session(engine) as own:
                    slots.append(status_lists.allocate(own, now=now))
                    own.commit()
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    indexes = sorted(s.index for s in slots)
    assert indexes == list(range(1, 91))


def test_encoded_list_round_trips_with_the_first_bit_leftmost():
    bits = bytearray(STATUS_LIST_SIZE // 8)
    bits[0] = 0x80  # index 0
    bits[1] = 0x01  # index 15
    encoded = status_lists.encode_list(bytes(bits))
    assert encoded.startswith("u") and "=" not in encoded
    decoded = status_lists.decode_list(encoded)
    assert [i for i in range(64) if status_lists.bit_is_set(decoded, i)] == [0, 15]


def test_revoking_sets_the_bit_shown_by_the_signed_status_list_credential(world, signer):
    maria = world.student(world.pathways.gold, "Maria Lopez")
    joe = world.student(world.pathways.gold, "Joe Park")
    kept = issuance.issue_badge(
        world.session,
        student=maria,
        badge=world.badge,
        actor=None,
        signer=signer,
        site=SITE,
        now=world.now,
    )
    award = issuance.issue_badge(
        world.session,
        student=joe,
        badge=world.badge,
        actor=None,
        signer=signer,
        site=SITE,
        now=world.now,
    )
    world.session.commit()

    later = world.now + timedelta(days=3)
    revocation.revoke(
        world.session,
        award=award,
        reason="Issued to the wrong student",
        actor=world.admin,
        now=later,
    )
    world.session.commit()

    credential = status_lists.publish(
        world.session, award.status_list_id, signer, later, base_url=SITE.base_url
    ).credential
    assert credential["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert credential["id"] == award.credential_json["credentialStatus"]["statusListCredential"]
    assert credential["issuer"] == signer.issuer_did
    assert credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    subject = credential["credentialSubject"]
    assert subject["statusPurpose"] == "revocation"
    bits = status_lists.decode_list(subject["encodedList"])
    assert len(bits) * 8 == STATUS_LIST_SIZE
    assert status_lists.bit_is_set(bits, award.status_list_index)
    assert not status_lists.bit_is_set(bits, kept.status_list_index)

    assert (award.revoked_at, award.revocation_reason, award.revoked_by_id) == (
        later,
        "Issued to the wrong student",
        world.admin.id,
    )
    event = world.session.scalar(select(AuditEvent).where(AuditEvent.action == "award.revoked"))
    assert event.subject_id == award.credential_id
    assert event.details["reason"] == "Issued to the wrong student"


def test_revocation_needs_a_reason_happens_once_and_respects_pathway_scope(world, fake_signer):
    student = world.student(world.pathways.gold, "Maria Lopez")
    award = issuance.issue_badge(
        world.session,
        student=student,
        badge=world.badge,
        actor=None,
        signer=fake_signer,
        site=SITE,
        now=world.now,
    )
    world.session.commit()
    with pytest.raises(ValueError, match="needs a reason"):
        revocation.revoke(world.session, award=award, reason="  ", actor=None, now=world.now)
    with pytest.raises(PermissionDenied):
        revocation.revoke(
            world.session, award=award, reason="x", actor=world.lincoln_admin, now=world.now
        )
    revocation.revoke(
        world.session, award=award, reason="Evidence withdrawn", actor=None, now=world.now
    )
    world.session.commit()
    with pytest.raises(revocation.AlreadyRevoked, match="Evidence withdrawn"):
        revocation.revoke(world.session, award=award, reason="again", actor=None, now=world.now)
    revoked = world.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "award.revoked")
    )
    assert revoked == 1


def test_publish_all_signs_only_the_lists_that_need_it(world, signer):
    """Lists from before signed forms were stored, and lists near their validUntil, are signed
    by ``awards publish-status-lists``; current ones are left alone (once per change)."""
    student = world.student(world.pathways.gold, "Maria Lopez")
    issuance.issue_badge(world.session, student=student, badge=world.badge, actor=None,
                         signer=signer, site=SITE, now=world.now)  # fmt: skip
    world.session.commit()
    assert status_lists.publish_all(world.session, signer, world.now, base_url=SITE.base_url) == []
    later = world.now + status_lists.LIST_VALIDITY - status_lists.REFRESH_BEFORE
    assert status_lists.publish_all(world.session, signer, later, base_url=SITE.base_url) == [1]
    forms = status_lists.published(world.session, 1)
    assert forms is not None and forms.current
    assert forms.credential["validFrom"] == timestamp(later)
    status_lists.allocate(world.session, now=later)  # a list as made before this was stored
    world.session.execute(update(StatusList).values(next_free_index=STATUS_LIST_SIZE))
    fresh = status_lists.allocate(world.session, now=later)
    assert status_lists.publish_all(world.session, signer, later, base_url=SITE.base_url) == [
        fresh.status_list_id
    ]
    assert forms.credential["validUntil"] == timestamp(later + status_lists.LIST_VALIDITY)
