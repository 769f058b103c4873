"""The Alliance's network page and certification changes (audited), and the employer
partner's read-only badge page."""

from __future__ import annotations

import re

from sqlalchemy import select

from issuer.models import AuditEvent, Pathway
from tests.web_admin.data import ALLIANCE, OAKLAND, PARTNER

BADGE = "health-care-industry-badge"


def _row(page: str, name: str) -> str:
    return page.split(name, 1)[1].split("</tr>", 1)[0]


def test_network_page_flags_lapsed_and_expiring_certifications(web):
    web.login(ALLIANCE)
    page = web.get("/admin/alliance").get_data(as_text=True)
    assert "Lapsed" in _row(page, "Valley Health Careers Academy")
    assert "Expiring soon" in _row(page, "Lincoln High Health Academy")
    oakland = _row(page, "Oakland Health Academy")
    assert "Gold" in oakland and "Current" in oakland
    assert "<td>1 (0)</td>" in oakland  # Maria Lopez's award, not revoked


def test_recording_a_certification_updates_the_pathway_and_is_audited(web, db):
    web.login(ALLIANCE)
    url = "/admin/alliance/pathways/valley-health/certification"
    assert "Record a certification for Valley Health Careers Academy" in web.get(url).get_data(
        as_text=True
    )
    response = web.post(
        url,
        {
            "level": "gold",
            "awarded_on": "2026-11-01",
            "expires_on": "2029-11-01",
            "note": "Site visit passed",
        },
    )
    assert response.status_code == 302
    page = web.get(response.location).get_data(as_text=True)
    assert "Valley Health Careers Academy is now certified Gold." in page
    assert "Lapsed" not in _row(page, "Valley Health Careers Academy")
    pathway = db.scalar(select(Pathway).where(Pathway.slug == "valley-health"))
    assert str(pathway.certification_level) == "gold"
    event = db.scalar(
        select(AuditEvent)
        .where(AuditEvent.action == "certification.recorded")
        .order_by(AuditEvent.id.desc())
    )
    assert event.actor_label == ALLIANCE
    assert (event.details["level"], event.details["previous_level"]) == ("gold", "silver")


def test_a_bad_certification_form_keeps_what_was_typed(web, db):
    web.login(ALLIANCE)
    url = "/admin/alliance/pathways/valley-health/certification"
    response = web.post(
        url,
        {
            "level": "gold",
            "awarded_on": "2026-11-01",
            "expires_on": "2026-10-01",
            "note": "typo in dates",
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "cannot expire (2026-10-01) before it is awarded (2026-11-01)" in page
    assert 'value="2026-10-01"' in page and "typo in dates" in page
    response = web.post(url, {"level": "platinum", "awarded_on": "yesterday"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Choose Candidate, Silver or Gold." in page
    assert "The award date must be a date like 2026-09-01." in page
    pathway = db.scalar(select(Pathway).where(Pathway.slug == "valley-health"))
    assert str(pathway.certification_level) == "silver"


def test_employer_partner_sees_criteria_counts_and_awards_read_only(web, db):
    web.login(OAKLAND)  # issue to Joe Park, who did not agree to show his name
    joe = web.net.students["Joe Park"]
    page = web.get("/admin/pathways/oak-health").get_data(as_text=True)
    token = next(
        t for t in re.findall(r'name="issue_token" value="([^"]+)"', page) if t.endswith(f"-{joe}")
    )
    web.post(
        f"/admin/pathways/oak-health/students/{joe}/issue", {"badge": BADGE, "issue_token": token}
    )
    web.logout()

    web.login(PARTNER)
    home = web.get("/admin/").get_data(as_text=True)
    assert "/admin/badges/health-care-industry-badge" in home
    page = web.get(f"/admin/badges/{BADGE}").get_data(as_text=True)
    assert "120 hours of clinical work-based learning" in page
    per_pathway = _row(page, '<th scope="row">Oakland Health Academy</th>')
    assert "<td>2</td>" in per_pathway
    assert "Maria Lopez" in page  # agreed to show her name
    assert "Joe Park" not in page and "Name withheld" in page
    assert "<form" not in page.split("<main", 1)[1].split("</main>")[0]  # nothing to submit
