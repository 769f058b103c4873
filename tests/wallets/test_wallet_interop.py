"""What a wallet receives by either protocol verifies in the independent Node implementation
(tests/interop: Digital Bazaar's vc + eddsa-rdfc-2022 and jose), not only in ours."""

from __future__ import annotations

import json

import pytest

from tests.interop.node_interop import node_available, run_interop
from tests.wallets.flows import ISSUER, make_offer, nonce, request_credential, token_for
from tests.wallets.support import Wallet
from tests.wallets.test_vcapi_exchange import deep_link

pytestmark = [
    pytest.mark.interop,
    pytest.mark.skipif(not node_available(), reason="npm ci --prefix tests/interop"),
]


def _node_verifies(client, tmp_path, credential, name: str) -> dict:
    did_doc = tmp_path / "did.json"
    did_doc.write_bytes(client.get("/.well-known/did.json").data)
    path = tmp_path / name
    path.write_text(credential if isinstance(credential, str) else json.dumps(credential))
    return run_interop("verify", str(path), "--did-doc", str(did_doc))


@pytest.mark.parametrize(
    ("configuration", "expected_format"),
    [("OpenBadgeCredential_ldp_vc", "ldp"), ("OpenBadgeCredential_jwt_vc_json", "jwt")],
)
def test_oid4vci_credential_verifies_in_node(
    client, app, db, issue, tmp_path, configuration, expected_format
):
    shown = make_offer(client, app, db, issue())
    access = token_for(client, shown["offer"], shown["tx_code"]).json["access_token"]
    proof = Wallet().proof_jwt(audience=ISSUER, nonce=nonce(client))
    response = request_credential(
        client, access, {"credential_configuration_id": configuration, "proofs": {"jwt": [proof]}}
    )
    credential = response.json["credentials"][0]["credential"]
    result = _node_verifies(client, tmp_path, credential, "received.txt")
    assert result["verified"], result["errors"]
    assert result["format"] == expected_format


def test_vc_api_exchange_credential_verifies_in_node(client, app, db, issue, tmp_path):
    link = deep_link(client, app, db, issue())
    did_auth = Wallet().did_authentication(challenge=link["challenge"], domain=None)
    presentation = client.post(link["path"], json=did_auth).json["verifiablePresentation"]
    [credential] = presentation["verifiableCredential"]
    result = _node_verifies(client, tmp_path, credential, "received.json")
    assert result["verified"], result["errors"]
