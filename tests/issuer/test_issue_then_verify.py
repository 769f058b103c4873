"""What the issuer signs, the project's own verifier accepts; after a revocation, the status
list the issuer publishes makes the verifier say so."""

from __future__ import annotations

import json
from datetime import timedelta

from issuer.services import issuance, revocation, status_lists
from tests.issuer.conftest import SITE
from verifier.inputs import parse_bytes
from verifier.resolvers import OfflineResolver
from verifier.verification import VerificationContext, verify


def test_issued_badge_verifies_in_both_formats_until_it_is_revoked(world, signer):
    student = world.student(world.pathways.silver, "Ana Chen")
    award = issuance.issue_badge(
        world.session,
        student=student,
        badge=world.badge,
        actor=None,
        signer=signer,
        site=SITE,
        now=world.now,
    )
    world.session.commit()
    list_url = award.credential_json["credentialStatus"]["statusListCredential"]
    checked_at = world.now + timedelta(days=1)
    context = VerificationContext(
        resolver=OfflineResolver(
            providers={
                signer.issuer_did: signer.did_document,
                list_url: lambda: (
                    status_lists.publish(
                        world.session,
                        award.status_list_id,
                        signer,
                        world.now,
                        base_url=SITE.base_url,
                    ).credential
                ),
            }
        ),
        now=lambda: checked_at,
    )

    def failed(data: bytes) -> dict[str, str]:
        report = verify(parse_bytes(data), context, recipient_email=student.email)
        return {check.id: check.message for check in report.checks if check.status == "failed"}

    ldp = json.dumps(award.credential_json).encode()
    jwt = award.credential_jwt.encode()
    assert failed(ldp) == {}
    assert failed(jwt) == {}

    revocation.revoke(
        world.session, award=award, reason="Issued in error", actor=None, now=world.now
    )
    status_lists.refresh(
        world.session, award.status_list_id, signer, world.now, base_url=SITE.base_url
    )
    world.session.commit()
    for data in (ldp, jwt):
        assert list(failed(data)) == ["status"]
