"""The Alliance's view of the network: certifications, their dates, and awards per pathway."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from issuer.database import get_session
from issuer.models import CertificationLevel, Pathway, Role
from issuer.services import certifications
from issuer.web.admin import access, bp, context, queries

MAX_NOTE = 2000


@bp.get("/alliance")
@access.roles(Role.ALLIANCE_ADMIN)
def alliance_dashboard() -> str:
    db = get_session()
    today = context.now().date()
    pathways = list(db.scalars(select(Pathway).order_by(Pathway.name)))
    return render_template(
        "admin/alliance.html",
        pathways=pathways,
        counts=queries.award_counts_by_pathway(db),
        flags={p.id: queries.certification_flag(p, today) for p in pathways},
    )


def _form_page(
    pathway: Pathway, form: dict[str, str], errors: list[str] | None = None, status: int = 200
) -> tuple[str, int]:
    return render_template(
        "admin/certification.html",
        pathway=pathway,
        form=form,
        errors=errors or [],
        levels=list(CertificationLevel),
    ), status


def _parse_day(value: str, label: str, errors: list[str]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(f"{label} must be a date like 2026-09-01.")
        return None


@bp.route("/alliance/pathways/<slug>/certification", methods=("GET", "POST"))
@access.roles(Role.ALLIANCE_ADMIN)
def certification(slug: str) -> Any:
    """Record a (re)certification; the service audits it and updates the pathway."""
    pathway = access.managed_pathway(slug)
    if request.method == "GET":
        return _form_page(
            pathway,
            {
                "level": str(pathway.certification_level),
                "awarded_on": context.now().date().isoformat(),
                "expires_on": "",
                "note": "",
            },
        )
    form = {
        key: request.form.get(key, "").strip()
        for key in ("level", "awarded_on", "expires_on", "note")
    }
    errors: list[str] = []
    if form["level"] not in {level.value for level in CertificationLevel}:
        errors.append("Choose Candidate, Silver or Gold.")
    awarded_on = _parse_day(form["awarded_on"], "The award date", errors)
    if not form["awarded_on"]:
        errors.append("Give the date the certification was awarded.")
    expires_on = _parse_day(form["expires_on"], "The expiry date", errors)
    if len(form["note"]) > MAX_NOTE:
        errors.append(f"Keep the note under {MAX_NOTE} characters.")
    if errors or awarded_on is None:
        return _form_page(pathway, form, errors, 422)
    db = get_session()
    try:
        certifications.record_certification(
            db,
            pathway=pathway,
            level=form["level"],
            awarded_on=awarded_on,
            expires_on=expires_on,
            note=form["note"] or None,
            actor=access.user(),
            now=context.now(),
        )
    except ValueError as exc:
        db.rollback()
        return _form_page(pathway, form, [str(exc).capitalize()], 422)
    db.commit()
    flash(f"{pathway.name} is now certified {form['level'].capitalize()}.", "success")
    return redirect(url_for("admin.alliance_dashboard"))
