"""Every admin route refuses whoever may not use it: a pathway admin asking for another
pathway's pages, students or awards gets 404; an employer partner gets 403 for anything but
the badge their organisation backs; nobody signed in is sent to sign in. The Alliance admin
may use every route (the control that shows the refusals are not just broken routes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import func, select

from issuer.models import AuditEvent, Award
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
    ids = {"maria": net.students["Maria Lopez"], "award": net.award_ids["Maria Lopez"]}
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
        adapter.match(r.path.format(maria=1, award=1, token="t" * 32), method=r.method)[0]
        for r in ROUTES
    }
    admin = {
        rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("admin.")
    }
    assert admin - covered == {"admin.index"}  # the start page: every signed-in user
