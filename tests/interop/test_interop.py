"""Credentials we issue verify in an independent implementation, and theirs verify in ours.

The independent side is tests/interop/interop.mjs (Digital Bazaar vc + data-integrity +
eddsa-rdfc-2022-cryptosuite, and jose), which shares no code with ours.
"""

import base64
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


@pytest.mark.parametrize("name", ["jwt-ES256", "jwt-RS256", "jwt-EdDSA"])
def test_our_ob30_jwts_verify_with_the_key_taken_only_from_the_published_jwk(issued, name):
    """OB 3.0 §8.2.3: the kid "can be dereferenced to retrieve a JWK"; the independent side
    is told to use ``publicKeyJwk`` only (no Multikey conversion) and checks §8.2.6.1."""
    paths, did_document = issued
    result = run_interop("verify", str(paths[name]), "--did-doc", str(did_document), "--jwk-only")
    assert result["verified"], result["errors"]


def test_a_jwt_whose_claim_disagrees_fails_in_the_independent_verifier(issued, key_store, tmp_path):
    paths, did_document = issued
    signer = CredentialSigner(ISSUER_DID, key_store)
    credential = json.loads(paths["ldp"].read_text())
    credential.pop("proof")
    token = signer.sign_jwt(credential)
    header, payload, _ = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["jti"] = "urn:uuid:00000000-0000-4000-8000-000000000000"
    forged = _sign_raw(key_store, header, claims)
    path = tmp_path / "disagreeing.txt"
    path.write_text(forged)
    result = run_interop("verify", str(path), "--did-doc", str(did_document), "--jwk-only")
    assert not result["verified"]
    assert any('"jti"' in error for error in result["errors"])


def _sign_raw(key_store, header_b64: str, claims: dict) -> str:
    from jwcrypto import jwk, jws

    header = json.loads(base64.urlsafe_b64decode(header_b64 + "=" * (-len(header_b64) % 4)))
    token = jws.JWS(json.dumps(claims).encode())
    token.add_signature(
        jwk.JWK.from_pyca(key_store.current("P-256").key_pair.pyca()),
        alg="ES256",
        protected=json.dumps(header),
    )
    return token.serialize(compact=True)


@pytest.fixture
def published_lists(app, tmp_path):
    """Our status list, one badge on it revoked, in both published forms, as files."""
    from tests.public.support import issue_award

    app.extensions["signer"].key_store.generate()
    client = app.test_client()
    with app.app_context():
        session = app.extensions["sqlalchemy_sessionmaker"]()
        try:
            kept = issue_award(app, session)
            gone = issue_award(app, session, name="Joe Park", revoke_reason="Issued in error")
        finally:
            session.close()
    indexes = {}
    for award in (kept, gone):
        status = client.get(f"/badges/{award.uuid}.json").json["credentialStatus"]
        indexes[award.uuid] = status["statusListIndex"]
        path = status["statusListCredential"].removeprefix(app.config["PUBLIC_BASE_URL"])
    (tmp_path / "list.json").write_bytes(client.get(path).data)
    (tmp_path / "list.jwt").write_bytes(client.get(path + ".jwt").data)
    (tmp_path / "did.json").write_bytes(client.get("/.well-known/did.json").data)
    return tmp_path, indexes[kept.uuid], indexes[gone.uuid]


@pytest.mark.parametrize("form", ["list.json", "list.jwt"])
def test_our_status_list_verifies_and_decodes_in_the_independent_implementation(
    published_lists, form
):
    """Bitstring Status List §3.2 in both forms: the JSON-LD list (eddsa-rdfc-2022) and the
    VC-JOSE JWT (key from its JWK only); the revoked badge's bit is set, the other's is not."""
    folder, kept, gone = published_lists
    common = ["--did-doc", str(folder / "did.json"), "--jwk-only"]
    revoked = run_interop("status", str(folder / form), "--index", gone, *common)
    assert revoked["verified"], revoked["errors"]
    assert revoked["set"] is True and revoked["entries"] >= 131_072
    active = run_interop("status", str(folder / form), "--index", kept, *common)
    assert active["verified"] and active["set"] is False


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


def test_jwk_only_resolution_refuses_a_kid_that_names_a_multikey(issued, key_store, tmp_path):
    """The --jwk-only rule can fail: an EdDSA JWT naming the Ed25519 Multikey (not its JsonWebKey
    twin) is refused, while the same token resolves through Multikey conversion."""
    from keys.proofs import sign_jwt

    paths, did_document = issued
    key = key_store.current("Ed25519")
    credential = json.loads(paths["ldp"].read_text())
    credential.pop("proof")
    token = sign_jwt(credential, key.key_pair, f"{ISSUER_DID}#{key.record.id}")
    path = tmp_path / "multikey-kid.txt"
    path.write_text(token)
    refused = run_interop("verify", str(path), "--did-doc", str(did_document), "--jwk-only")
    assert not refused["verified"] and "publicKeyJwk" in " ".join(refused["errors"])
    assert run_interop("verify", str(path), "--did-doc", str(did_document))["verified"]


def test_control_characters_canonicalize_as_rdf_canonize_writes_them(tmp_path):
    """RDFC-1.0 canonical N-Quads escapes (\\u000B, \\b, \\f …) equal Digital Bazaar's."""
    credential = json.loads(
        (Path(__file__).parents[1] / "vectors/interop-cases/01-canon-control-char.json").read_text()
    )
    credential.pop("proof")
    credential["description"] = 'tab\t vt\x0b bs\b ff\f nul\x00 del\x7f us\x1f quote" back\\'
    path = tmp_path / "controls.json"
    path.write_text(json.dumps(credential))
    ours = canonicalize(credential)
    assert "\\u000B" in ours and "\\b" in ours and "\\u007F" in ours
    assert ours == run_interop("canonize", str(path))["nquads"]
