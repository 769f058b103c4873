"""The trust pages of #11 through the web: the Alliance manages its registry (audited), the
employer partner signs and withdraws its endorsement, and records benefits granted from the
verify page, where a one-time benefit then reads "already granted on DATE"."""

from __future__ import annotations

from sqlalchemy import select

from issuer.models import AuditEvent, Award, BenefitGrant, Endorsement, RecognizedIssuer
from tests.web_admin.data import ALLIANCE, LINCOLN, OTHER_PARTNER, PARTNER

FOREIGN = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


def _uuid(db, net) -> str:
    award = db.get(Award, net.award_ids["Maria Lopez"])
    return award.credential_id.removeprefix("urn:uuid:")


def _api(web, credential):
    return web.client.post("/api/v1/verify", json=credential).get_json()


def test_the_alliance_adds_suspends_and_removes_issuers_with_audit(web, db):
    web.login(ALLIANCE)
    page = web.get("/admin/alliance/registry").get_data(as_text=True)
    assert "Linked Learning Alliance" in page and "(this service)" in page
    response = web.post(
        "/admin/alliance/registry",
        {"name": "Valley College", "did": FOREIGN, "url": "https://valley.example.edu"},
    )
    assert response.status_code == 302
    entry = db.scalar(select(RecognizedIssuer).where(RecognizedIssuer.did == FOREIGN))
    assert entry.name == "Valley College"
    entry_id = entry.id
    published = web.get("/registry/issuers").get_json()
    assert FOREIGN in [subject["id"] for subject in published["credentialSubject"]]
    assert published["proof"]["cryptosuite"] == "eddsa-rdfc-2022"

    web.post(f"/admin/alliance/registry/{entry_id}/suspend")
    published = web.get("/registry/issuers").get_json()
    assert FOREIGN not in [subject["id"] for subject in published["credentialSubject"]]
    web.post(f"/admin/alliance/registry/{entry_id}/remove")
    db.expire_all()
    assert db.get(RecognizedIssuer, entry_id) is None
    actions = db.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.action.like("registry.%"))
        .order_by(AuditEvent.id)
    )
    assert list(actions) == [
        "registry.entry_added",
        "registry.entry_suspended",
        "registry.entry_removed",
    ]


def test_a_bad_registry_entry_gets_a_plain_message_and_keeps_the_form(web):
    web.login(ALLIANCE)
    response = web.post(
        "/admin/alliance/registry", {"name": "Valley College", "did": "valley", "url": ""}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "must be a DID" in page and 'value="Valley College"' in page


def test_only_the_alliance_manages_the_registry(web):
    web.login(LINCOLN)
    assert web.get("/admin/alliance/registry").status_code == 403
    assert web.post("/admin/alliance/registry", {"name": "X", "did": FOREIGN}).status_code == 403


def test_suspending_the_alliance_turns_its_badges_not_recognized_in_the_api(web, db, net):
    credential = db.get(Award, net.award_ids["Maria Lopez"]).credential_json
    report = _api(web, credential)
    checks = {check["id"]: check for check in report["checks"]}
    assert checks["issuer-recognized"]["status"] == "passed"
    assert report["credential"]["issuer_recognized"] is True
    web.login(ALLIANCE)
    web.post("/admin/alliance/registry/own/suspend")
    report = _api(web, credential)
    checks = {check["id"]: check for check in report["checks"]}
    assert report["verified"] is True
    assert checks["proof"]["status"] == "passed"
    assert checks["issuer-recognized"]["status"] == "warning"
    assert report["credential"]["issuer_recognized"] is False


def test_the_partner_endorses_the_badge_and_new_badges_carry_it(web, db, net):
    web.login(PARTNER)
    page = web.get("/admin/employer/endorsements").get_data(as_text=True)
    assert "Health Care Industry Badge" in page
    assert "120 hours of clinical work-based learning" in page  # the criteria endorsed
    response = web.post(
        "/admin/employer/endorsements",
        {
            "badge": "health-care-industry-badge",
            "comment": "Our entry-level clinical hires meet these criteria.",
            "valid_until": "2099-06-30",
        },
    )
    assert response.status_code == 302
    endorsement = db.scalar(select(Endorsement))
    did = endorsement.credential_json["issuer"]["id"]
    assert did == "did:web:badges.example.org:employers:sutter-health"
    document = web.get("/employers/sutter-health/did.json").get_json()
    assert document["id"] == did
    # The endorsement verifies on its own in the public API.
    report = _api(web, endorsement.credential_json)
    assert report["verified"] is True, report["checks"]

    web.post(f"/admin/employer/endorsements/{endorsement.id}/revoke", {"reason": "Changed"})
    revoked = web.get("/employers/sutter-health/revocations").get_json()
    assert revoked["revokedCredentials"] == [
        {"id": endorsement.credential_id, "revocationReason": "Changed"}
    ]
    report = _api(web, endorsement.credential_json)
    assert report["verified"] is False


def test_an_empty_endorsement_comment_is_refused_in_words(web, db):
    web.login(PARTNER)
    response = web.post(
        "/admin/employer/endorsements",
        {"badge": "health-care-industry-badge", "comment": " ", "valid_until": "not a date"},
    )
    assert response.status_code == 422
    assert "a date like" in response.get_data(as_text=True)
    assert db.scalar(select(Endorsement)) is None


def test_other_roles_cannot_endorse_or_withdraw(web):
    web.login(ALLIANCE)
    assert web.get("/admin/employer/endorsements").status_code == 403
    web.logout()
    web.login(OTHER_PARTNER)
    response = web.post(
        "/admin/employer/endorsements",
        {"badge": "health-care-industry-badge", "comment": "We endorse it"},
    )
    assert response.status_code == 422
    assert "does not back" in response.get_data(as_text=True)


def test_a_one_time_benefit_is_recorded_once_and_shown_on_the_next_scan(web, db, net):
    uuid = _uuid(db, net)
    # Anonymous visitors see nothing of grants.
    assert 'id="grants"' not in web.get(f"/verify/{uuid}").get_data(as_text=True)
    web.login(PARTNER)
    page = web.get(f"/verify/{uuid}").get_data(as_text=True)
    assert 'data-grant="medical-assisting-exam-funding" data-granted="false"' in page
    form = {"credential": f"urn:uuid:{uuid}", "benefit": "medical-assisting-exam-funding"}
    assert web.post("/admin/grants", form).status_code == 302
    page = web.get(f"/verify/{uuid}").get_data(as_text=True)
    assert 'data-grant="medical-assisting-exam-funding" data-granted="true"' in page
    assert "Already granted on" in page
    again = web.post("/admin/grants", form, follow_redirects=True).get_data(as_text=True)
    assert "Already granted on" in again
    grants = list(db.scalars(select(BenefitGrant)))
    assert len(grants) == 1
    # The alliance sees counts.
    web.logout()
    web.login(ALLIANCE)
    counts = web.get("/admin/alliance/benefits").get_data(as_text=True)
    assert 'data-benefit="medical-assisting-exam-funding"' in counts
    assert "<span data-count>1</span>" in counts


def test_another_employer_sees_no_grant_line_and_cannot_record(web, db, net):
    uuid = _uuid(db, net)
    web.login(OTHER_PARTNER)
    assert 'id="grants"' not in web.get(f"/verify/{uuid}").get_data(as_text=True)
    form = {"credential": f"urn:uuid:{uuid}", "benefit": "medical-assisting-exam-funding"}
    assert web.post("/admin/grants", form).status_code == 404
    assert db.scalar(select(BenefitGrant)) is None


def test_an_unknown_benefit_or_badge_is_refused(web, db, net):
    uuid = _uuid(db, net)
    web.login(PARTNER)
    response = web.post(
        "/admin/grants",
        {"credential": f"urn:uuid:{uuid}", "benefit": "free-car"},
        follow_redirects=True,
    )
    assert "no such benefit" in response.get_data(as_text=True)
    assert web.post("/admin/grants", {"credential": "nope", "benefit": "x"}).status_code == 404


def test_the_benefits_api_says_which_benefits_are_one_time_and_nothing_of_grants(web, db, net):
    uuid = _uuid(db, net)
    web.login(PARTNER)
    web.post(
        "/admin/grants",
        {"credential": f"urn:uuid:{uuid}", "benefit": "medical-assisting-exam-funding"},
    )
    web.logout()
    body = web.get(f"/api/v1/credentials/{uuid}/benefits").get_json()
    one_time = {b["key"]: b["one_time"] for b in body["benefits"]}
    assert one_time == {
        "internship-placement-preference": True,
        "medical-assisting-exam-funding": True,
        "health-careers-scholarship": False,
    }
    assert (
        "granted"
        not in web.get(f"/api/v1/credentials/{uuid}/benefits").get_data(as_text=True).lower()
    )
