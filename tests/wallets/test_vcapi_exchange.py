"""A wallet played through the VC-API exchange as the DCC Learner Credential Wallet does it:
open the deep link from "my badges", POST a DID Authentication presentation signed by its
did:key to ``vc_request_url`` with the link's challenge, receive a presentation holding the
badge signed for that DID. Also the VC-API variant that first asks for a presentation request.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape
from urllib.parse import parse_qs, urlparse

from sqlalchemy import select

from issuer.models import AuditEvent, Award, WalletOffer
from tests.wallets.support import Wallet, sign_in
from verifier.inputs import ParsedInput
from verifier.verification import verify

DOMAIN = "badges.example.org"


def deep_link(client, app, db, issued) -> dict:
    """The LCW deep link shown on the wallet page, split into its parameters."""
    sign_in(client, app, db.get(Award, issued.award_id).student_id)
    page = client.get("/my/badges").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    created = client.post(
        f"/my/badges/{issued.uuid}/wallet", data={"protocol": "vcapi", "csrf_token": token}
    )
    shown = client.get(created.headers["Location"]).text
    link = unescape(re.search(r'href="(https://lcw\.app/request\.html\?[^"]+)"', shown).group(1))
    params = {key: values[0] for key, values in parse_qs(urlparse(link).query).items()}
    assert params["auth_type"] == "bearer" and params["issuer"] == DOMAIN
    params["path"] = urlparse(params["vc_request_url"]).path
    return params


def test_lcw_deep_link_flow_delivers_the_badge_for_the_wallet_did(client, app, db, issue):
    issued = issue()
    link = deep_link(client, app, db, issued)
    wallet = Wallet()
    did_auth = wallet.did_authentication(challenge=link["challenge"], domain=None, lcw=True)
    assert did_auth["proof"]["type"] == "Ed25519Signature2020"
    response = client.post(link["path"], json=did_auth)
    assert response.status_code == 200, response.json
    presentation = response.json["verifiablePresentation"]
    assert "VerifiablePresentation" in presentation["type"]
    [credential] = presentation["verifiableCredential"]
    assert credential["credentialSubject"]["id"] == wallet.did_key
    assert credential["id"] == issued.credential_id
    report = verify(ParsedInput("ldp", credential), app.extensions["verification_context"])
    assert report.verified, report.to_json()
    db.expire_all()
    assert db.get(Award, issued.award_id).added_to_wallet_at is not None
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "award.added_to_wallet"))
    assert event.details["protocol"] == "vcapi" and event.details["holder"] == wallet.did_key


def test_vc_api_request_step_then_wrapped_presentation_with_domain(client, app, db, issue):
    issued = issue()
    link = deep_link(client, app, db, issued)
    request = client.post(link["path"], json={}).json["verifiablePresentationRequest"]
    assert request["query"][0]["type"] == "DIDAuthentication"
    assert request["domain"] == DOMAIN
    assert request["challenge"] != link["challenge"]  # a fresh one; the link's is replaced
    wallet = Wallet()
    stale = wallet.did_authentication(challenge=link["challenge"], domain=DOMAIN)
    assert client.post(link["path"], json={"verifiablePresentation": stale}).status_code == 400
    fresh = wallet.did_authentication(challenge=request["challenge"], domain=DOMAIN)
    response = client.post(link["path"], json={"verifiablePresentation": fresh})
    assert response.status_code == 200, response.json
    [credential] = response.json["verifiablePresentation"]["verifiableCredential"]
    assert credential["credentialSubject"]["id"] == wallet.did_key


def test_replayed_exchange_is_refused(client, app, db, issue):
    issued = issue()
    link = deep_link(client, app, db, issued)
    did_auth = Wallet().did_authentication(challenge=link["challenge"], domain=None)
    assert client.post(link["path"], json=did_auth).status_code == 200
    replay = client.post(link["path"], json=did_auth)
    assert replay.status_code == 400
    assert replay.mimetype == "application/problem+json"
    assert "already used" in replay.json["detail"]
    assert client.post(link["path"], json={}).status_code == 400  # no new challenge either


def test_bad_did_authentication_presentations_are_refused(client, app, db, issue):
    issued = issue()
    link = deep_link(client, app, db, issued)
    wallet, other = Wallet(), Wallet()
    challenge = link["challenge"]
    tampered = wallet.did_authentication(challenge=challenge, domain=None)
    tampered["holder"] = other.did_key  # claims to be someone else
    signed_wrong = wallet.did_authentication(challenge=challenge, domain=None)
    signed_wrong["proof"]["proofValue"] = other.did_authentication(
        challenge=challenge, domain=None
    )["proof"]["proofValue"]
    cases = {
        "wrong challenge": wallet.did_authentication(challenge="guess", domain=None),
        "wrong domain": wallet.did_authentication(challenge=challenge, domain="evil.example"),
        "holder is not the signer": tampered,
        "signature by another key": signed_wrong,
        "no proof": {k: v for k, v in tampered.items() if k != "proof"},
        "not a presentation": ["nonsense"],
    }
    for name, body in cases.items():
        response = client.post(link["path"], json=body)
        assert response.status_code == 400, name
        assert response.mimetype == "application/problem+json", name
    malformed = client.post(link["path"], data="{", content_type="application/json")
    assert malformed.status_code == 400
    # none of them used the exchange up
    good = wallet.did_authentication(challenge=challenge, domain=None)
    assert client.post(link["path"], json=good).status_code == 200


def test_expired_and_unknown_exchanges(client, app, db, issue):
    issued = issue()
    link = deep_link(client, app, db, issued)
    offer = db.scalar(select(WalletOffer))
    offer.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    db.commit()
    did_auth = Wallet().did_authentication(challenge=link["challenge"], domain=None)
    expired = client.post(link["path"], json=did_auth)
    assert expired.status_code == 400 and "expired" in expired.json["detail"]
    assert client.post("/exchanges/no-such-exchange", json={}).status_code == 404


def test_oversized_presentation_is_refused(client, app, db, issue):
    issued = issue()
    link = deep_link(client, app, db, issued)
    response = client.post(link["path"], json={"padding": "x" * 70_000})
    assert response.status_code == 413
