"""Revocations committed while the same badges are being verified: every verification sees a
whole, correctly signed status list and answers "active" or "revoked", never an error; once a
revocation has committed, every verification that starts afterwards says "revoked"."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from issuer.benefit_sources import IssuerDocuments
from issuer.models import Award
from issuer.services import issuance, revocation, status_lists
from tests.faults.conftest import assert_status_lists_consistent, on_postgres
from tests.issuer.conftest import SITE
from verifier.inputs import parse_bytes
from verifier.resolvers import ChainResolver, OfflineResolver
from verifier.verification import VerificationContext, verify

AWARDS = 6
VERIFIERS = 4
ROUNDS = 12


@pytest.mark.postgres
@on_postgres
def test_verifications_during_revocations_see_active_or_revoked_only(world, signer, engine):
    students = [world.student(world.pathways.gold, f"Student Number{i}") for i in range(AWARDS)]
    awards = [
        issuance.issue_badge(world.session, student=s, badge=world.badge, actor=None,
                             signer=signer, site=SITE, now=world.now)
        for s in students
    ]  # fmt: skip
    world.session.commit()
    award_ids = [award.id for award in awards]
    documents = {award.id: json.dumps(award.credential_json).encode() for award in awards}

    # Wired as wsgi.py wires it: our status lists built from the database on each resolve,
    # each verifier thread with its own session per verification (as each request has).
    local = threading.local()
    context = VerificationContext(
        resolver=ChainResolver(
            IssuerDocuments(lambda: local.session, base_url=SITE.base_url),
            OfflineResolver(providers={signer.issuer_did: signer.did_document}),
        ),
        now=lambda: world.now + timedelta(days=1),
    )  # fmt: skip
    revoked_at: dict[int, float] = {}  # award id -> when its revocation had committed
    results: list[tuple[int, float, str, dict[str, str]]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(VERIFIERS + 1)

    def revoke_all() -> None:
        try:
            start.wait()
            for award_id in award_ids:
                with Session(engine) as session:
                    award = session.get(Award, award_id)
                    revocation.revoke(
                        session, award=award, reason="Issued in error", actor=None, now=world.now
                    )
                    status_lists.refresh(session, award.status_list_id, signer, world.now,
                                         base_url=SITE.base_url)  # fmt: skip
                    session.commit()
                revoked_at[award_id] = time.monotonic()
                time.sleep(0.01)
        except BaseException as error:
            errors.append(error)

    def verify_repeatedly(offset: int) -> None:
        try:
            start.wait()
            for n in range(ROUNDS):
                award_id = award_ids[(offset + n) % AWARDS]
                began = time.monotonic()
                with Session(engine) as local.session:
                    report = verify(parse_bytes(documents[award_id]), context)
                failed = {c.id: c.message for c in report.checks if c.status == "failed"}
                results.append((award_id, began, report.credential.status, failed))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=revoke_all)] + [
        threading.Thread(target=verify_repeatedly, args=(i,)) for i in range(VERIFIERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert len(results) == VERIFIERS * ROUNDS
    for award_id, began, status, failed in results:
        assert status in {"active", "revoked"}, failed
        if status == "active":
            assert failed == {}
        else:
            assert failed == {"status": "The credential has been revoked by its issuer"}, failed
        if award_id in revoked_at and revoked_at[award_id] < began:
            assert status == "revoked", f"award {award_id} verified active after its revocation"
    assert {status for *_, status, _ in results} == {"active", "revoked"}, "no overlap happened"
    assert_status_lists_consistent(world.session)
