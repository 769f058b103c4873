"""An employer partner's read-only view of the badge their organisation backs."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import select

from issuer.database import get_session
from issuer.models import Pathway, Role
from issuer.services.badges import definition_of
from issuer.web.admin import access, bp, context, queries


@bp.get("/badges/<slug>")
@access.roles(Role.ALLIANCE_ADMIN, Role.EMPLOYER_PARTNER)
def badge_overview(slug: str) -> str:
    """Criteria, awards per pathway and the awards themselves. A student's name shows only
    when the student agreed to have it displayed."""
    db = get_session()
    badge = access.employer_view_badge(slug)
    counts = queries.award_counts_by_pathway(db, badge.id)
    pathways = list(
        db.scalars(select(Pathway).where(Pathway.id.in_(counts)).order_by(Pathway.name))
    )
    return render_template(
        "admin/badge.html",
        badge=badge,
        definition=definition_of(badge),
        counts=counts,
        pathways=pathways,
        awards=queries.awards_of_badge(db, badge),
        now=context.now(),
        status=queries.award_status,
    )
