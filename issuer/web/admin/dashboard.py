"""``/admin/``: where each role starts."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import select

from issuer.database import get_session
from issuer.models import BadgeDefinitionRecord, Role
from issuer.web.admin import access, bp, queries


@bp.get("/")
@access.signed_in
def index() -> str:
    """Links to the pages this user may open."""
    db = get_session()
    user = access.user()
    badges = []
    if user.role is Role.EMPLOYER_PARTNER:
        badges = list(
            db.scalars(
                select(BadgeDefinitionRecord).where(
                    BadgeDefinitionRecord.employer_id == user.organisation_id
                )
            )
        )
    elif user.role is Role.ALLIANCE_ADMIN:
        badges = list(db.scalars(select(BadgeDefinitionRecord)))
    pathways = (
        []
        if user.role is Role.EMPLOYER_PARTNER
        else queries.visible_pathways(db, access.principal())
    )
    return render_template(
        "admin/index.html",
        pathways=pathways,
        badges=badges,
        assessing=queries.assessable_pathways(db, badges)
        if user.role is Role.EMPLOYER_PARTNER
        else [],
    )
