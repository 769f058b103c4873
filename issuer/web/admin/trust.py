"""Trust pages (#11): the Alliance's registry of recognized issuers and its counts of benefits
granted; the employer partner's endorsement of its badge; and the "benefit granted" line an
employer partner sees on the verify page. Views read forms, call services and commit."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from issuer.benefit_sources import find_award
from issuer.database import get_session
from issuer.models import (
    BadgeDefinitionRecord,
    Endorsement,
    RecognizedIssuer,
    RegistryEntryStatus,
    Role,
)
from issuer.permissions import PermissionDenied
from issuer.services import endorsements, redemptions, registry
from issuer.services.badges import definition_of, find_badge
from issuer.web.admin import access, bp, context

# -- the registry of recognized issuers (alliance admin) ----------------------------------


def _own() -> dict[str, str]:
    site = context.site()
    return {"did": context.signer().issuer_did, "name": site.issuer_name, "url": site.base_url}


def _registry_page(
    form: dict[str, str] | None = None, errors: list[str] | None = None, status: int = 200
) -> tuple[str, int]:
    own = _own()
    rows = registry.entries(get_session())
    return render_template(
        "admin/registry.html",
        rows=rows,
        own=own,
        own_row=next((row for row in rows if row.did == own["did"]), None),
        form=form or {"did": "", "name": "", "url": ""},
        errors=errors or [],
        registry_url=registry.registry_url(own["url"]),
    ), status


@bp.get("/alliance/registry")
@access.roles(Role.ALLIANCE_ADMIN)
def registry_page() -> tuple[str, int]:
    return _registry_page()


@bp.post("/alliance/registry")
@access.roles(Role.ALLIANCE_ADMIN)
def registry_add() -> Any:
    form = {key: request.form.get(key, "").strip() for key in ("did", "name", "url")}
    db = get_session()
    try:
        registry.add_entry(
            db,
            did=form["did"],
            name=form["name"],
            url=form["url"],
            actor=access.user(),
            now=context.now(),
        )
    except registry.RegistryInputError as error:
        db.rollback()
        return _registry_page(form, [str(error)], 422)
    db.commit()
    flash(f"{form['name']} is now a recognized issuer.", "success")
    return redirect(url_for("admin.registry_page"))


def _entry(entry_id: int) -> RecognizedIssuer:
    entry = get_session().get(RecognizedIssuer, entry_id)
    if entry is None:
        abort(404, description="There is no such registry entry.")
    return entry


def _set_status(entry_id: int, status: RegistryEntryStatus) -> Response:
    db = get_session()
    entry = _entry(entry_id)
    registry.set_status(db, entry, status, actor=access.user(), now=context.now())
    db.commit()
    if status == RegistryEntryStatus.SUSPENDED:
        flash(f"{entry.name} is suspended: its badges now read “issuer not recognized”.", "success")
    else:
        flash(f"{entry.name} is recognized again.", "success")
    return redirect(url_for("admin.registry_page"))


@bp.post("/alliance/registry/<int:entry_id>/suspend")
@access.roles(Role.ALLIANCE_ADMIN)
def registry_suspend(entry_id: int) -> Response:
    return _set_status(entry_id, RegistryEntryStatus.SUSPENDED)


@bp.post("/alliance/registry/<int:entry_id>/reinstate")
@access.roles(Role.ALLIANCE_ADMIN)
def registry_reinstate(entry_id: int) -> Response:
    return _set_status(entry_id, RegistryEntryStatus.ACTIVE)


@bp.post("/alliance/registry/own/suspend")
@access.roles(Role.ALLIANCE_ADMIN)
def registry_suspend_own() -> Response:
    db = get_session()
    own = _own()
    registry.suspend_own(
        db,
        own_did=own["did"],
        own_name=own["name"],
        url=own["url"],
        actor=access.user(),
        now=context.now(),
    )
    db.commit()
    flash(f"{own['name']} is suspended: its badges now read “issuer not recognized”.", "success")
    return redirect(url_for("admin.registry_page"))


@bp.post("/alliance/registry/<int:entry_id>/remove")
@access.roles(Role.ALLIANCE_ADMIN)
def registry_remove(entry_id: int) -> Any:
    db = get_session()
    entry = _entry(entry_id)
    name = entry.name
    try:
        registry.remove_entry(
            db, entry, own_did=_own()["did"], actor=access.user(), now=context.now()
        )
    except registry.RegistryInputError as error:
        db.rollback()
        return _registry_page(errors=[str(error)], status=422)
    db.commit()
    flash(f"{name} was removed from the registry.", "success")
    return redirect(url_for("admin.registry_page"))


@bp.get("/alliance/benefits")
@access.roles(Role.ALLIANCE_ADMIN)
def benefit_counts() -> str:
    """How many times each benefit was granted, network-wide (counts only, no holders)."""
    return render_template(
        "admin/benefit_counts.html", counts=redemptions.grant_counts(get_session())
    )


# -- the employer's endorsement (employer partner) ----------------------------------------


def _endorsement_page(
    form: dict[str, str] | None = None, errors: list[str] | None = None, status: int = 200
) -> tuple[str, int]:
    db = get_session()
    organisation = access.user().organisation
    assert organisation is not None  # the role's CHECK constraint
    badges = list(
        db.scalars(
            select(BadgeDefinitionRecord)
            .where(BadgeDefinitionRecord.employer_id == organisation.id)
            .order_by(BadgeDefinitionRecord.name)
        )
    )
    return render_template(
        "employer/endorsements.html",
        organisation=organisation,
        badges=badges,
        definitions={badge.slug: definition_of(badge) for badge in badges},
        endorsements=endorsements.endorsements_of(db, organisation),
        form=form or {"badge": badges[0].slug if badges else "", "comment": "", "valid_until": ""},
        errors=errors or [],
        now=context.now(),
    ), status


@bp.get("/employer/endorsements")
@access.roles(Role.EMPLOYER_PARTNER)
def endorsement_page() -> tuple[str, int]:
    return _endorsement_page()


def _end_of_day(value: str, errors: list[str]) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.combine(date.fromisoformat(value), time(23, 59, 59), tzinfo=UTC)
    except ValueError:
        errors.append("The end date must be a date like 2028-06-30.")
        return None


@bp.post("/employer/endorsements")
@access.roles(Role.EMPLOYER_PARTNER)
def endorsement_issue() -> Any:
    form = {key: request.form.get(key, "").strip() for key in ("badge", "comment", "valid_until")}
    errors: list[str] = []
    valid_until = _end_of_day(form["valid_until"], errors)
    db = get_session()
    organisation = access.user().organisation
    try:
        badge = find_badge(db, form["badge"])
    except LookupError:
        errors.append("Choose one of your organisation's badges.")
    if errors:
        return _endorsement_page(form, errors, 422)
    try:
        endorsements.issue_endorsement(
            db,
            organisation=organisation,
            badge=badge,
            comment=form["comment"],
            valid_until=valid_until,
            actor=access.user(),
            signer=current_app.extensions["employer_signers"].signer(organisation.slug),
            site=context.site(),
            now=context.now(),
        )
    except (endorsements.EndorsementInputError, PermissionDenied) as error:
        db.rollback()
        return _endorsement_page(form, [str(error)], 422)
    db.commit()
    flash(
        f"{organisation.name} now endorses the {badge.name}. Badges issued from now on carry "
        "your signed endorsement.",
        "success",
    )
    return redirect(url_for("admin.endorsement_page"))


@bp.post("/employer/endorsements/<int:endorsement_id>/revoke")
@access.roles(Role.EMPLOYER_PARTNER)
def endorsement_revoke(endorsement_id: int) -> Any:
    db = get_session()
    endorsement = db.get(Endorsement, endorsement_id)
    if endorsement is None or endorsement.organisation_id != access.user().organisation_id:
        abort(404, description="There is no such endorsement of your organisation.")
    try:
        endorsements.revoke_endorsement(
            db,
            endorsement,
            reason=request.form.get("reason", ""),
            actor=access.user(),
            now=context.now(),
        )
    except endorsements.EndorsementInputError as error:
        db.rollback()
        return _endorsement_page(errors=[str(error)], status=422)
    db.commit()
    flash("The endorsement is withdrawn: badges no longer show it.", "success")
    return redirect(url_for("admin.endorsement_page"))


# -- benefits granted, on the verify page (employer partner) ------------------------------


@bp.post("/grants")
@access.roles(Role.EMPLOYER_PARTNER)
def grant_record() -> Response:
    """Record that a benefit was granted to the holder of the award with this credential id,
    then go back to its verify page, which now says "already granted on DATE"."""
    db = get_session()
    award = find_award(db, request.form.get("credential", ""))
    if award is None:
        abort(404, description="There is no such badge.")
    back = url_for("verify.verify_stored", identifier=award.credential_id.removeprefix("urn:uuid:"))
    try:
        redemptions.record_grant(
            db,
            award=award,
            benefit_key=request.form.get("benefit", ""),
            actor=access.user(),
            now=context.now(),
        )
    except redemptions.GrantRefused as error:
        db.rollback()
        flash(str(error), "error")
        return redirect(back + "#grants")
    except PermissionDenied:
        db.rollback()
        abort(404, description="There is no such badge among your organisation's badges.")
    db.commit()
    flash("Recorded: the benefit was granted.", "success")
    return redirect(back + "#grants")


@bp.app_context_processor
def _grant_lines() -> dict[str, Any]:
    """``benefit_grants(credential_id)`` for ``verify/_redemption.html``: the grant lines of
    our award, only for a signed-in partner of the employer that backs its badge; else None."""

    def benefit_grants(credential_id: str | None) -> list[redemptions.GrantLine] | None:
        user = g.get("user")
        if user is None or user.role != Role.EMPLOYER_PARTNER or not credential_id:
            return None
        db = get_session()
        award = find_award(db, credential_id)
        if award is None or not redemptions.may_record(user, award.badge):
            return None
        return redemptions.grant_lines(db, award)

    return {"benefit_grants": benefit_grants}
