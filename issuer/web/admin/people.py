"""People: the Alliance admin invites users by e-mail (role, organisation, pathways),
disables and re-enables them, and sends an invitation again; pathway admins see their
colleagues (the users of their pathways), read-only. Employer partners have no page here."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from issuer import notifications, permissions
from issuer.database import get_session
from issuer.models import Organisation, OrganisationKind, Pathway, Role, User, user_pathways
from issuer.services import users
from issuer.web.admin import access, bp, context
from issuer.web.forms import InviteForm


def _invite_form(formdata: Any = None) -> InviteForm:
    db = get_session()
    form = InviteForm(formdata)
    form.pathways.choices = [
        SelectChoice(p.id, p.name) for p in db.scalars(select(Pathway).order_by(Pathway.name))
    ]
    form.organisation.choices = [SelectChoice(0, "—")] + [
        SelectChoice(o.id, o.name)
        for o in db.scalars(
            select(Organisation)
            .where(Organisation.kind == OrganisationKind.EMPLOYER)
            .order_by(Organisation.name)
        )
    ]
    return form


def _people() -> list[User]:
    """Everyone for the Alliance admin; for a pathway admin, the users of their pathways."""
    db = get_session()
    me = access.user()
    query = select(User).order_by(User.name)
    if me.role is not Role.ALLIANCE_ADMIN:
        mine = [p.id for p in me.pathways]
        colleagues = select(user_pathways.c.user_id).where(user_pathways.c.pathway_id.in_(mine))
        query = query.where(User.id.in_(colleagues))
    return list(db.scalars(query))


def _page(form: InviteForm | None = None, status: int = 200) -> tuple[str, int]:
    me = access.user()
    can_manage = me.role is Role.ALLIANCE_ADMIN
    return render_template(
        "admin/people.html",
        people=_people(),
        form=(form or _invite_form()) if can_manage else None,
        can_manage=can_manage,
        has_password=users.has_password,
    ), status


@bp.get("/people")
@access.roles(*access.MANAGERS)
def people() -> tuple[str, int]:
    return _page()


def _alliance_only() -> None:
    if access.user().role is not Role.ALLIANCE_ADMIN:
        abort(403, description="Only the Alliance admin manages people.")


@bp.post("/people")
@access.roles(*access.MANAGERS)
def invite() -> Any:
    _alliance_only()
    form = _invite_form(request.form)
    if not form.validate():
        return _page(form, 422)
    db = get_session()
    role = Role(form.role.data)
    pathways = (
        list(db.scalars(select(Pathway).where(Pathway.id.in_(form.pathways.data or []))))
        if role is Role.PATHWAY_ADMIN
        else []
    )
    organisation = (
        db.get(Organisation, form.organisation.data) if role is Role.EMPLOYER_PARTNER else None
    )
    try:
        user = users.invite_user(
            db,
            email=form.email.data or "",
            name=(form.name.data or "").strip(),
            role=role,
            pathways=pathways,
            organisation=organisation,
            actor=access.user(),
            now=context.now(),
        )
    except (users.UserError, permissions.PermissionDenied) as exc:
        db.rollback()
        form.email.errors = [*form.email.errors, str(exc)]
        return _page(form, 422)
    notifications.queue_user_invited(
        db, user, inviter=access.user(), site=context.site(), now=context.now()
    )
    db.commit()
    flash(
        f"Invited {user.name}: an e-mail with a link to choose a password is on its way.", "success"
    )
    return redirect(url_for("admin.people"))


def _managed_user(user_id: int) -> User:
    _alliance_only()
    user = get_session().get(User, user_id)
    if user is None:
        abort(404, description="There is no such user.")
    return user


@bp.post("/people/<int:user_id>/disable")
@access.roles(*access.MANAGERS)
def disable(user_id: int) -> Any:
    return _set_active(_managed_user(user_id), False)


@bp.post("/people/<int:user_id>/enable")
@access.roles(*access.MANAGERS)
def enable(user_id: int) -> Any:
    return _set_active(_managed_user(user_id), True)


def _set_active(user: User, active: bool) -> Any:
    db = get_session()
    try:
        users.set_active(db, user, active, actor=access.user(), now=context.now())
    except (users.UserError, permissions.PermissionDenied) as exc:
        db.rollback()
        flash(str(exc), "error")
        return redirect(url_for("admin.people"))
    db.commit()
    flash(
        f"{user.name} can sign in again."
        if active
        else f"{user.name} is disabled and signed out everywhere.",
        "success",
    )
    return redirect(url_for("admin.people"))


@bp.post("/people/<int:user_id>/invite")
@access.roles(*access.MANAGERS)
def resend_invitation(user_id: int) -> Any:
    user = _managed_user(user_id)
    if users.has_password(user):
        flash(f"{user.name} has already chosen a password.", "error")
        return redirect(url_for("admin.people"))
    db = get_session()
    notifications.queue_user_invited(
        db, user, inviter=access.user(), site=context.site(), now=context.now()
    )
    db.commit()
    flash(f"Sent {user.name} a new invitation; the earlier link no longer works.", "success")
    return redirect(url_for("admin.people"))
