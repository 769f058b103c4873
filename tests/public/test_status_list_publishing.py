"""Our status lists: signed once per change and stored in both forms (JSON-LD and VC-JOSE JWT),
served by content negotiation or at ``.jwt``, and kept published while signing is unavailable
(issue #8 item 9: ``/status-lists/<id>`` and ``/verify/<uuid>`` never answer 500 for that)."""

from __future__ import annotations

import base64
import json
import logging
from urllib.parse import urlsplit

import pytest

from issuer.database import get_session
from issuer.models import Award
from issuer.services import revocation, status_lists
from keys.store import KeyStore
from verifier.status import bit_is_set, decode_bitstring


def _list_path(client, award) -> str:
    credential = client.get(f"/badges/{award.uuid}.json").json
    return urlsplit(credential["credentialStatus"]["statusListCredential"]).path


def _payload(token: str) -> dict:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _revoke(app, award_id: int) -> None:
    with app.app_context():
        session = get_session()
        award = session.get(Award, award_id)
        revocation.revoke(session, award=award, reason="Issued in error", actor=None, now=_now())
        status_lists.refresh(
            session,
            award.status_list_id,
            app.extensions["signer"],
            _now(),
            base_url=app.config["PUBLIC_BASE_URL"],
        )
        session.commit()


def _now():
    from datetime import UTC, datetime

    return datetime.now(UTC)


def test_a_list_is_signed_once_per_change_not_per_request(client, app, issue):
    award = issue()
    path = _list_path(client, award)
    first = client.get(path).json
    assert client.get(path).json == first  # same proof: nothing signed again
    assert client.get(path + ".jwt").data == client.get(path + ".jwt").data
    _revoke(app, award.award_id)
    changed = client.get(path).json
    assert changed["proof"]["proofValue"] != first["proof"]["proofValue"]
    bits = decode_bitstring(changed["credentialSubject"]["encodedList"])
    index = int(
        client.get(f"/badges/{award.uuid}.json").json["credentialStatus"]["statusListIndex"]
    )
    assert bit_is_set(bits, index)
    assert client.get(path).json == changed


def test_the_list_is_published_as_a_vc_jose_jwt_by_negotiation_and_at_jwt(client, issue):
    award = issue(revoke_reason="Issued in error")
    path = _list_path(client, award)
    json_form = client.get(path, headers={"Accept": "application/ld+json"})
    negotiated = client.get(path, headers={"Accept": "application/vc+jwt"})
    sibling = client.get(path + ".jwt")
    assert json_form.mimetype == "application/ld+json" and "Accept" in json_form.headers["Vary"]
    assert negotiated.mimetype == sibling.mimetype == "application/vc+jwt"
    assert negotiated.data == sibling.data
    token = sibling.data.decode()
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header["typ"] == "vc+jwt"
    unsigned = {k: v for k, v in json_form.json.items() if k != "proof"}
    assert _payload(token) == unsigned


def test_a_revoked_badge_is_seen_revoked_by_our_verifier_from_the_stored_list(client, issue):
    award = issue(revoke_reason="CPR card had expired")
    report = client.post("/api/v1/verify", json=client.get(f"/badges/{award.uuid}.json").json)
    status = next(c for c in report.json["checks"] if c["id"] == "status")
    assert status["status"] == "failed" and "revoked" in status["message"]


@pytest.fixture
def sealed(app):
    """Signing unavailable: the key store can no longer be unsealed (wrong passphrase)."""
    signer = app.extensions["signer"]
    working = signer.key_store
    signer.key_store = KeyStore(working.directory, "not-the-passphrase-at-all", scrypt_n=2**10)
    yield
    signer.key_store = working


def test_while_signing_is_unavailable_the_last_good_list_is_served_with_an_alert(
    client, app, issue, caplog
):
    award = issue()
    path = _list_path(client, award)
    last_good = client.get(path).json
    jwt_form = client.get(path + ".jwt").data
    signer = app.extensions["signer"]
    working = signer.key_store
    signer.key_store = KeyStore(working.directory, "not-the-passphrase-at-all", scrypt_n=2**10)
    try:
        with caplog.at_level(logging.ERROR):
            _revoke(app, award.award_id)  # the revocation itself is kept
            served = client.get(path)
            assert served.status_code == 200 and served.json == last_good
            assert client.get(path + ".jwt").data == jwt_form
            page = client.get(f"/verify/{award.uuid}")
            assert page.status_code == 200
        assert any("ALERT" in r.message and "last good list" in r.message for r in caplog.records)
    finally:
        signer.key_store = working
    with app.app_context():
        assert get_session().get(Award, award.award_id).revoked_at is not None
    resigned = client.get(path).json  # signing is back: the change is published
    assert resigned != last_good


def test_a_list_never_signed_answers_503_not_500_while_signing_is_unavailable(
    client, app, issue, sealed
):
    with app.app_context():
        session = get_session()
        status_list = status_lists.allocate(session, now=_now())
        session.commit()
    response = client.get(f"/status-lists/{status_list.status_list_id}")
    assert response.status_code == 503 and response.mimetype == "application/problem+json"
