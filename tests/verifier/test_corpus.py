"""Every sample of the 1EdTech validator's OB 3.0 corpus gets the verdict its manifest expects.

Two runs. Offline, as the public verifier runs without a network resolver: nothing whose key or
status needs the network is ever "verified", and the report says it could not be resolved.
With the network stand-ins upstream's own tests use (keys from the method URL's multibase
fragment, the bit-string-list served from its file): the upstream verdict, except where we
differ on purpose, each reason written in DIFFERENCES.
"""

import json
from datetime import UTC, datetime

import pytest

from keys.proofs import decode_compact
from tests.verifier.corpus_support import CORPUS, FragmentKeyResolver, method_urls
from verifier.inputs import parse_bytes
from verifier.resolvers import OfflineResolver
from verifier.verification import VerificationContext, verify

MANIFEST = json.loads((CORPUS / "manifest.json").read_text())
LISTED = [entry for entry in MANIFEST if not entry["expected"].startswith("unlisted")]
UPSTREAM_VALID = ("valid", "valid-with-warning", "valid (warning allowed)", "probe-reported")
NOW = datetime(2026, 11, 23, tzinfo=UTC)

# file -> (our verdict with the stand-ins, the check that fails, why we differ from upstream)
DIFFERENCES = {
    "samples/simple-did-key-method.json": (
        False,
        "issuer",
        "signed by did:key:z6Mk… while the issuer is urn:uuid:…: a valid signature by a key the "
        "issuer does not control proves nothing about the issuer (VC DM 2.0 §4.7; "
        "@digitalbazaar/vc refuses it too)",
    ),
    "samples/simple-multiple-proofs.json": (
        False,
        "proof",
        "upstream ignores the proof of unknown type 'SomeProofType'; we require every proof in a "
        "proof set to verify, so an unverifiable proof cannot ride along",
    ),
    "samples/simple-jwt.png": (
        False,
        "proof",
        "JWT without kid carrying its key in a jwk header: never trusted",
    ),
    "samples/simple-jwt.svg": (
        False,
        "proof",
        "JWT without kid carrying its key in a jwk header: never trusted",
    ),
    "samples/simple-jwt_v1.png": (
        False,
        "proof",
        "JWT without kid carrying its key in a jwk header: never trusted",
    ),
    "samples/simple-jwt_v1.svg": (
        False,
        "proof",
        "JWT without kid carrying its key in a jwk header: never trusted",
    ),
    "samples/complete.json": (
        False,
        "status",
        "its 1EdTechRevocationList is served by a mock upstream whose content is not in the corpus",
    ),
    "samples/complete_v1.json": (
        False,
        "schema",
        "endorsements without id and identityType 'email' break the OB 3.0 schema; undefined "
        "types under context 3.0.0 break JSON-LD safe mode",
    ),
}


def _verify(entry, resolver):
    parsed = parse_bytes((CORPUS / entry["file"]).read_bytes())
    if isinstance(resolver, FragmentKeyResolver):
        document = parsed.credential or decode_compact(parsed.token).credential
        for url in method_urls(document):
            resolver.note(url)
    return verify(parsed, VerificationContext(resolver=resolver, now=lambda: NOW))


@pytest.mark.parametrize("entry", LISTED, ids=[e["file"] for e in LISTED])
def test_with_upstreams_network_stand_ins(entry):
    report = _verify(entry, FragmentKeyResolver())
    failed = {c.id for c in report.checks if c.status == "failed"}
    if entry["file"] in DIFFERENCES:
        verdict, check_id, _reason = DIFFERENCES[entry["file"]]
        assert report.verified is verdict
        assert check_id in failed
        return
    upstream_valid = entry["expected"] in UPSTREAM_VALID
    assert report.verified is upstream_valid, [c for c in report.checks if c.status == "failed"]
    if "warning" in entry["expected"]:
        assert any(c.status == "warning" for c in report.checks)


@pytest.mark.parametrize("entry", LISTED, ids=[e["file"] for e in LISTED])
def test_offline_nothing_that_needs_the_network_is_verified(entry):
    report = _verify(entry, OfflineResolver())
    needs_network = any("network" in note for note in entry["notes"])
    if needs_network:
        assert not report.verified
        messages = " ".join(c.message for c in report.checks if c.status == "failed")
        assert (
            "could not be resolved offline" in messages
            or "offline" in messages
            or not any(c.id == "proof" and c.status == "passed" for c in report.checks)
        )


def test_upstream_expected_invalid_samples_name_the_failed_check():
    for entry in LISTED:
        if entry["expected"] != "invalid" or entry["file"] in DIFFERENCES:
            continue
        report = _verify(entry, FragmentKeyResolver())
        assert any(c.status == "failed" and c.message for c in report.checks), entry["file"]
