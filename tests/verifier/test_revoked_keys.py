"""A verification method its controller marks ``revoked`` (Security Vocabulary; DID Core §5.2
shows it on a verification method): what it signed fails, whatever time the proof claims,
unless the issuer's own signing records (``SigningRecords``) date exactly this credential
before the revocation. The verifier learns of it from the controller document only."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.verifier.conftest import ISSUER_DID, NOW, make_credential
from verifier.inputs import ParsedInput
from verifier.resolvers import OfflineResolver
from verifier.verification import VerificationContext, verify

REVOKED = "2026-11-20T08:00:00Z"


class Records:
    """An issuer's signing records: exactly one credential, signed at ``at``."""

    def __init__(self, signed, at: datetime) -> None:
        self.signed, self.at = signed, at

    def signed_at(self, credential_id, signed):
        return self.at if signed == self.signed else None


def _revoked_document(signer, fragment_of_signed):
    document = signer.did_document()
    for method in document["verificationMethod"]:
        if method["id"] == fragment_of_signed:
            method["revoked"] = REVOKED
    document["assertionMethod"] = [
        m for m in document["assertionMethod"] if m != fragment_of_signed
    ]
    return document


def _context(document, records=None):
    return VerificationContext(
        OfflineResolver({ISSUER_DID: document}), now=lambda: NOW, signing_records=records
    )


def _proof(report):
    return next(c for c in report.checks if c.id == "proof")


def test_a_revoked_verification_method_fails_whatever_created_time_the_proof_claims(signer):
    signed = signer.sign_ldp(make_credential())  # created: a minute before NOW, after REVOKED
    document = _revoked_document(signer, signed["proof"]["verificationMethod"])
    report = verify(ParsedInput("ldp", signed), _context(document))
    assert not report.verified
    assert _proof(report).status == "failed"
    assert "signed by a key reported compromised on 20 November 2026 at 08:00 UTC" in (
        _proof(report).message
    )
    assert report.check("issuer").status == "skipped"


def test_a_revoked_key_verifies_only_what_the_issuers_records_date_before_the_revocation(
    signer,
):
    signed = signer.sign_ldp(make_credential())
    document = _revoked_document(signer, signed["proof"]["verificationMethod"])
    before = datetime.fromisoformat(REVOKED) - timedelta(days=1)
    after = datetime.fromisoformat(REVOKED) + timedelta(seconds=1)
    vouched = verify(ParsedInput("ldp", signed), _context(document, Records(signed, before)))
    assert _proof(vouched).status == "passed"
    late = verify(ParsedInput("ldp", signed), _context(document, Records(signed, after)))
    assert _proof(late).status == "failed"
    other = verify(ParsedInput("ldp", signed), _context(document, Records({"x": 1}, before)))
    assert _proof(other).status == "failed"


def test_a_revoked_time_that_cannot_be_read_is_never_trusted(signer):
    signed = signer.sign_ldp(make_credential())
    method_id = signed["proof"]["verificationMethod"]
    document = _revoked_document(signer, method_id)
    for method in document["verificationMethod"]:
        if method["id"] == method_id:
            method["revoked"] = {"not": "a time"}
    records = Records(signed, datetime.fromisoformat("2000-01-01T00:00:00+00:00"))
    report = verify(ParsedInput("ldp", signed), _context(document, records))
    assert "an unreadable date" in _proof(report).message
    assert not report.verified
