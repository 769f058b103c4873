"""A wallet played through the whole OpenID4VCI 1.0 pre-authorized code flow, as an
OpenID4VCI wallet does it: scan the offer from "my badges", read the metadata, get a token with
the transaction code, get a nonce, request the credential with a key proof JWT.

Section numbers are those of OpenID for Verifiable Credential Issuance 1.0 (final).
"""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote, urlparse

import pytest
from sqlalchemy import select

from issuer.models import AuditEvent, Award, WalletOffer
from issuer.wallets import offers
from keys.keypairs import KeyPair
from keys.proofs import decode_compact
from tests.wallets.flows import ISSUER, make_offer, nonce, request_credential, scan_qr, token_for
from tests.wallets.support import Wallet
from verifier.inputs import ParsedInput, parse_bytes
from verifier.verification import verify

GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


def test_metadata_names_the_endpoints_and_both_credential_formats_section_12(client):
    metadata = client.get("/.well-known/openid-credential-issuer").json
    assert metadata["credential_issuer"] == ISSUER
    assert metadata["credential_endpoint"] == f"{ISSUER}/oid4vci/credential"
    assert metadata["nonce_endpoint"] == f"{ISSUER}/oid4vci/nonce"
    formats = {c["format"] for c in metadata["credential_configurations_supported"].values()}
    assert formats == {"ldp_vc", "jwt_vc_json"}
    server = client.get("/.well-known/oauth-authorization-server").json
    assert server["token_endpoint"] == f"{ISSUER}/oid4vci/token"
    assert server["pre-authorized_grant_anonymous_access_supported"] is True


@pytest.mark.parametrize("use_jwk", [False, True], ids=["did-key-kid", "jwk-did-jwk"])
def test_wallet_receives_the_badge_bound_to_its_did_and_it_verifies(
    client, app, db, issue, use_jwk
):
    issued = issue()
    shown = make_offer(client, app, db, issued)
    offer = shown["offer"]
    assert offer["credential_issuer"] == ISSUER
    assert offer["grants"][GRANT]["tx_code"] == {
        "input_mode": "numeric",
        "length": 6,
        "description": offer["grants"][GRANT]["tx_code"]["description"],
    }
    # The QR code carries the offer by reference; the document behind it is the same offer.
    scanned = scan_qr(shown["page"])
    assert scanned.startswith("openid-credential-offer://?credential_offer_uri=")
    by_reference = unquote(scanned.partition("credential_offer_uri=")[2])
    assert client.get(urlparse(by_reference).path).json == offer

    token = token_for(client, offer, shown["tx_code"])
    assert token.status_code == 200, token.json
    assert token.json["token_type"] == "Bearer"
    assert "no-store" in token.headers["Cache-Control"]

    wallet = Wallet()
    proof = wallet.proof_jwt(audience=ISSUER, nonce=nonce(client), use_jwk=use_jwk)
    response = request_credential(
        client,
        token.json["access_token"],
        {"credential_configuration_id": "OpenBadgeCredential_ldp_vc", "proofs": {"jwt": [proof]}},
    )
    assert response.status_code == 200, response.json
    credential = response.json["credentials"][0]["credential"]
    holder = wallet.did_jwk if use_jwk else wallet.did_key
    assert credential["credentialSubject"]["id"] == holder
    assert credential["id"] == issued.credential_id
    report = verify(ParsedInput("ldp", credential), app.extensions["verification_context"])
    assert report.verified, report.to_json()

    award = db.get(Award, issued.award_id)
    db.refresh(award)
    assert award.added_to_wallet_at is not None
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "award.added_to_wallet"))
    assert event.details["holder"] == holder and event.actor_label == "wallet"


def test_jwt_vc_json_format_has_the_wallet_did_as_sub_and_verifies(client, app, db, issue):
    issued = issue()
    shown = make_offer(client, app, db, issued)
    access = token_for(client, shown["offer"], shown["tx_code"]).json["access_token"]
    wallet = Wallet("P-256")
    proof = wallet.proof_jwt(audience=ISSUER, nonce=nonce(client))
    response = request_credential(
        client,
        access,
        {
            "credential_configuration_id": "OpenBadgeCredential_jwt_vc_json",
            "proofs": {"jwt": [proof]},
        },
    )
    assert response.status_code == 200, response.json
    jwt = response.json["credentials"][0]["credential"]
    parsed = parse_bytes(jwt.encode())
    report = verify(parsed, app.extensions["verification_context"])
    assert report.verified, report.to_json()
    claims = decode_compact(jwt).payload
    assert claims["sub"] == wallet.did_key
    assert claims["vc"]["credentialSubject"]["id"] == wallet.did_key


def test_replayed_offer_is_invalid_grant_section_6_3(client, app, db, issue):
    issued = issue()
    shown = make_offer(client, app, db, issued)
    assert token_for(client, shown["offer"], shown["tx_code"]).status_code == 200
    again = token_for(client, shown["offer"], shown["tx_code"])
    assert again.status_code == 400
    assert again.json["error"] == "invalid_grant"
    # ...and the offer document behind the QR code is gone once used.
    assert (
        client.get(f"/oid4vci/offers/{db.scalar(select(WalletOffer.offer_id))}").status_code == 404
    )


def test_wrong_or_missing_transaction_code_section_6_3(client, app, db, issue):
    issued = issue()
    shown = make_offer(client, app, db, issued)
    wrong = f"{(int(shown['tx_code']) + 1) % 1_000_000:06d}"
    response = token_for(client, shown["offer"], wrong)
    assert (response.status_code, response.json["error"]) == (400, "invalid_grant")
    missing = token_for(client, shown["offer"], None)
    assert (missing.status_code, missing.json["error"]) == (400, "invalid_request")
    assert token_for(client, shown["offer"], shown["tx_code"]).status_code == 200  # still usable


def test_guessing_the_transaction_code_kills_the_offer(client, app, db, issue):
    issued = issue()
    shown = make_offer(client, app, db, issued)
    wrong = f"{(int(shown['tx_code']) + 1) % 1_000_000:06d}"
    for _ in range(offers.MAX_TX_CODE_ATTEMPTS):
        assert token_for(client, shown["offer"], wrong).json["error"] == "invalid_grant"
    assert token_for(client, shown["offer"], shown["tx_code"]).json["error"] == "invalid_grant"


def test_expired_offer_is_invalid_grant(client, app, db, issue):
    issued = issue()
    shown = make_offer(client, app, db, issued)
    offer = db.scalar(select(WalletOffer))
    offer.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    db.commit()
    assert token_for(client, shown["offer"], shown["tx_code"]).json["error"] == "invalid_grant"


def test_unsupported_grant_type(client):
    response = client.post("/oid4vci/token", data={"grant_type": "authorization_code"})
    assert (response.status_code, response.json["error"]) == (400, "unsupported_grant_type")


@pytest.fixture
def access_token(client, app, db, issue):
    issued = issue()
    shown = make_offer(client, app, db, issued)
    return token_for(client, shown["offer"], shown["tx_code"]).json["access_token"]


def _ldp(proofs):
    return {"credential_configuration_id": "OpenBadgeCredential_ldp_vc", "proofs": proofs}


def _segment(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _unsigned(wallet: Wallet, c_nonce: str) -> str:
    header = {"alg": "none", "typ": "openid4vci-proof+jwt", "kid": wallet.did_key + "#0"}
    claims = {"aud": ISSUER, "iat": int(time.time()), "nonce": c_nonce}
    return f"{_segment(header)}.{_segment(claims)}."


def _kid_and_jwk(wallet: Wallet, c_nonce: str) -> str:
    token = wallet.proof_jwt(audience=ISSUER, nonce=c_nonce)
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    header["jwk"] = wallet.key.public_key.to_jwk()
    signing_input = _segment(header) + "." + token.split(".")[1]
    signature = wallet.key.sign(signing_input.encode())
    return signing_input + "." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()


def _did_web(wallet: Wallet, c_nonce: str) -> str:
    header = {"alg": "EdDSA", "typ": "openid4vci-proof+jwt", "kid": "did:web:evil.example#k"}
    claims = {"aud": ISSUER, "iat": int(time.time()), "nonce": c_nonce}
    signing_input = f"{_segment(header)}.{_segment(claims)}"
    signature = wallet.key.sign(signing_input.encode())
    return signing_input + "." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()


def test_missing_proofs_is_invalid_proof_section_8_3_1(client, access_token):
    response = request_credential(
        client, access_token, {"credential_configuration_id": "OpenBadgeCredential_ldp_vc"}
    )
    assert (response.status_code, response.json["error"]) == (400, "invalid_proof")


def test_invalid_key_proofs_section_8_3_1_and_appendix_f(client, access_token):
    wallet = Wallet()
    cases = {
        "wrong audience": wallet.proof_jwt(audience="https://evil.example", nonce=nonce(client)),
        "wrong typ": wallet.proof_jwt(audience=ISSUER, nonce=nonce(client), typ="JWT"),
        "stale iat": wallet.proof_jwt(audience=ISSUER, nonce=nonce(client), iat=time.time() - 3600),
        "signed by another key": wallet.proof_jwt(
            audience=ISSUER, nonce=nonce(client), signer=KeyPair.generate("Ed25519")
        ),
        "no nonce": wallet.proof_jwt(audience=ISSUER, nonce=None),
        "not a JWT": "not-a-jwt",
        "alg none (F.1: MUST NOT be none)": _unsigned(wallet, nonce(client)),
        "kid and jwk both (F.1: MUST NOT)": _kid_and_jwk(wallet, nonce(client)),
        "did:web key (would need the network)": _did_web(wallet, nonce(client)),
    }
    for name, proof in cases.items():
        response = request_credential(client, access_token, _ldp({"jwt": [proof]}))
        assert (response.status_code, response.json["error"]) == (400, "invalid_proof"), name
    # none of them used the offer up
    good = wallet.proof_jwt(audience=ISSUER, nonce=nonce(client))
    assert request_credential(client, access_token, _ldp({"jwt": [good]})).status_code == 200


def test_nonce_not_from_our_endpoint_is_invalid_nonce(client, access_token):
    proof = Wallet().proof_jwt(audience=ISSUER, nonce="made-up-nonce")
    response = request_credential(client, access_token, _ldp({"jwt": [proof]}))
    assert (response.status_code, response.json["error"]) == (400, "invalid_nonce")


def test_malformed_requests_section_8_3_1(client, access_token):
    proof = Wallet().proof_jwt(audience=ISSUER, nonce=nonce(client))
    unknown = request_credential(
        client, access_token, {"credential_configuration_id": "Diploma", "proofs": {"jwt": [proof]}}
    )
    assert unknown.json["error"] == "unknown_credential_configuration"
    both = request_credential(
        client,
        access_token,
        {**_ldp({"jwt": [proof]}), "proof": {"proof_type": "jwt", "jwt": proof}},
    )
    assert both.json["error"] == "invalid_credential_request"
    not_json = client.post(
        "/oid4vci/credential",
        data="{",
        content_type="application/json",
        headers={"Authorization": f"Bearer {access_token}"},
    )
    assert (not_json.status_code, not_json.json["error"]) == (400, "invalid_credential_request")


def test_access_token_is_single_use_and_required_rfc6750(client, access_token):
    proof = Wallet().proof_jwt(audience=ISSUER, nonce=nonce(client))
    assert request_credential(client, access_token, _ldp({"jwt": [proof]})).status_code == 200
    again = request_credential(client, access_token, _ldp({"jwt": [proof]}))
    assert (again.status_code, again.json["error"]) == (401, "invalid_token")
    anonymous = client.post("/oid4vci/credential", json=_ldp({"jwt": [proof]}))
    assert (anonymous.status_code, anonymous.json["error"]) == (401, "invalid_token")
    assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_badge_revoked_after_the_offer_is_denied(client, app, db, access_token):
    award = db.scalar(select(Award))
    award.revoked_at = datetime.now(UTC)
    db.commit()
    proof = Wallet().proof_jwt(audience=ISSUER, nonce=nonce(client))
    response = request_credential(client, access_token, _ldp({"jwt": [proof]}))
    assert (response.status_code, response.json["error"]) == (400, "credential_request_denied")
