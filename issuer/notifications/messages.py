"""What each e-mail says: the award (with its one claim link), revocation, "expires soon",
the student's sign-in link, a user's invitation and password reset.

Each ``queue_*`` function renders the plain-text and HTML bodies (Jinja templates in
``templates/``, HTML autoescaped, no images and so no tracking pixels) and records the message
with :func:`issuer.notifications.queue_message` in the caller's transaction. Links are made
by :mod:`issuer.services.links` and point at ``base_url``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import jinja2
from sqlalchemy import select
from sqlalchemy.orm import Session

from badge_definitions import BadgeDefinition
from issuer.bulk_insert import insert_rows
from issuer.models import (
    Award,
    LinkPurpose,
    OneTimeLink,
    OutboundMessage,
    Role,
    Student,
    User,
)
from issuer.notifications.outbox import message_row, queue_message
from issuer.services import links
from issuer.services.badges import definition_of

AWARD_ISSUED = "award.issued"
AWARD_REVOKED = "award.revoked"
AWARD_EXPIRING = "award.expiring"
STUDENT_SIGN_IN = "student.sign_in"
USER_INVITED = "user.invited"
PASSWORD_RESET = "user.password_reset"  # noqa: S105 - a message kind

ROLE_NAMES = {
    Role.ALLIANCE_ADMIN: "an Alliance administrator",
    Role.PATHWAY_ADMIN: "a pathway administrator",
    Role.EMPLOYER_PARTNER: "an employer partner",
}

_TEMPLATES = Path(__file__).resolve().parent / "templates"
_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(_TEMPLATES),
    autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
    keep_trailing_newline=True,
    trim_blocks=True,
    undefined=jinja2.StrictUndefined,
)


class Site(Protocol):
    """Where links point and who signs the messages (``issuance.IssuerSite`` fits)."""

    base_url: str
    issuer_name: str
    link_secret: str


def plain_date(value: date | datetime) -> str:
    """ "14 December 2026": no ISO dates in prose."""
    return f"{value.day} {value:%B %Y}"


def _render(name: str, **values: Any) -> tuple[str, str]:
    text = _env.get_template(f"{name}.txt").render(**values)
    html = _env.get_template(f"{name}.html").render(**values)
    return text, html


def _queue_with_link(
    session: Session,
    *,
    kind: str,
    template: str,
    to: str,
    subject: str,
    purpose: LinkPurpose,
    path: str,
    site: Site,
    now: datetime,
    student_id: int | None = None,
    user_id: int | None = None,
    award_id: int | None = None,
    **values: Any,
) -> OutboundMessage:
    """Queue the ``kind`` e-mail, rendered from ``template`` (``.txt`` and ``.html``), with one
    new single-use link ``<base_url><path>/<token>`` for ``purpose`` made for the given
    student, user or award (a user's earlier unused links of that purpose stop working). The
    template gets what :func:`_linked_message` gives it. Flushed, not committed."""
    if user_id is not None:
        links.retire_unused(session, purpose=purpose, user_id=user_id, now=now)
    token = links.create(
        session,
        links.LinkSigner(site.link_secret),
        purpose=purpose,
        now=now,
        student_id=student_id,
        user_id=user_id,
        award_id=award_id,
    )
    return queue_message(
        session,
        **_linked_message(
            kind=kind,
            template=template,
            to=to,
            subject=subject,
            purpose=purpose,
            path=path,
            token=token,
            site=site,
            now=now,
            student_id=student_id,
            user_id=user_id,
            award_id=award_id,
            **values,
        ),
    )


def _linked_message(
    *,
    kind: str,
    template: str,
    to: str,
    subject: str,
    purpose: LinkPurpose,
    path: str,
    token: str,
    site: Site,
    now: datetime,
    student_id: int | None = None,
    user_id: int | None = None,
    award_id: int | None = None,
    **values: Any,
) -> dict[str, Any]:
    """The arguments of :func:`queue_message` (or ``message_row``) for an e-mail carrying the
    link ``<base_url><path>/<token>``: the template gets ``subject``, ``link``, ``expires``
    (the link's last day in words), ``minutes`` (its lifetime), ``issuer_name`` and
    ``values``."""
    lifetime = links.LIFETIMES[purpose]
    text, html = _render(
        template,
        subject=subject,
        link=f"{site.base_url.rstrip('/')}{path}/{token}",
        expires=plain_date(now + lifetime),
        minutes=int(lifetime.total_seconds() // 60),
        issuer_name=site.issuer_name,
        **values,
    )
    return {
        "kind": kind,
        "to": to,
        "subject": subject,
        "text": text,
        "html": html,
        "student_id": student_id,
        "user_id": user_id,
        "award_id": award_id,
        "now": now,
    }


def queue_award_issued(
    session: Session, award: Award, *, site: Site, now: datetime
) -> OutboundMessage:
    """The award e-mail: badge, pathway, what it unlocks, and one claim link (a new
    single-use link each time, so a resend carries a fresh one)."""
    return _queue_with_link(
        session,
        site=site,
        now=now,
        award_id=award.id,
        **_award_issued(award.student, definition_of(award.badge)),
    )


def queue_awards_issued(
    session: Session,
    issued: Sequence[tuple[int, Student]],
    definition: BadgeDefinition,
    *,
    site: Site,
    now: datetime,
) -> None:
    """The award e-mails of many awards of one badge (``issued``: award id and its student,
    pathway loaded), each as :func:`queue_award_issued` writes it, with its claim links and
    messages written by :func:`issuer.bulk_insert.insert_rows` (COPY on PostgreSQL; bulk
    issuance: no round trip per award)."""
    signer = links.LinkSigner(site.link_secret)
    link_rows, message_rows = [], []
    for award_id, student in issued:
        arguments = _award_issued(student, definition)
        link, token = links.new_link(
            signer,
            purpose=arguments["purpose"],
            now=now,
            student_id=student.id,
            award_id=award_id,
        )
        link_rows.append(link)
        message_rows.append(
            message_row(
                **_linked_message(
                    token=token,
                    site=site,
                    now=now,
                    award_id=award_id,
                    **arguments,
                )
            )
        )
    insert_rows(session, OneTimeLink, link_rows)
    insert_rows(session, OutboundMessage, message_rows)


def _award_issued(student: Student, definition: BadgeDefinition) -> dict[str, Any]:
    """What the award e-mail says and where its claim link leads (``_queue_with_link``'s
    arguments but the site, time and award)."""
    return {
        "kind": AWARD_ISSUED,
        "template": "award_issued",
        "to": student.email,
        "subject": f"You earned the {definition.name}: claim your badge",
        "purpose": LinkPurpose.STUDENT_CLAIM,
        "path": "/my/claim",
        "student_id": student.id,
        "student_name": student.name,
        "pathway_name": student.pathway.name,
        "badge_name": definition.name,
        "employer_name": definition.employer.name,
        "benefits": definition.benefits,
    }


def _student_values(award: Award) -> dict[str, Any]:
    return {
        "student_name": award.student.name,
        "pathway_name": award.student.pathway.name,
        "badge_name": award.badge.name,
    }


def _issuer_name(award: Award) -> str:
    """The issuer's name as the signed credential gives it."""
    issuer = award.credential_json.get("issuer")
    return str(issuer.get("name", "")) if isinstance(issuer, dict) else ""


def queue_award_revoked(session: Session, award: Award, *, now: datetime) -> OutboundMessage:
    """A short message: which badge, when, and the reason given."""
    subject = f"Your {award.badge.name} was revoked"
    text, html = _render(
        "award_revoked",
        subject=subject,
        date=plain_date(award.revoked_at or now),
        reason=award.revocation_reason or "",
        issuer_name=_issuer_name(award),
        **_student_values(award),
    )
    return queue_message(
        session,
        kind=AWARD_REVOKED,
        to=award.student.email,
        subject=subject,
        text=text,
        html=html,
        student_id=award.student_id,
        award_id=award.id,
        now=now,
    )


def queue_award_expiring(session: Session, award: Award, *, now: datetime) -> OutboundMessage:
    """A short message: which badge expires, and on which day."""
    assert award.valid_until is not None
    subject = f"Your {award.badge.name} expires on {plain_date(award.valid_until)}"
    text, html = _render(
        "award_expiring",
        subject=subject,
        date=plain_date(award.valid_until),
        issuer_name=_issuer_name(award),
        **_student_values(award),
    )
    return queue_message(
        session,
        kind=AWARD_EXPIRING,
        to=award.student.email,
        subject=subject,
        text=text,
        html=html,
        student_id=award.student_id,
        award_id=award.id,
        now=now,
    )


def awards_expiring(session: Session, *, now: datetime, within_days: int) -> list[Award]:
    """Active awards whose validity ends within ``within_days`` and whose student has not been
    told yet (one "expires soon" message per award, however often the sweep runs)."""
    told = select(OutboundMessage.award_id).where(OutboundMessage.kind == AWARD_EXPIRING)
    return list(
        session.scalars(
            select(Award)
            .where(
                Award.revoked_at.is_(None),
                Award.valid_until.is_not(None),
                Award.valid_until > now,
                Award.valid_until <= now + timedelta(days=within_days),
                Award.id.not_in(told.where(OutboundMessage.award_id.is_not(None))),
            )
            .order_by(Award.valid_until)
        )
    )


def queue_student_sign_in(
    session: Session, student: Student, *, site: Site, now: datetime
) -> OutboundMessage:
    """The student's sign-in link (15 minutes, single use)."""
    return _queue_with_link(
        session,
        kind=STUDENT_SIGN_IN,
        template="student_sign_in",
        to=student.email,
        subject="Your sign-in link",
        purpose=LinkPurpose.STUDENT_SIGN_IN,
        path="/my/sign-in",
        site=site,
        now=now,
        student_id=student.id,
        student_name=student.name,
    )


def queue_user_invited(
    session: Session, user: User, *, inviter: User | None, site: Site, now: datetime
) -> OutboundMessage:
    """The invitation: who invited, as what, and the link to choose a password (7 days).
    Earlier unused invitation links of this user stop working."""
    if user.role is Role.EMPLOYER_PARTNER and user.organisation is not None:
        scope = user.organisation.name
    else:
        scope = ", ".join(p.name for p in user.pathways)
    return _queue_with_link(
        session,
        kind=USER_INVITED,
        template="user_invited",
        to=user.email,
        subject=f"You are invited to {site.issuer_name}'s badge service",
        purpose=LinkPurpose.USER_INVITE,
        path="/account/invitation",
        site=site,
        now=now,
        user_id=user.id,
        user_name=user.name,
        inviter=inviter.name if inviter is not None else site.issuer_name,
        role=ROLE_NAMES[user.role],
        scope=scope,
    )


def queue_password_reset(
    session: Session, user: User, *, site: Site, now: datetime
) -> OutboundMessage:
    """The password-reset link (1 hour, single use); earlier unused reset links stop working."""
    return _queue_with_link(
        session,
        kind=PASSWORD_RESET,
        template="password_reset",
        to=user.email,
        subject="Choose a new password",
        purpose=LinkPurpose.PASSWORD_RESET,
        path="/account/reset",
        site=site,
        now=now,
        user_id=user.id,
        user_name=user.name,
    )
