"""Two wallets racing on one offer (e.g. a QR code scanned twice at once) get one credential
between them: the offer's row is locked while it is used (PostgreSQL; SQLite serialises
writers differently and is the single-process development default)."""

from __future__ import annotations

import os
import threading

import pytest

from tests.wallets.flows import ISSUER, make_offer, nonce, request_credential, token_for
from tests.wallets.support import Wallet
from tests.wallets.test_vcapi_exchange import deep_link

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
    reason="needs real concurrent sessions: PostgreSQL (set DATABASE_URL)",
)


def _race(app, send) -> list[int]:
    statuses: list[int] = []
    start = threading.Barrier(2)

    def run() -> None:
        client = app.test_client()
        start.wait()
        statuses.append(send(client).status_code)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(statuses)


def test_one_exchange_two_wallets_one_credential(client, app, db, issue):
    link = deep_link(client, app, db, issue())
    bodies = [
        Wallet().did_authentication(challenge=link["challenge"], domain=None) for _ in range(2)
    ]
    statuses = _race(app, lambda c: c.post(link["path"], json=bodies.pop()))
    assert statuses == [200, 400]


def test_one_access_token_two_requests_one_credential(client, app, db, issue):
    shown = make_offer(client, app, db, issue())
    access = token_for(client, shown["offer"], shown["tx_code"]).json["access_token"]
    proofs = [Wallet().proof_jwt(audience=ISSUER, nonce=nonce(client)) for _ in range(2)]
    body = {"credential_configuration_id": "OpenBadgeCredential_ldp_vc"}
    statuses = _race(
        app, lambda c: request_credential(c, access, {**body, "proofs": {"jwt": [proofs.pop()]}})
    )
    assert statuses == [200, 401]


def test_one_code_two_token_requests_one_token(client, app, db, issue):
    shown = make_offer(client, app, db, issue())
    statuses = _race(app, lambda c: token_for(c, shown["offer"], shown["tx_code"]))
    assert statuses == [200, 400]
