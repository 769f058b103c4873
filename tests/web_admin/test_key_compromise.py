"""A signing key reported compromised (issue 8, item 10): ``keys revoke KEY --compromised-at
TIME`` takes the key out of ``assertionMethod`` (kept listed, marked ``revoked``), replaces a
current key, marks and lists the awards it signed, and audits the event. The verifier then
refuses what the key signed, unless the issuer's own records show it was signed before TIME:
the ``created`` time a proof carries is the signer's claim, and a thief can backdate it.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from issuer.models import AuditEvent, Award, KeyCompromise
from keys.proofs import create_proof
from tests.web_admin.data import OAKLAND


def _award(db: Any, award_id: int) -> Award:
    db.expire_all()
    return db.get(Award, award_id)


def _verify(app: Any, signed: dict | str) -> dict[str, Any]:
    client = app.test_client()
    if isinstance(signed, str):
        response = client.post("/api/v1/verify", data=signed, content_type="text/plain")
    else:
        response = client.post("/api/v1/verify", json=signed)
    assert response.status_code == 200, response.data
    return response.get_json()


def _check(report: dict[str, Any], check_id: str) -> dict[str, Any]:
    return next(c for c in report["checks"] if c["id"] == check_id)


def _revoke(app: Any, key_id: str, when: datetime) -> Any:
    stamp = when.isoformat().replace("+00:00", "Z")
    return app.test_cli_runner().invoke(args=["keys", "revoke", key_id, "--compromised-at", stamp])


def _current(app: Any, key_type: str) -> Any:
    return app.extensions["signer"].key_store.current(key_type)


@pytest.fixture
def maria(app, web, db) -> Award:
    award = _award(db, web.net.award_ids["Maria Lopez"])
    assert _verify(app, award.credential_json)["verified"] is True
    assert _verify(app, award.credential_jwt)["verified"] is True
    return award


def test_keys_revoke_takes_the_key_out_of_assertion_method_but_keeps_it_listed(app, maria):
    old = _current(app, "Ed25519").record.id
    result = _revoke(app, old, datetime.now(UTC) - timedelta(hours=1))
    assert result.exit_code == 0, result.output
    document = app.test_client().get("/.well-known/did.json").get_json()
    did = document["id"]
    methods = {m["id"]: m for m in document["verificationMethod"]}
    assert f"{did}#{old}" in methods
    assert methods[f"{did}#{old}"]["revoked"].endswith("Z")
    assert f"{did}#{old}" not in document["assertionMethod"]
    assert f"{did}#{old}" not in document["authentication"]
    new = _current(app, "Ed25519").record.id
    assert new != old and f"{did}#{new}" in document["assertionMethod"]
    assert "new current Ed25519 key" in result.output
    listed = app.test_cli_runner().invoke(args=["keys", "list"]).output
    assert f"{did}#{old}\tEd25519\trevoked" in listed


def test_credentials_signed_after_the_compromise_time_fail_verification(app, web, db, maria):
    """Our award was issued after the stated compromise time: refused, and listed to
    re-issue on the command line and on the admin's student page."""
    key = _current(app, "Ed25519").record.id
    compromised = maria.issued_at - timedelta(minutes=5)
    result = _revoke(app, key, compromised)
    assert result.exit_code == 0, result.output
    assert "1 award(s) signed by it; 1 signed at or after the compromise" in result.output
    assert maria.credential_id in result.output

    report = _verify(app, maria.credential_json)
    assert report["verified"] is False
    proof = _check(report, "proof")
    assert proof["status"] == "failed"
    day = f"{compromised.day} {compromised:%B %Y}"
    assert f"signed by a key reported compromised on {day}" in proof["message"]
    assert report["credential"]["name"] is None  # nothing the credential claims is shown
    # The JWT was signed by another key (P-256): it still verifies.
    jwt_report = _verify(app, maria.credential_jwt)
    assert jwt_report["verified"] is True, [
        c for c in jwt_report["checks"] if c["status"] == "failed"
    ]

    award = _award(db, maria.id)
    assert award.needs_reissue
    assert award.signing_key_compromise.key_id.endswith(f"#{key}")
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "key.revoked"))
    assert event.details["awards_to_reissue"] == [maria.credential_id]
    assert event.actor_label == "command line"

    web.login(OAKLAND)
    page = web.get(
        f"/admin/pathways/oak-health/students/{web.net.students['Maria Lopez']}"
    ).get_data(as_text=True)
    assert "Signed with a compromised key: revoke and issue again" in page


def test_our_credentials_signed_before_the_compromise_still_verify_by_our_records(app, db, maria):
    """Before the compromise time, and recorded by us when we issued it: still valid.

    The DID document states the compromise time in whole seconds, rounded down (the safe
    direction: an award issued within that second counts as after it), so the award must be
    from an earlier second than the compromise."""
    time.sleep(max(0.0, 1.05 - (datetime.now(UTC) - maria.issued_at).total_seconds()))
    result = _revoke(app, _current(app, "P-256").record.id, datetime.now(UTC))
    assert result.exit_code == 0, result.output
    assert "1 award(s) signed by it; 0 signed at or after" in result.output
    assert _verify(app, maria.credential_jwt)["verified"] is True
    assert not _award(db, maria.id).needs_reissue


def test_a_backdated_created_time_by_the_key_thief_does_not_make_a_forgery_valid(app, maria):
    """The thief signs a new credential with ``created`` before the compromise time: the
    time is the signer's claim, so it fails like any signature after the compromise."""
    stolen = _current(app, "Ed25519")
    compromised = datetime.now(UTC) - timedelta(days=1)
    forged = {k: v for k, v in maria.credential_json.items() if k != "proof"}
    forged["name"] = "Brain Surgery Badge"
    forged["id"] = "urn:uuid:00000000-0000-4000-8000-000000000001"
    signed = create_proof(
        forged,
        stolen.key_pair,
        maria.credential_json["proof"]["verificationMethod"],
        created=(compromised - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    assert _verify(app, signed)["verified"] is True  # before the report, it "verifies"
    assert _revoke(app, stolen.record.id, compromised).exit_code == 0
    report = _verify(app, signed)
    assert report["verified"] is False
    assert "reported compromised" in _check(report, "proof")["message"]
    # Our own credential, also re-dated by nobody, differs from what we stored: refused too.
    altered = json.loads(json.dumps(maria.credential_json))
    altered["proof"]["created"] = "2020-01-01T00:00:00Z"
    assert _verify(app, altered)["verified"] is False


def test_keys_revoke_refuses_unknown_keys_future_times_and_a_second_report(app, maria):
    key = _current(app, "Ed25519").record.id
    unknown = _revoke(app, "ed25519-00000000", datetime.now(UTC))
    assert unknown.exit_code != 0 and "no key 'ed25519-00000000'" in unknown.output
    future = _revoke(app, key, datetime.now(UTC) + timedelta(days=1))
    assert future.exit_code != 0 and "future" in future.output
    naive = app.test_cli_runner().invoke(
        args=["keys", "revoke", key, "--compromised-at", "2026-11-02T08:00"]
    )
    assert naive.exit_code != 0 and "no offset" in naive.output
    assert _revoke(app, key, datetime.now(UTC)).exit_code == 0
    again = _revoke(app, key, datetime.now(UTC))
    assert again.exit_code != 0 and "already reported compromised" in again.output


def test_a_failed_revocation_changes_neither_the_database_nor_the_keys(app, db, maria):
    key = _current(app, "Ed25519").record.id
    assert _revoke(app, key, datetime.now(UTC) + timedelta(days=1)).exit_code != 0
    db.expire_all()
    assert db.scalar(select(KeyCompromise)) is None
    assert _current(app, "Ed25519").record.id == key
