"""Credentials we issue verify in an independent implementation, and theirs verify in ours.

The independent side is tests/interop/interop.mjs (Digital Bazaar vc + data-integrity +
eddsa-rdfc-2022-cryptosuite, and jose), which shares no code with ours.
"""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from issuer.signing import CredentialSigner
from schemas.canonical import canonicalize
from tests.interop.node_interop import node_available, run_interop
from tests.verifier.conftest import make_credential
from verifier.inputs import ParsedInput, parse_bytes
from verifier.resolvers import OfflineResolver
from verifier.verification import VerificationContext, verify

pytestmark = [
    pytest.mark.interop,
    pytest.mark.skipif(not node_available(), reason="run: npm ci --prefix tests/interop"),
]
ISSUER_DID = "did:web:badges.example.org"


@pytest.fixture
def issued(tmp_path, key_store):
    """Our credential in every format, plus our DID document, as files for the Node side."""
    now = datetime.now(UTC)
    credential = make_credential(
        credential_status=None,
        valid_from=now - timedelta(days=1),
        valid_until=now + timedelta(days=365),
    )
    did_document = tmp_path / "did.json"
    files = {}
    for algorithm in ("ES256", "RS256", "EdDSA"):
        signer = CredentialSigner(ISSUER_DID, key_store, jwt_algorithm=algorithm)
        files[f"jwt-{algorithm}"] = signer.sign_jwt(credential)
        files[f"jose-{algorithm}"] = signer.sign_jwt(credential, jwt_format="vc-jose")
    files["ldp"] = json.dumps(signer.sign_ldp(credential))
    did_document.write_text(json.dumps(signer.did_document()))
    paths = {}
    for name, text in files.items():
        paths[name] = tmp_path / f"{name}.txt"
        paths[name].write_text(text)
    return paths, did_document


@pytest.fixture(scope="session")
def key_store(tmp_path_factory):
    from keys.store import KeyStore

    store = KeyStore(tmp_path_factory.mktemp("interop-keys"), "interop", scrypt_n=2**14)
    store.generate()
    return store


@pytest.mark.parametrize(
    "name", ["ldp", "jwt-ES256", "jwt-RS256", "jwt-EdDSA", "jose-ES256", "jose-RS256", "jose-EdDSA"]
)
def test_the_independent_verifier_accepts_what_we_issue(issued, name):
    paths, did_document = issued
    result = run_interop("verify", str(paths[name]), "--did-doc", str(did_document))
    assert result["verified"], result["errors"]


def test_the_independent_verifier_rejects_our_credential_tampered(issued, tmp_path):
    paths, did_document = issued
    signed = json.loads(paths["ldp"].read_text())
    signed["credentialSubject"]["achievement"]["name"] = "Forged"
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(signed))
    result = run_interop("verify", str(forged), "--did-doc", str(did_document))
    assert not result["verified"]


def test_our_canonical_form_equals_the_independent_one(issued):
    paths, _ = issued
    signed = json.loads(paths["ldp"].read_text())
    unsigned = {k: v for k, v in signed.items() if k != "proof"}
    result = run_interop("canonize", str(paths["ldp"]), "--without-proof")
    assert canonicalize(unsigned) == result["nquads"]


@pytest.fixture(scope="module")
def theirs(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("node-issued")
    run_interop("issue", str(out))
    return out


@pytest.mark.parametrize(
    "name", ["credential-ldp.json", "credential-jwt.txt", "credential-vcjwt-es256.txt"]
)
def test_we_verify_what_the_independent_issuer_issues(theirs, name):
    manifest = json.loads((theirs / "manifest.json").read_text())
    context = VerificationContext(resolver=OfflineResolver())
    report = verify(
        parse_bytes((theirs / name).read_bytes()),
        context,
        recipient_email=manifest["recipient"]["email"],
    )
    failed = [c for c in report.checks if c.status == "failed"]
    assert report.verified, failed
    assert report.check("recipient").status == "passed"


def test_we_reject_their_credential_tampered(theirs):
    signed = json.loads((theirs / "credential-ldp.json").read_text())
    signed["validFrom"] = "2001-01-01T00:00:00Z"
    report = verify(ParsedInput("ldp", signed), VerificationContext(resolver=OfflineResolver()))
    assert report.check("proof").status == "failed"
