"""The verdicts of our own badges are remembered per web process (verifier/verdict_cache.py),
and every change that alters a verdict is seen on the very next request: a revocation, a key
reported compromised (``keys revoke``), an expiry, a registry change. Through the pages an
employer and a student see, and the API."""

from __future__ import annotations

import copy
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from issuer.models import Award
from issuer.services import registry, revocation, status_lists
from keys.did import did_key_for
from keys.keypairs import KeyPair
from keys.proofs import create_proof


def _state(html: str) -> str:
    return re.search(r'<section class="card verdict-card[^>]*data-state="([^"]+)"', html).group(1)


def _pages(client, uuid: str) -> tuple[str, str]:
    """The verdict of the QR landing and of the badge page."""
    qr = client.get(f"/verify/{uuid}")
    badge = client.get(f"/badges/{uuid}")
    assert qr.status_code == 200 and badge.status_code == 200
    return _state(qr.data.decode()), _state(badge.data.decode())


@pytest.fixture
def verifications(app):
    cache = app.extensions["verdict_cache"]
    return lambda: cache.verifications


def _session(app):
    return app.extensions["sqlalchemy_sessionmaker"]()


def test_a_badge_is_verified_once_then_its_verdict_is_reused(client, issue, verifications):
    award = issue()
    assert _pages(client, award.uuid) == ("genuine", "genuine")
    made = verifications()
    assert _pages(client, award.uuid) == ("genuine", "genuine")
    assert client.get(f"/api/v1/credentials/{award.uuid}/benefits").json["verification"]["verified"]
    assert verifications() == made


def test_revoking_shows_revoked_on_the_next_request(app, client, issue):
    award = issue()
    assert _pages(client, award.uuid) == ("genuine", "genuine")
    with app.app_context():
        session = _session(app)
        row = session.get(Award, award.award_id)
        now = datetime.now(UTC)
        revocation.revoke(session, award=row, reason="Issued in error", actor=None, now=now)
        status_lists.refresh(
            session,
            row.status_list_id,
            app.extensions["signer"],
            now,
            base_url=app.config["PUBLIC_BASE_URL"],
        )
        session.commit()
        session.close()
    assert _pages(client, award.uuid) == ("revoked", "revoked")
    report = client.get(f"/api/v1/credentials/{award.uuid}/benefits").json["verification"]
    assert report["credential"]["status"] == "revoked"


def test_a_key_reported_compromised_fails_its_badges_on_the_next_request(app, client, issue):
    award = issue()
    assert _pages(client, award.uuid) == ("genuine", "genuine")
    store = app.extensions["signer"].key_store
    fragment = store.current("Ed25519").record.id
    before_issue = (datetime.now(UTC) - timedelta(days=2)).strftime("%Y-%m-%dT%H:%MZ")
    result = app.test_cli_runner().invoke(
        args=["keys", "revoke", fragment, "--compromised-at", before_issue]
    )
    assert result.exit_code == 0, result.output
    qr = client.get(f"/verify/{award.uuid}").data.decode()
    assert _state(qr) == "not-genuine" and "reported compromised" in qr
    assert _state(client.get(f"/badges/{award.uuid}").data.decode()) == "not-genuine"


def test_a_badge_reads_expired_from_the_moment_it_expires(app, client, issue):
    with app.app_context():
        session = _session(app)
        now = datetime.now(UTC)
        soon = now + timedelta(minutes=10)
        # the badge is valid for two calendar years (badge_definitions: validity.years)
        row = session.get(Award, issue(issued_at=soon.replace(year=soon.year - 2)).award_id)
        assert row.valid_until.replace(tzinfo=UTC) == soon.replace(microsecond=0)
        uuid, valid_until = row.credential_id.removeprefix("urn:uuid:"), row.valid_until
        # its status list signed now, as the daily publish-status-lists keeps it
        status_lists.publish(
            session,
            row.status_list_id,
            app.extensions["signer"],
            now,
            base_url=app.config["PUBLIC_BASE_URL"],
            force=True,
        )
        session.commit()
        session.close()
    valid_until = valid_until.replace(tzinfo=UTC)

    def report_at(moment):
        """The stored badge's report with the verifier's clock at ``moment`` (the pages'
        words about dates read the real clock, so the report is what to look at here)."""
        app.extensions["verification_context"] = replace(context, now=lambda: moment)
        return client.get(f"/api/v1/credentials/{uuid}/benefits").json["verification"]

    assert _pages(client, uuid) == ("genuine", "genuine")
    context = app.extensions["verification_context"]
    assert report_at(valid_until - timedelta(seconds=1))["credential"]["status"] == "active"
    expired = report_at(valid_until)
    assert expired["credential"]["status"] == "expired" and not expired["verified"]
    assert "Expired on" in client.get(f"/verify/{uuid}").data.decode()


def test_suspending_our_registry_entry_is_seen_on_the_next_request(app, client, issue):
    award = issue()
    assert 'data-recognized="false"' not in client.get(f"/verify/{award.uuid}").data.decode()
    with app.app_context():
        session = _session(app)
        signer = app.extensions["signer"]
        registry.suspend_own(
            session,
            own_did=signer.issuer_did,
            own_name=app.config["ISSUER_NAME"],
            url=app.config["PUBLIC_BASE_URL"],
            actor=None,
            now=datetime.now(UTC),
        )
        session.commit()
        session.close()
    assert 'data-recognized="false"' in client.get(f"/verify/{award.uuid}").data.decode()
    assert 'data-recognized="false"' in client.get(f"/badges/{award.uuid}").data.decode()


def test_the_verify_api_reuses_a_posted_badge_until_it_is_revoked(
    app, client, issue, verifications
):
    award = issue()
    with app.app_context():
        session = _session(app)
        credential = session.get(Award, award.award_id).credential_json
        session.close()
    first = client.post("/api/v1/verify", json=credential).json
    made = verifications()
    assert client.post("/api/v1/verify", json=credential).json == first
    assert verifications() == made and first["verified"]
    with app.app_context():
        session = _session(app)
        row = session.get(Award, award.award_id)
        now = datetime.now(UTC)
        revocation.revoke(session, award=row, reason="Issued in error", actor=None, now=now)
        status_lists.refresh(
            session,
            row.status_list_id,
            app.extensions["signer"],
            now,
            base_url=app.config["PUBLIC_BASE_URL"],
        )
        session.commit()
        session.close()
    again = client.post("/api/v1/verify", json=credential).json
    assert not again["verified"] and again["credential"]["status"] == "revoked"


def test_a_changed_copy_of_our_badge_is_verified_on_its_own(app, client, issue):
    award = issue()
    with app.app_context():
        session = _session(app)
        credential = session.get(Award, award.award_id).credential_json
        session.close()
    assert client.post("/api/v1/verify", json=credential).json["verified"]
    tampered = {**credential, "name": credential["name"] + " (forged)"}
    assert not client.post("/api/v1/verify", json=tampered).json["verified"]


def test_anyone_elses_credential_is_verified_on_every_request(app, client, issue, verifications):
    """Only our own badges are remembered: a did:key issuer's credential, valid and entirely
    offline, is still verified each time it is posted."""
    award = issue()
    with app.app_context():
        session = _session(app)
        foreign = copy.deepcopy(session.get(Award, award.award_id).credential_json)
        session.close()
    for name in ("proof", "credentialStatus"):
        foreign.pop(name)
    key = KeyPair.generate("Ed25519")
    did = did_key_for(key.public_key)
    foreign["issuer"] = {"id": did, "type": ["Profile"], "name": "Foreign Community College"}
    signed = create_proof(foreign, key, f"{did}#{did[8:]}", created="2026-03-02T17:30:00Z")
    assert client.post("/api/v1/verify", json=signed).json["verified"]
    made = verifications()
    assert client.post("/api/v1/verify", json=signed).json["verified"]
    assert verifications() == made + 1
