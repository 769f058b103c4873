"""Issue #8 item 7: nothing a credential claims is shown unless the proof, the issuer binding
and the JSON-LD checks all passed (README, Security: "a credential that fails: nothing it
claims is shown"). A signature by an attacker's own key verifies, but binds nothing to the
issuer the credential names, so its issuer name, badge name and status stay hidden."""

from __future__ import annotations

from keys.did import did_key_for
from keys.keypairs import KeyPair
from keys.proofs import create_proof
from tests.security.conftest import failed
from tests.verifier.conftest import ISSUER_DID, make_credential
from verifier.inputs import ParsedInput
from verifier.verification import verify


def forged_by_a_stranger() -> tuple[dict, str]:
    """Our issuer's name and badge, signed correctly by an attacker's did:key."""
    attacker = KeyPair.generate("Ed25519")
    did = did_key_for(attacker.public_key)
    method = f"{did}#{attacker.public_key.to_multikey()}"
    credential = make_credential(credential_status=None)
    credential.pop("credentialStatus", None)
    return create_proof(credential, attacker, method, created="2026-11-01T00:00:00Z"), did


def test_a_proof_by_a_stranger_shows_no_claim_of_the_credential(context):
    forged, did = forged_by_a_stranger()
    report = verify(ParsedInput("ldp", forged), context)
    assert report.check("proof").status == "passed"
    assert failed(report) == {"issuer": f"Signed by a key of {did}, not of the issuer {ISSUER_DID}"}
    summary = report.credential
    assert summary.name is None and summary.achievement_name is None
    assert summary.issuer_name is None and summary.issuer_id is None
    assert summary.status == "unknown" and summary.criteria is None
