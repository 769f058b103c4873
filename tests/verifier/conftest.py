from datetime import UTC, datetime, timedelta

import pytest

from issuer.credential_builder import build_achievement_credential
from issuer.signing import CredentialSigner
from keys.store import KeyStore
from verifier.resolvers import OfflineResolver
from verifier.status import encode_bitstring
from verifier.verification import VerificationContext

ISSUER_DID = "did:web:badges.example.org"
STATUS_LIST_URL = "https://badges.example.org/status/1"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def key_store(tmp_path_factory):
    store = KeyStore(tmp_path_factory.mktemp("keys"), "test passphrase", scrypt_n=2**14)
    store.generate()
    return store


@pytest.fixture
def signer(key_store):
    return CredentialSigner(ISSUER_DID, key_store, clock=lambda: NOW - timedelta(minutes=1))


@pytest.fixture
def revoked_indexes():
    return set()


@pytest.fixture
def status_list(signer, revoked_indexes):
    def build():
        bits = bytearray(16 * 1024)
        for index in revoked_indexes:
            bits[index // 8] |= 0x80 >> (index % 8)
        return signer.sign_ldp(
            {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "id": STATUS_LIST_URL,
                "type": ["VerifiableCredential", "BitstringStatusListCredential"],
                "issuer": ISSUER_DID,
                "validFrom": "2026-01-01T00:00:00Z",
                "credentialSubject": {
                    "id": STATUS_LIST_URL + "#list",
                    "type": "BitstringStatusList",
                    "statusPurpose": "revocation",
                    "encodedList": encode_bitstring(bytes(bits)),
                },
            }
        )

    return build


@pytest.fixture
def context(signer, status_list):
    resolver = OfflineResolver(
        providers={ISSUER_DID: signer.did_document, STATUS_LIST_URL: status_list}
    )
    return VerificationContext(resolver=resolver, now=lambda: NOW)


def make_credential(**overrides):
    values = dict(
        credential_id="urn:uuid:5b1c6f43-3c1f-4e39-9f5e-1b3f6d2c9a10",
        issuer={
            "id": ISSUER_DID,
            "type": ["Profile"],
            "name": "Linked Learning Alliance",
            "url": "https://badges.example.org",
        },
        recipient_email="ana.student@example.org",
        recipient_salt="9f2c1e0a",
        achievement={
            "id": "https://badges.example.org/achievements/health-care",
            "type": ["Achievement"],
            "achievementType": "Badge",
            "name": "Health Care Industry Badge",
            "description": "Awarded by a certified pathway for meeting Sutter Health's criteria.",
            "criteria": {"narrative": "120 hours of clinical work-based learning; CPR/BLS."},
        },
        valid_from=NOW - timedelta(days=30),
        valid_until=NOW + timedelta(days=700),
        credential_status={
            "id": STATUS_LIST_URL + "#42",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "42",
            "statusListCredential": STATUS_LIST_URL,
        },
    )
    values.update(overrides)
    return build_achievement_credential(**values)


@pytest.fixture
def credential():
    return make_credential()
