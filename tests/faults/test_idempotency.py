"""The same request submitted twice issues once: the second call, even while the first is
still running in another transaction, returns the first award."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from issuer.models import Award, BadgeDefinitionRecord, Student
from issuer.services import issuance
from tests.faults.conftest import assert_status_lists_consistent, on_postgres
from tests.issuer.conftest import SITE


def _award_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Award))


def test_a_repeated_key_after_a_lost_response_returns_the_first_award(world, fake_signer):
    """The browser never saw the answer and submits again: nothing new is signed."""
    maria = world.student(world.pathways.gold, "Maria Lopez")
    first = issuance.issue_badge(
        world.session,
        student=maria,
        badge=world.badge,
        actor=None,
        signer=fake_signer,
        site=SITE,
        now=world.now,
        idempotency_key="form-7f3a",
    )
    world.session.commit()
    signed_before = len(fake_signer.signed)
    again = issuance.issue_badge(
        world.session,
        student=maria,
        badge=world.badge,
        actor=None,
        signer=fake_signer,
        site=SITE,
        now=world.now,
        idempotency_key="form-7f3a",
    )
    world.session.commit()
    assert again.credential_id == first.credential_id
    assert len(fake_signer.signed) == signed_before
    assert _award_count(world.session) == 1
    assert_status_lists_consistent(world.session)


class _HeldSigner:
    """Signs, but holds the first issuance inside signing until the test lets it go, so the
    twin request starts while the first has looked up its key and not yet committed."""

    def __init__(self, inner) -> None:
        self.inner, self.issuer_did = inner, inner.issuer_did
        self.signing, self.release = threading.Event(), threading.Event()

    def sign_ldp(self, credential):
        if not self.signing.is_set():
            self.signing.set()
            assert self.release.wait(timeout=30)
        return self.inner.sign_ldp(credential)

    def sign_jwt(self, credential, **options):
        return self.inner.sign_jwt(credential, **options)


@pytest.mark.postgres
@on_postgres
def test_the_same_key_from_two_sessions_at_once_issues_one_award(world, fake_signer, engine):
    maria = world.student(world.pathways.gold, "Maria Lopez")
    other = world.student(world.pathways.gold, "Joe Park")
    issuance.issue_badge(
        world.session,
        student=other,
        badge=world.badge,
        actor=None,
        signer=fake_signer,
        site=SITE,
        now=world.now,
    )
    world.session.commit()  # the status list exists, as it does on any running issuer
    signer = _HeldSigner(fake_signer)
    results: dict[str, str] = {}
    errors: list[BaseException] = []

    def submit(name: str) -> None:
        try:
            with Session(engine, expire_on_commit=False) as session:
                award = issuance.issue_badge(
                    session,
                    student=session.get(Student, maria.id),
                    badge=session.get(BadgeDefinitionRecord, world.badge.id),
                    actor=None,
                    signer=signer,
                    site=SITE,
                    now=world.now,
                    idempotency_key="upload-42",
                )
                session.commit()
                results[name] = award.credential_id
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    first = threading.Thread(target=submit, args=("first",))
    first.start()
    assert signer.signing.wait(timeout=30)
    second = threading.Thread(target=submit, args=("second",))
    second.start()
    second.join(timeout=1)
    assert second.is_alive(), "the twin request should wait for the first one's transaction"
    signer.release.set()
    first.join(timeout=30)
    second.join(timeout=30)

    assert errors == []
    assert results["second"] == results["first"]
    world.session.expire_all()
    keyed = world.session.scalars(select(Award).where(Award.idempotency_key == "upload-42"))
    assert [award.credential_id for award in keyed] == [results["first"]]
    assert _award_count(world.session) == 2
    assert_status_lists_consistent(world.session)
