"""One-time links (issuer.services.links) and the outbox's claim step, at the service level:
single use holds under concurrent use, and two delivery workers never take the same message
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL, conditional UPDATEs everywhere)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from issuer.models import LinkPurpose
from issuer.notifications import queue_message
from issuer.notifications.delivery import MailSettings, claim_due
from issuer.services import links

SIGNER = links.LinkSigner("test-secret-for-one-time-links")


def test_a_link_is_refused_after_use_and_after_expiry(world):
    session, now = world.session, world.now
    student = world.student(world.pathways.silver, "Ana Chen")
    token = links.create(
        session, SIGNER, purpose=LinkPurpose.STUDENT_SIGN_IN, now=now, student_id=student.id
    )
    with pytest.raises(links.LinkRefused) as expired:
        links.check(
            session,
            SIGNER,
            token,
            purpose=LinkPurpose.STUDENT_SIGN_IN,
            now=now + timedelta(minutes=15),
        )
    assert expired.value.refusal is links.Refusal.EXPIRED
    assert (
        links.use(session, SIGNER, token, purpose=LinkPurpose.STUDENT_SIGN_IN, now=now).student_id
        == student.id
    )
    with pytest.raises(links.LinkRefused) as used:
        links.use(session, SIGNER, token, purpose=LinkPurpose.STUDENT_SIGN_IN, now=now)
    assert used.value.refusal is links.Refusal.USED


def test_a_link_for_one_use_is_refused_for_another(world):
    token = links.create(
        world.session,
        SIGNER,
        purpose=LinkPurpose.PASSWORD_RESET,
        now=world.now,
        user_id=world.admin.id,
    )
    with pytest.raises(links.LinkRefused) as refused:
        links.check(world.session, SIGNER, token, purpose=LinkPurpose.USER_INVITE, now=world.now)
    assert refused.value.refusal is links.Refusal.TAMPERED


def test_two_concurrent_uses_of_one_link_let_exactly_one_through(world, engine):
    """Two browsers post the same claim link at once: one signs in, the other is refused."""
    session, now = world.session, world.now
    student = world.student(world.pathways.silver, "Priya Singh")
    token = links.create(
        session, SIGNER, purpose=LinkPurpose.STUDENT_CLAIM, now=now, student_id=student.id
    )
    session.commit()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def use() -> None:
        with Session(engine) as own:
            links.check(own, SIGNER, token, purpose=LinkPurpose.STUDENT_CLAIM, now=now)
            barrier.wait()
            try:
                links.use(own, SIGNER, token, purpose=LinkPurpose.STUDENT_CLAIM, now=now)
                own.commit()
                outcomes.append("used")
            except links.LinkRefused:
                own.rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=use) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["refused", "used"]


def test_two_workers_claiming_at_once_never_share_a_message(world, engine):
    session, now = world.session, world.now
    ids = {
        queue_message(
            session, kind="test", to=f"r{i}@example.org", subject=f"M{i}", text="x", now=now
        ).id
        for i in range(30)
    }
    session.commit()
    settings = MailSettings(host="127.0.0.1", batch_size=10)
    barrier = threading.Barrier(3)
    taken: dict[str, list[int]] = {}

    def worker(name: str) -> None:
        barrier.wait()
        mine: list[int] = []
        for _ in range(5):
            with Session(engine) as own:
                rows = claim_due(own, owner=name, settings=settings, now=now)
                own.commit()
                mine += [row.id for row in rows]
        taken[name] = mine

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    everything = [i for mine in taken.values() for i in mine]
    assert sorted(everything) == sorted(ids)  # all taken, none twice
