"""The OpenID4VCI wallet's steps, shared by the protocol and interop tests."""

from __future__ import annotations

import base64
import io
import json
import re
from urllib.parse import parse_qs, urlparse

import zxingcpp
from PIL import Image

from issuer.models import Award
from tests.wallets.support import sign_in

ISSUER = "https://badges.example.org"
GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


def student_id(db, issued) -> int:
    return db.get(Award, issued.award_id).student_id


def make_offer(client, app, db, issued) -> dict:
    """What the student's wallet page shows: the offer (by reference), its by-value link and
    the transaction code, read from the rendered page like a person would."""
    sign_in(client, app, student_id(db, issued))
    response = client.get("/my/badges")
    token = re.search(r'name="csrf_token" value="([^"]+)"', response.text).group(1)
    created = client.post(
        f"/my/badges/{issued.uuid}/wallet", data={"protocol": "oid4vci", "csrf_token": token}
    )
    assert created.status_code == 302
    page = client.get(created.headers["Location"])
    assert page.status_code == 200
    tx_code = re.search(r'data-field="tx-code">(\d{6})<', page.text).group(1)
    by_value = re.search(r'href="(openid-credential-offer://[^"]+)"', page.text).group(1)
    offer = json.loads(
        parse_qs(urlparse(by_value.replace("&amp;", "&")).query)["credential_offer"][0]
    )
    return {"offer": offer, "tx_code": tx_code, "page": page.text}


def scan_qr(page: str) -> str:
    """What a phone camera reads from the wallet QR code on the page."""
    data = re.search(r'src="data:image/png;base64,([^"]+)"[^>]*data-field="wallet-qr"', page)
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(base64.b64decode(data.group(1)))))
    assert len(results) == 1
    return results[0].text


def token_for(client, offer: dict, tx_code: str | None):
    data = {
        "grant_type": GRANT,
        "pre-authorized_code": offer["grants"][GRANT]["pre-authorized_code"],
    }
    if tx_code is not None:
        data["tx_code"] = tx_code
    return client.post("/oid4vci/token", data=data)


def nonce(client) -> str:
    response = client.post("/oid4vci/nonce")
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]  # §7.2 MUST
    return response.json["c_nonce"]


def request_credential(client, access_token: str, body: dict):
    return client.post(
        "/oid4vci/credential", json=body, headers={"Authorization": f"Bearer {access_token}"}
    )
