"""The cohort pages on a 390 by 844 px phone (and a 1280 px laptop): what the admin came for is on
the first screen and readable without sideways scrolling.

- the criteria grid breaks its column headers and buttons between words only, and scrolls
  inside its own box, never the page;
- the roster's first student and the audit log's first event are on the first screen;
- every award's Status is inside the viewport (card layout on a phone) on the pathway
  dashboard, the student page and the employer's badge page;
- the other admin pages (people, trust, audit, roster, grid) fit and pass axe-core.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from issuer.services import students
from issuer.services.certifications import find_pathway
from issuer.services.issuance import IssuerSite
from tests.web_admin.data import ALLIANCE, LINCOLN, OAKLAND, PARTNER, PASSWORD, build_network

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}

# Words (split at spaces, hyphens and slashes, where a line may break) whose letters land on
# more than one line: a word broken in the middle.
SPLIT_WORDS = """(selector) => {
  const split = [];
  for (const element of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(/[^\\s\\-\\/]+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const tops = new Set(Array.from(range.getClientRects(), r => Math.round(r.top)));
        if (tops.size > 1) split.push(match[0]);
      }
    }
  }
  return split;
}"""


@pytest.fixture
def net(live_server):
    """The shared network, with Lincoln's roster grown to twelve students."""
    app = live_server.app
    now = datetime.now(UTC)
    with live_server.session() as session:
        network = build_network(
            session,
            signer=app.extensions["signer"],
            site=IssuerSite.from_config(app.config),
            now=now,
        )
        lincoln = find_pathway(session, "lincoln-health")
        for number in range(9):
            students.create_student(
                session,
                pathway=lincoln,
                name=f"Student Number {number}",
                email=f"student{number}@students.example.org",
                graduation_year=now.year + 1,
                actor=None,
                now=now,
            )
        session.commit()
    return network


def sign_in(page, email: str) -> None:
    page.context.clear_cookies()
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Signed in as").wait_for()


def on_first_screen(page, locator) -> bool:
    """The element starts within the first screen, and is not cut off at either side."""
    box = locator.bounding_box()
    size = page.viewport_size
    return (
        box is not None
        and box["y"] < size["height"]
        and box["x"] >= 0
        and (box["x"] + box["width"] <= size["width"])
    )


def inside_the_width(page, locator) -> bool:
    box = locator.bounding_box()
    return (
        box is not None and box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]
    )


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["390", "1280"])
def test_the_criteria_grid_breaks_headers_between_words_and_scrolls_in_its_box(
    page, net, viewport, axe_check, fits_viewport, screenshot
):
    page.set_viewport_size(viewport)
    sign_in(page, LINCOLN)
    page.goto("/admin/pathways/lincoln-health/criteria")
    grid = page.locator(".cohort-grid")
    grid.wait_for()
    assert page.evaluate(SPLIT_WORDS, ".cohort-grid thead th, .cohort-grid button") == []
    fits_viewport(page)  # the page never scrolls sideways: the grid's box does
    if viewport is PHONE:
        # The grid (or its box) scrolls sideways; the student's name stays in view while the
        # criteria scroll past.
        scrolled = grid.evaluate(
            """table => [table, table.parentElement].filter(el => el.scrollWidth > el.clientWidth)
                .map(el => { el.scrollLeft = el.scrollWidth; return el.scrollLeft; })"""
        )
        assert scrolled and max(scrolled) > 0
        assert inside_the_width(page, grid.locator("tbody th").first)
    axe_check(page)
    screenshot(page, f"grid-{viewport['width']}")


def test_the_roster_and_the_audit_log_lead_with_their_rows_on_a_phone(
    page, net, axe_check, fits_viewport, screenshot
):
    page.set_viewport_size(PHONE)
    sign_in(page, LINCOLN)
    page.goto("/admin/pathways/lincoln-health/students")
    first = page.locator("[aria-labelledby=roster-heading] tbody tr").first
    assert on_first_screen(page, first.get_by_role("link", name="Ana Chen", exact=True))
    assert inside_the_width(page, first.get_by_text("ana.chen@students.example.org"))
    assert page.locator("[aria-labelledby=roster-heading] tbody tr").count() == 12
    fits_viewport(page)
    axe_check(page)
    screenshot(page, "roster-390")
    # The forms are one tap away, and still there below the roster.
    page.get_by_role("link", name="Add a student").click()
    assert page.get_by_label("Graduation year").is_visible()

    page.goto("/admin/audit")
    first_event = page.locator("#audit-events tbody tr").first
    assert on_first_screen(page, first_event)
    assert inside_the_width(page, first_event.locator("td").nth(2))  # What
    assert not page.get_by_label("Student (email or id)").is_visible()  # filters folded
    fits_viewport(page)
    axe_check(page)
    screenshot(page, "audit-390")
    page.goto("/admin/audit?action=award.issued")
    assert page.get_by_label("Student (email or id)").is_visible()  # in use: unfolded


def test_every_awards_status_is_visible_without_scrolling_sideways(
    page, net, axe_check, fits_viewport, screenshot
):
    page.set_viewport_size(PHONE)
    checks = (
        (OAKLAND, "/admin/pathways/oak-health", "dashboard"),
        (OAKLAND, f"/admin/pathways/oak-health/students/{net.students['Maria Lopez']}", "student"),
        (PARTNER, "/admin/badges/health-care-industry-badge", "employer-badge"),
    )
    for email, path, name in checks:
        sign_in(page, email)
        page.goto(path)
        table = page.locator("#awards-heading ~ * table, #awards-heading ~ table").first
        status = table.locator("tbody tr").first.get_by_text("Active", exact=True)
        assert inside_the_width(page, status), name
        assert inside_the_width(page, table.locator("tbody tr").first.locator("td").last)
        fits_viewport(page)
        axe_check(page)
        screenshot(page, f"awards-{name}-390")


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["390", "1280"])
def test_the_people_and_trust_pages_fit_and_pass_axe(
    page, net, viewport, axe_check, fits_viewport, screenshot
):
    page.set_viewport_size(viewport)
    pages = {
        ALLIANCE: ("/admin/people", "/admin/alliance/registry", "/admin/alliance/benefits"),
        LINCOLN: (
            "/admin/people",
            f"/admin/pathways/lincoln-health/students/{net.students['Ana Chen']}/edit",
        ),
        PARTNER: ("/admin/employer/endorsements", "/admin/pathways/lincoln-health/criteria"),
    }
    for email, paths in pages.items():
        sign_in(page, email)
        for path in paths:
            page.goto(path)
            fits_viewport(page)
            axe_check(page)
            screenshot(page, path.strip("/").replace("/", "-") + f"-{viewport['width']}")


def test_the_bulk_preview_shows_each_rows_status_and_problem_on_a_phone(
    page, net, tmp_path, axe_check, fits_viewport, screenshot
):
    cohort = tmp_path / "cohort.csv"
    cohort.write_text("student_email\nana.chen@students.example.org\nnobody@students.example.org\n")
    page.set_viewport_size(PHONE)
    sign_in(page, LINCOLN)
    page.goto("/admin/bulk")
    page.get_by_label("CSV file").set_input_files(str(cohort))
    page.get_by_role("button", name="Preview").click()
    page.get_by_text("with errors").first.wait_for()
    rows = page.locator("table tbody tr")
    assert inside_the_width(page, rows.nth(0).get_by_text("Ready", exact=True))
    assert inside_the_width(page, rows.nth(1).get_by_text("Error", exact=True))
    assert inside_the_width(page, rows.nth(1).locator("td").last)  # the problem, in words
    fits_viewport(page)
    axe_check(page)
    screenshot(page, "bulk-preview-390")


# Each menu link's text on one line ("Bulk issue", "Recognized issuers" were split over two).
MENU_LINKS_ON_MORE_THAN_ONE_LINE = """() => Array.from(
  document.querySelectorAll(".site-header nav a"),
  (link) => {
    const range = document.createRange();
    range.selectNodeContents(link);
    const tops = new Set(Array.from(range.getClientRects(), r => Math.round(r.top)));
    return tops.size > 1 ? link.textContent.trim() : null;
  }).filter(Boolean)"""


def test_each_menu_link_stays_on_one_line_on_a_phone(page, net, fits_viewport):
    page.set_viewport_size(PHONE)
    for email in (ALLIANCE, LINCOLN, PARTNER):
        sign_in(page, email)
        page.goto("/admin")
        assert page.locator(".site-header nav a").count() >= 2
        assert page.evaluate(MENU_LINKS_ON_MORE_THAN_ONE_LINE) == []
        fits_viewport(page)
