"""The admin pages read like the public ones: every date in words ("30 November 2026", the
exact instant kept in <time datetime>), never ISO 8601 in prose; and the verify pages name each
endorser once ("Endorsed by: Sutter Health", not "Endorsed by: Endorsed by Sutter Health")."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from sqlalchemy import select

from issuer.models import Award, Endorsement
from tests.web_admin.data import ALLIANCE, LINCOLN, OAKLAND, PARTNER

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}(?:T[\d:.]+)?")
IN_WORDS = re.compile(
    r"<time datetime=\"\d{4}-\d{2}-\d{2}[^\"]*\"[^>]*>\d{1,2} (?:January|February|March|April|"
    r"May|June|July|August|September|October|November|December) \d{4}</time>"
)


class _Text(HTMLParser):
    """The text a person reads: no attributes, no script or style."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self._skip += tag in ("script", "style", "title")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("script", "style", "title")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _read(web, path: str) -> tuple[str, str]:
    response = web.get(path)
    assert response.status_code == 200, path
    html = response.get_data(as_text=True)
    parser = _Text()
    parser.feed(html)
    return html, " ".join(" ".join(parser.parts).split())


def _no_iso_dates(web, path: str) -> str:
    html, text = _read(web, path)
    assert not ISO_DATE.search(text), f"{path}: {ISO_DATE.findall(text)}"
    return html


def test_pathway_admin_pages_show_dates_in_words(web, db):
    web.login(OAKLAND)
    award_id = web.net.award_ids["Maria Lopez"]
    maria = web.net.students["Maria Lopez"]
    dashboard = _no_iso_dates(web, "/admin/pathways/oak-health")
    # Certification end, the award's issue and end dates: in words, the instant kept.
    assert len(IN_WORDS.findall(dashboard)) >= 3
    student = _no_iso_dates(web, f"/admin/pathways/oak-health/students/{maria}")
    assert len(IN_WORDS.findall(student)) >= 3  # criteria recorded, issued, valid until
    _no_iso_dates(web, f"/admin/awards/{award_id}/revoke")
    web.post(f"/admin/awards/{award_id}/revoke", {"reason": "Issued in error"})
    revoked = _no_iso_dates(web, f"/admin/awards/{award_id}/revoke")
    assert re.search(r"revoked on " + IN_WORDS.pattern, revoked)
    _no_iso_dates(web, "/admin/audit")


def test_the_eligibility_messages_on_the_student_page_read_in_words(web):
    """ "Already holds an active badge, valid until 14 May 2028": no URN, no ISO date."""
    web.login(OAKLAND)
    maria = web.net.students["Maria Lopez"]
    _html, text = _read(web, f"/admin/pathways/oak-health/students/{maria}")
    assert "already holds an active Health Care Industry Badge, valid until" in text
    assert "urn:uuid:" not in text.split("Issue the")[1].split("Criteria")[0]


def test_alliance_and_employer_pages_show_dates_in_words(web):
    web.login(ALLIANCE)
    assert IN_WORDS.search(_no_iso_dates(web, "/admin/alliance"))
    certification = _no_iso_dates(web, "/admin/alliance/pathways/lincoln-health/certification")
    assert IN_WORDS.search(certification)
    _no_iso_dates(web, "/admin/alliance/registry")
    web.logout()
    web.login(PARTNER)
    assert IN_WORDS.search(_no_iso_dates(web, "/admin/badges/health-care-industry-badge"))


def test_each_endorser_is_named_once(web, db):
    web.login(PARTNER)
    web.post(
        "/admin/employer/endorsements",
        {
            "badge": "health-care-industry-badge",
            "comment": "Our entry-level clinical hires meet these criteria.",
            "valid_until": "2099-06-30",
        },
    )
    assert db.scalar(select(Endorsement)) is not None
    _no_iso_dates(web, "/admin/employer/endorsements")
    web.logout()
    web.login(LINCOLN)
    ana = web.net.students["Ana Chen"]
    page = web.get(f"/admin/pathways/lincoln-health/students/{ana}").get_data(as_text=True)
    token = re.findall(r'name="issue_token" value="([^"]+)"', page)[0]
    issued = web.post(
        f"/admin/pathways/lincoln-health/students/{ana}/issue",
        {"badge": "health-care-industry-badge", "issue_token": token},
    )
    assert issued.status_code == 302
    award = db.scalar(select(Award).where(Award.student_id == ana))
    uuid = award.credential_id.removeprefix("urn:uuid:")
    for path in (f"/verify/{uuid}", f"/badges/{uuid}"):
        html, text = _read(web, path)
        line = re.search(r'<dt>Endorsed by</dt><dd data-field="endorsers">([^<]*)</dd>', html)
        assert line and line.group(1) == "Sutter Health", path
        assert "Endorsed by Endorsed by" not in text and "Endorsed by Sutter Health" in text
