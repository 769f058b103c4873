"""Who may open which admin page. A pathway admin asking for another pathway's page (or its
students and awards) gets 404, as if it did not exist; a role that may never open a kind of
page gets 403."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import abort, g
from sqlalchemy import select

from issuer import permissions
from issuer.database import get_session
from issuer.models import Award, BadgeDefinitionRecord, Pathway, Role, Student, User
from issuer.services import scope
from issuer.services.badges import definition_of
from issuer.web.auth import login_required as signed_in

NOT_YOURS = "There is no such page among the pathways you manage."


def user() -> User:
    return g.user


def principal() -> permissions.Principal:
    return permissions.Principal.of(g.user)


def roles(*allowed: Role) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Signed in, with one of ``allowed`` roles (else 403)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapped(**kwargs: Any) -> Any:
            if g.user.role not in allowed:
                abort(403, description="Your account does not have access to this page.")
            return view(**kwargs)

        return signed_in(wrapped)

    return decorate


MANAGERS = (Role.ALLIANCE_ADMIN, Role.PATHWAY_ADMIN)


def managed_pathway(slug: str) -> Pathway:
    """The pathway, looked up among the signed-in user's pathways only (else 404)."""
    pathway = get_session().scalar(scope.pathways(principal()).where(Pathway.slug == slug))
    if pathway is None:
        abort(404, description=NOT_YOURS)
    return pathway


def managed_student(pathway: Pathway, student_id: int) -> Student:
    """The student of ``pathway`` (one the user manages), else 404."""
    student = get_session().scalar(
        scope.students(principal()).where(
            Student.id == student_id, Student.pathway_id == pathway.id
        )
    )
    if student is None:
        abort(404, description=NOT_YOURS)
    return student


def managed_award(award_id: int) -> Award:
    """The award, looked up among the awards of the user's students only (else 404)."""
    award = get_session().scalar(scope.awards(principal()).where(Award.id == award_id))
    if award is None:
        abort(404, description=NOT_YOURS)
    return award


def badge(slug: str) -> BadgeDefinitionRecord:
    record = get_session().scalar(
        select(BadgeDefinitionRecord).where(BadgeDefinitionRecord.slug == slug)
    )
    if record is None:
        abort(404, description=f"There is no badge {slug!r}.")
    return record


def employer_view_badge(slug: str) -> BadgeDefinitionRecord:
    """The badge overview (every pathway's awards): the Alliance, and the partners of the
    employer that backs the badge. Pathway admins see their own pathways' pages instead."""
    record = badge(slug)
    p = principal()
    allowed = p.active and (
        p.role == permissions.ALLIANCE_ADMIN
        or (p.role == permissions.EMPLOYER_PARTNER and p.organisation_id == record.employer_id)
    )
    if not allowed:
        abort(
            404 if p.role == permissions.EMPLOYER_PARTNER else 403,
            description="You can only see the badges your organisation backs.",
        )
    return record


def assessing_pathway(slug: str, record: BadgeDefinitionRecord) -> Pathway:
    """The pathway whose criteria grid for ``record`` the signed-in user may open: a pathway
    they manage, or, for a partner of the employer that backs the badge, any pathway whose
    students can earn it (their mentors assess those students in person). Else 404."""
    p = principal()
    if p.role != permissions.EMPLOYER_PARTNER:
        return managed_pathway(slug)
    pathway = get_session().scalar(select(Pathway).where(Pathway.slug == slug))
    if (
        pathway is None
        or not p.active
        or p.organisation_id != record.employer_id
        or definition_of(record).eligibility.sector != pathway.sector.lower()
    ):
        abort(404, description=NOT_YOURS)
    return pathway
