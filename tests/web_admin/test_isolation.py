"""Every admin route refuses whoever may not use it: a pathway admin asking for another
pathway's pages, students or awards gets 404; an employer partner gets 403 for anything but
the badge their organisation backs; nobody signed in is sent to sign in. The Alliance admin
may use every route (the control that shows the refusals are not just broken routes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import func, select

from issuer.models import AuditEvent, Award, OutboundMessage, User
from tests.web_admin.data import ALLIANCE, LINCOLN, OAKLAND, OTHER_PARTNER, PARTNER, Network

CSV = "student_email\nmaria.lopez@students.example.org\n"


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # formatted with the network's ids: {maria}, {award}, {token}
    expected: dict[str, int]  # email -> status; the Alliance admin always passes
    data: dict[str, Any] = field(default_factory=dict)


ISSUE = {"badge": "health-care-industry-badge", "issue_token": "x" * 32}
CRITERION = {
    "badge": "health-care-industry-badge",
    "criterion": "cpr-bls-certification",
    "met": "no",
}
CERTIFY = {"level": "gold", "awarded_on": "2026-01-05"}
INVITE = {"name": "New Person", "email": "new.person@example.org", "role": "alliance_admin"}
STUDENT_EDIT = {
    "name": "Maria Lopez",
    "email": "maria.lopez@students.example.org",
    "graduation_year": "2027",
    "pathway": "oak-health",
    "active": "y",
    "name_display_consent": "y",
}
ROSTER = "name,email,graduation_year\nNew Student,new.student@students.example.org,2027\n"
RESULTS = "student_email,hipaa-privacy-training\nmaria.lopez@students.example.org,not met\n"
MANAGER_ONLY = {LINCOLN: 404, PARTNER: 403, OAKLAND: 200}
ROUTES = [
    Route("GET", "/admin/pathways/oak-health", MANAGER_ONLY),
    Route("GET", "/admin/pathways/oak-health/students/{maria}", MANAGER_ONLY),
    Route(
        "GET",
        "/admin/pathways/lincoln-health/students/{maria}",  # mixed: not their student
        {LINCOLN: 404, PARTNER: 403, OAKLAND: 404, ALLIANCE: 404},
    ),
    Route(
        "POST",
        "/admin/pathways/oak-health/students/{maria}/criteria",
        {LINCOLN: 404, PARTNER: 403},
        CRITERION,
    ),
    Route(
        "POST",
        "/admin/pathways/lincoln-health/students/{maria}/criteria",
        {LINCOLN: 404, PARTNER: 403, ALLIANCE: 404},
        CRITERION,
    ),
    Route(
        "POST",
        "/admin/pathways/oak-health/students/{maria}/issue",
        {LINCOLN: 404, PARTNER: 403},
        ISSUE,
    ),
    Route("GET", "/admin/awards/{award}/revoke", MANAGER_ONLY),
    Route(
        "POST",
        "/admin/awards/{award}/revoke",
        {LINCOLN: 404, PARTNER: 403},
        {"reason": "testing who may revoke"},
    ),
    Route("GET", "/admin/alliance", {LINCOLN: 403, PARTNER: 403, OAKLAND: 403}),
    Route(
        "GET",
        "/admin/alliance/pathways/oak-health/certification",
        {LINCOLN: 403, PARTNER: 403, OAKLAND: 403},
    ),
    Route(
        "POST",
        "/admin/alliance/pathways/oak-health/certification",
        {LINCOLN: 403, PARTNER: 403, OAKLAND: 403},
        CERTIFY,
    ),
    Route(
        "GET",
        "/admin/badges/health-care-industry-badge",
        {LINCOLN: 403, OTHER_PARTNER: 404, PARTNER: 200},
    ),
    Route("GET", "/admin/bulk", {PARTNER: 403, LINCOLN: 200}),
    Route("POST", "/admin/bulk", {PARTNER: 403}),
    Route("GET", "/admin/bulk/{token}", {LINCOLN: 404, PARTNER: 403, OAKLAND: 404}),
    Route("GET", "/admin/bulk/{token}/status", {LINCOLN: 404, PARTNER: 403}),
    Route("POST", "/admin/bulk/{token}/issue", {LINCOLN: 404, PARTNER: 403}, {"mode": "valid"}),
    # accounts-mail: delivery (resend) and people
    Route("POST", "/admin/awards/{award}/resend", {LINCOLN: 404, PARTNER: 403, OAKLAND: 200}),
    Route("POST", "/admin/messages/{message}/resend", {LINCOLN: 404, PARTNER: 403, OAKLAND: 200}),
    Route("GET", "/admin/people", {LINCOLN: 200, OAKLAND: 200, PARTNER: 403}),
    Route(
        "POST",
        "/admin/people",
        {LINCOLN: 403, OAKLAND: 403, PARTNER: 403},
        INVITE,
    ),
    Route("POST", "/admin/people/{user}/disable", {LINCOLN: 403, OAKLAND: 403, PARTNER: 403}),
    Route("POST", "/admin/people/{user}/enable", {LINCOLN: 403, OAKLAND: 403, PARTNER: 403}),
    Route("POST", "/admin/people/{user}/invite", {LINCOLN: 403, OAKLAND: 403, PARTNER: 403}),
    # admin-cohort (issue #12): roster, criteria grid, results CSV, bulk revoke, exports, audit
    Route("GET", "/admin/pathways/oak-health/students", MANAGER_ONLY),
    Route(
        "POST",
        "/admin/pathways/oak-health/students",
        {LINCOLN: 404, PARTNER: 403},
        {"name": "New One", "email": "new.one@students.example.org", "graduation_year": "2027"},
    ),
    Route("GET", "/admin/pathways/oak-health/students/{maria}/edit", MANAGER_ONLY),
    Route(
        "GET",
        "/admin/pathways/lincoln-health/students/{maria}/edit",  # mixed: not their student
        {LINCOLN: 404, PARTNER: 403, OAKLAND: 404, ALLIANCE: 404},
    ),
    Route(
        "POST",
        "/admin/pathways/oak-health/students/{maria}/edit",
        {LINCOLN: 404, PARTNER: 403},
        STUDENT_EDIT,
    ),
    Route(
        "POST",
        "/admin/pathways/lincoln-health/students/{maria}/edit",
        {LINCOLN: 404, PARTNER: 403, OAKLAND: 404, ALLIANCE: 404},
        STUDENT_EDIT,
    ),
    Route("GET", "/admin/pathways/oak-health/roster-template.csv", MANAGER_ONLY),
    Route("GET", "/admin/pathways/oak-health/roster.csv", MANAGER_ONLY),
    Route("POST", "/admin/pathways/oak-health/roster/preview", {LINCOLN: 404, PARTNER: 403}),
    Route(
        "POST",
        "/admin/pathways/oak-health/roster/import",
        {LINCOLN: 404, PARTNER: 403},
        {"content": ROSTER},
    ),
    Route(
        "GET",
        "/admin/pathways/oak-health/criteria",
        {LINCOLN: 404, OTHER_PARTNER: 404, PARTNER: 200, OAKLAND: 200},
    ),
    Route(
        "GET",
        "/admin/pathways/delta-eng/criteria",  # no badge of Sutter's for engineering
        {LINCOLN: 404, PARTNER: 404, OAKLAND: 404, ALLIANCE: 404},
    ),
    Route(
        "POST",
        "/admin/pathways/oak-health/criteria",
        {LINCOLN: 404, OTHER_PARTNER: 404, PARTNER: 422},  # not the partner's column
        {"badge": "health-care-industry-badge", "set": "column:cpr-bls-certification"},
    ),
    Route(
        "POST",
        "/admin/pathways/oak-health/criteria",
        {LINCOLN: 404, OTHER_PARTNER: 404, OAKLAND: 422},  # the employer's column
        {"badge": "health-care-industry-badge", "set": "column:patient-communication-assessment"},
    ),
    Route("GET", "/admin/pathways/oak-health/criteria.csv", MANAGER_ONLY),
    Route("POST", "/admin/pathways/oak-health/criteria/preview", {LINCOLN: 404, PARTNER: 403}),
    Route(
        "POST",
        "/admin/pathways/oak-health/criteria/import",
        {LINCOLN: 404, PARTNER: 403},
        {"badge": "health-care-industry-badge", "content": RESULTS},
    ),
    Route(
        "POST",
        "/admin/pathways/oak-health/revoke",
        {LINCOLN: 404, PARTNER: 403},
        {"award": "{award}"},
    ),
    Route(
        "POST",
        "/admin/pathways/oak-health/revoke/confirm",
        {LINCOLN: 404, PARTNER: 403},
        {"award": "{award}", "reason": "testing who may revoke"},
    ),
    Route(
        "POST",
        "/admin/pathways/lincoln-health/revoke/confirm",  # mixed: another pathway's award
        {LINCOLN: 422, PARTNER: 403, OAKLAND: 404, ALLIANCE: 422},
        {"award": "{award}", "reason": "testing who may revoke"},
    ),
    Route("GET", "/admin/pathways/oak-health/awards.csv", MANAGER_ONLY),
    Route("GET", "/admin/audit", {PARTNER: 403, LINCOLN: 200, OAKLAND: 200}),
    Route("GET", "/admin/audit.csv", {PARTNER: 403, LINCOLN: 200}),
    # employer trust (#11): the registry and benefit counts are the Alliance's; endorsements
    # and grants are the backing employer's partners' own (the Alliance signs for no employer).
    Route("GET", "/admin/alliance/registry", {LINCOLN: 403, PARTNER: 403, OAKLAND: 403}),
    Route(
        "POST",
        "/admin/alliance/registry",
        {LINCOLN: 403, PARTNER: 403},
        {"name": "Valley College", "did": "did:web:valley.example.edu"},
    ),
    Route("POST", "/admin/alliance/registry/own/suspend", {LINCOLN: 403, PARTNER: 403}),
    Route(
        "POST", "/admin/alliance/registry/1/suspend", {LINCOLN: 403, PARTNER: 403, ALLIANCE: 404}
    ),
    Route(
        "POST", "/admin/alliance/registry/1/reinstate", {LINCOLN: 403, PARTNER: 403, ALLIANCE: 404}
    ),
    Route("POST", "/admin/alliance/registry/1/remove", {LINCOLN: 403, PARTNER: 403, ALLIANCE: 404}),
    Route("GET", "/admin/alliance/benefits", {LINCOLN: 403, PARTNER: 403}),
    Route("GET", "/admin/employer/endorsements", {LINCOLN: 403, PARTNER: 200, ALLIANCE: 403}),
    Route(
        "POST",
        "/admin/employer/endorsements",
        {LINCOLN: 403, OTHER_PARTNER: 422, ALLIANCE: 403},
        {"badge": "health-care-industry-badge", "comment": "We endorse it"},
    ),
    Route(
        "POST",
        "/admin/employer/endorsements/1/revoke",
        {LINCOLN: 403, PARTNER: 404, ALLIANCE: 403},
        {"reason": "testing who may withdraw"},
    ),
    Route(
        "POST",
        "/admin/grants",
        {LINCOLN: 403, OTHER_PARTNER: 404, ALLIANCE: 403},
        {"credential": "urn:uuid:00000000-0000-4000-8000-000000000000", "benefit": "x"},
    ),
]


def _ok(status: int) -> bool:
    return status in (200, 302)


def _upload_as_alliance(web) -> str:
    import io

    web.login(ALLIANCE)
    response = web.post(
        "/admin/bulk",
        {"badge": "health-care-industry-badge", "file": (io.BytesIO(CSV.encode()), "cohort.csv")},
        content_type="multipart/form-data",
    )
    token = response.location.rsplit("/", 1)[-1]
    web.logout()
    return token


def _counts(db) -> tuple[int, int, int]:
    db.expire_all()
    return (
        db.scalar(select(func.count()).select_from(Award)),
        db.scalar(select(func.count()).select_from(Award).where(Award.revoked_at.is_not(None))),
        db.scalar(select(func.count()).select_from(AuditEvent)),
    )


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_route_refuses_who_may_not_use_it(web, db, route: Route):
    net: Network = web.net
    token = _upload_as_alliance(web) if "{token}" in route.path else ""
    ids = {
        "maria": net.students["Maria Lopez"],
        "award": net.award_ids["Maria Lopez"],
        "user": db.scalar(select(User.id).where(User.email == OTHER_PARTNER)),
        "message": db.scalar(
            select(OutboundMessage.id).where(
                OutboundMessage.award_id == net.award_ids["Maria Lopez"]
            )
        ),
    }
    path = route.path.format(token=token, **ids)
    data = {k: v.format(**ids) if isinstance(v, str) else v for k, v in route.data.items()}

    def call() -> Any:
        if route.method == "GET":
            return web.get(path)
        return web.post(path, dict(data))

    anonymous = call()
    assert anonymous.status_code == 302 and "/login" in anonymous.location

    before = _counts(db)
    for email, expected in route.expected.items():
        if email == ALLIANCE:
            continue
        web.login(email)
        status = call().status_code
        web.logout()
        if expected == 200:
            assert _ok(status), f"{email} should be able to use {route.method} {path}"
        else:
            assert status == expected, f"{email} on {route.method} {path}"
    if route.method == "POST" and all(v != 200 for v in route.expected.values()):
        assert _counts(db) == before, "a refused request changed something"

    web.login(ALLIANCE)
    status = call().status_code
    expected = route.expected.get(ALLIANCE)
    assert status == expected if expected else status in (200, 302, 422), status


def test_every_admin_route_is_in_the_isolation_table(app):
    """A new admin route fails here until it is added to ROUTES (and so tested above)."""
    adapter = app.url_map.bind("localhost")
    covered = {
        adapter.match(
            r.path.format(maria=1, award=1, token="t" * 32, user=1, message=1), method=r.method
        )[0]
        for r in ROUTES
    }
    admin = {
        rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("admin.")
    }
    assert admin - covered == {"admin.index"}  # the start page: every signed-in user


# --- Bulk preview: no lookup outside the admin's pathways (issue 8, item 2) -------------------

OTHER_SCHOOLS = ("Maria Lopez", "Joe Park", "Kim Ngo", "Sam Rivera")  # not Lincoln's students
OTHER_PATHWAYS = ("Oakland", "Riverside", "Valley", "Delta")


def _upload(web, content: str):
    import io

    return web.post(
        "/admin/bulk",
        {"badge": "health-care-industry-badge", "file": (io.BytesIO(content.encode()), "c.csv")},
        content_type="multipart/form-data",
    )


def _credential_ids(db) -> list[str]:
    db.expire_all()
    return list(db.scalars(select(Award.credential_id)))


def _preview_rows(web, response) -> tuple[str, list[str]]:
    """The preview page and, per row, its status and messages as the page shows them."""
    import re

    assert response.status_code == 302, response.status_code
    page = web.get(response.location).get_data(as_text=True)
    rows = re.findall(r"<tr>\s*<td[^>]*>\d+</td>\s*<td[^>]*>[^<]*</td>(.*?)</tr>", page, re.S)
    return page, [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]


def test_bulk_preview_scoped_to_admins_pathways_names_no_other_schools_student(web, db):
    """Uploading ids 1..N and guessed e-mails of another school's students tells a pathway
    admin nothing about them: no name, no school, no credential; each such row reads exactly
    like a row naming nobody."""
    net: Network = web.net
    top = max(net.students.values()) + 5
    ids = "\n".join(str(i) for i in range(1, top + 1))
    web.login(LINCOLN)
    page, rows = _preview_rows(web, _upload(web, f"student_id\n{ids}\n"))
    for name in OTHER_SCHOOLS:
        assert name not in page
    for pathway in OTHER_PATHWAYS:
        assert pathway not in page
    for credential_id in _credential_ids(db):
        assert credential_id not in page
    lincoln = {net.students[n] for n in ("Ana Chen", "Diego Hernandez", "Priya Singh")}
    for student_id, row in zip(range(1, top + 1), rows, strict=True):
        if student_id not in lincoln:
            assert row == f"Error no student {student_id} in your pathways", row

    guessed = [net.student_emails[n] for n in OTHER_SCHOOLS] + ["nobody@students.example.org"]
    page, rows = _preview_rows(web, _upload(web, "student_email\n" + "\n".join(guessed) + "\n"))
    for name in OTHER_SCHOOLS:
        assert name not in page
    for pathway in OTHER_PATHWAYS:
        assert pathway not in page
    assert rows == [f"Error no student {email} in your pathways" for email in guessed]


def test_bulk_preview_already_issued_check_runs_after_the_pathway_scope(web, db):
    """The same file issued by Oakland's admin, uploaded by Lincoln's: the row is "not found",
    not "already issued" with Oakland's credential."""
    import time

    csv = "student_email\njoe.park@students.example.org\n"
    web.login(OAKLAND)
    response = _upload(web, csv)
    token = response.location.rsplit("/", 1)[-1]
    web.post(f"/admin/bulk/{token}/issue", {"mode": "all"})
    deadline = time.monotonic() + 60
    while web.get(f"/admin/bulk/{token}/status").get_json()["state"] == "running":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    web.logout()
    issued = set(_credential_ids(db))

    web.login(LINCOLN)
    page, rows = _preview_rows(web, _upload(web, csv))
    assert rows == ["Error no student joe.park@students.example.org in your pathways"]
    assert "0 ready · 0 already issued · 1 with errors" in page
    assert not [cid for cid in issued if cid in page]


@pytest.mark.parametrize(
    ("elsewhere", "nowhere"),
    [
        ("/admin/pathways/oak-health", "/admin/pathways/no-such-pathway"),
        ("/admin/pathways/oak-health/students/{maria}", "/admin/pathways/oak-health/students/0"),
        (
            "/admin/pathways/lincoln-health/students/{maria}",
            "/admin/pathways/lincoln-health/students/0",
        ),
        ("/admin/awards/{award}/revoke", "/admin/awards/999999/revoke"),
    ],
)
def test_admin_refusal_for_another_schools_record_reads_like_a_missing_one(web, elsewhere, nowhere):
    """The 404 for another school's pathway, student or award is word for word the 404 for
    one that does not exist, and names none of them."""
    import re

    net: Network = web.net
    ids = {"maria": net.students["Maria Lopez"], "award": net.award_ids["Maria Lopez"]}
    web.login(LINCOLN)
    web.get("/admin/")  # shows (and so clears) the "Signed in" message
    pages = []
    for path in (elsewhere.format(**ids), nowhere):
        response = web.get(path)
        assert response.status_code == 404, path
        pages.append(re.sub(r'value="[^"]+"', "", response.get_data(as_text=True)))
    assert pages[0] == pages[1]
    for name in OTHER_SCHOOLS + OTHER_PATHWAYS:
        assert name not in pages[0]
