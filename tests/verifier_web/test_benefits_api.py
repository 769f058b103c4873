from datetime import UTC, datetime, timedelta

from keys.did import did_key_for
from keys.keypairs import KeyPair
from keys.proofs import create_proof
from tests.verifier.conftest import make_credential


def _benefits(payload):
    return {b["key"]: b for b in payload["benefits"]}


def _reasons(benefit):
    return " | ".join(r["reason"] for r in benefit["reasons"] if not r["met"])


def test_stored_credential_benefits_are_all_eligible(client, issue):
    award = issue()
    payload = client.get(f"/api/v1/credentials/{award.uuid}/benefits").json
    assert payload["badge"] == "Health Care Industry Badge"
    assert payload["verification"]["verified"] is True
    benefits = _benefits(payload)
    assert set(benefits) == {
        "internship-placement-preference",
        "medical-assisting-exam-funding",
        "health-careers-scholarship",
    }
    assert all(b["eligible"] for b in benefits.values())
    assert benefits["medical-assisting-exam-funding"]["how_to_claim"]["contact"] == (
        "earlycareers@sutterhealth.org"
    )


def test_a_lapsed_pathway_loses_only_the_benefit_that_needs_certification(client, issue):
    now = datetime.now(UTC)
    award = issue(
        issued_at=now - timedelta(days=60), certification_expires=(now - timedelta(days=10)).date()
    )
    benefits = _benefits(client.get(f"/api/v1/credentials/{award.uuid}/benefits").json)
    assert benefits["internship-placement-preference"]["eligible"] is True
    funding = benefits["medical-assisting-exam-funding"]
    assert funding["eligible"] is False
    assert "certification is no longer active" in _reasons(funding)


def test_graduation_year_outside_the_range(client, issue):
    award = issue(graduation_year=2031)
    benefits = _benefits(client.get(f"/api/v1/credentials/{award.uuid}/benefits").json)
    assert benefits["internship-placement-preference"]["eligible"] is True
    assert "Graduation year 2031 is outside" in _reasons(benefits["health-careers-scholarship"])


def test_presented_revoked_and_expired_badges_unlock_nothing(client, issue):
    revoked = issue(name="Joseph Park", revoke_reason="Issued in error")
    body = client.get(f"/badges/{revoked.uuid}.jwt").data
    payload = client.post("/api/v1/benefits", data=body, content_type="text/plain").json
    assert not any(b["eligible"] for b in payload["benefits"])
    assert "revoked" in _reasons(_benefits(payload)["internship-placement-preference"])
    expired = issue(name="Old Timer", issued_at=datetime.now(UTC) - timedelta(days=800))
    body = client.get(f"/badges/{expired.uuid}.json").data
    payload = client.post("/api/v1/benefits", data=body, content_type="application/json").json
    assert "Expired on" in _reasons(_benefits(payload)["health-careers-scholarship"])


def test_another_issuer_naming_our_achievement_unlocks_nothing(client, issue):
    issue()
    impostor = KeyPair.generate()
    impostor_did = did_key_for(impostor.public_key)
    credential = make_credential(
        issuer={"id": impostor_did, "type": ["Profile"], "name": "Impostor"},
        achievement={
            "id": "https://badges.example.org/achievements/health-care-industry-badge",
            "type": ["Achievement"],
            "name": "Health Care Industry Badge",
            "description": "x",
            "criteria": {"narrative": "x"},
        },
    )
    method = f"{impostor_did}#{impostor.public_key.to_multikey()}"
    signed = create_proof(credential, impostor, method, created="2026-11-01T00:00:00Z")
    payload = client.post("/api/v1/benefits", json=signed).json
    internship = _benefits(payload)["internship-placement-preference"]
    assert internship["eligible"] is False
    reasons = _reasons(internship)
    assert "Issued by Impostor, not by the organisation that awards this badge" in reasons


def test_badges_without_known_benefits_and_unknown_ids(client):
    payload = client.post("/api/v1/benefits", json=make_credential()).json
    assert payload["badge"] is None and payload["benefits"] == []
    missing = client.get("/api/v1/credentials/6f1c1d1e-8d39-4c5b-9b43-2d3c8a4c2f10/benefits")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
