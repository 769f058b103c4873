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
    path = route.path.format(
        maria=net.students["Maria Lopez"], award=net.award_ids["Maria Lopez"], token=token
    )

    def call() -> Any:
        if route.method == "GET":
            return web.get(path)
        return web.post(path, dict(route.data))

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
