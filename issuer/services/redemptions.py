"""Benefits granted to badge holders: an employer partner records that a benefit of a badge
(exam funding paid, an internship interview offered) was granted to the holder of one award.

A one-time benefit is recorded once per award: the ``benefit_grants`` unique constraint on
(award, once_key) holds also when two employer sessions record it at the same moment, and the
loser gets :class:`AlreadyGranted` with the first grant's date. Services take a session and
never commit; :func:`record_grant` uses a savepoint so a lost race leaves the caller's
transaction usable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from badge_definitions import Benefit
from issuer import permissions
from issuer.models import Award, BadgeDefinitionRecord, BenefitGrant, User
from issuer.services import audit
from issuer.services.badges import definition_of

BENEFIT_GRANTED = "benefit.granted"


class GrantRefused(ValueError):
    """The grant cannot be recorded; the message says why in words."""


class AlreadyGranted(GrantRefused):
    """A one-time benefit was already recorded for this award."""

    def __init__(self, grant: BenefitGrant) -> None:
        self.grant = grant
        super().__init__(
            f"Already granted on {grant.granted_at:%-d %B %Y}: a one-time benefit is granted once."
        )


@dataclass(frozen=True)
class GrantLine:
    """What a signed-in employer sees for one benefit of one award."""

    benefit: Benefit
    granted_at: datetime | None  # the first grant, None when never granted
    times: int  # how many grants were recorded


def may_record(actor: User, badge: BadgeDefinitionRecord) -> bool:
    """Only an active employer partner of the employer that backs the badge."""
    principal = permissions.Principal.of(actor)
    return (
        principal.active
        and principal.role == permissions.EMPLOYER_PARTNER
        and principal.organisation_id == badge.employer_id
    )


def grants_of(session: Session, award: Award) -> list[BenefitGrant]:
    return list(
        session.scalars(
            select(BenefitGrant)
            .where(BenefitGrant.award_id == award.id)
            .order_by(BenefitGrant.granted_at)
        )
    )


def grant_lines(session: Session, award: Award) -> list[GrantLine]:
    """Each benefit of the award's badge with its grants so far."""
    grants = grants_of(session, award)
    lines = []
    for benefit in definition_of(award.badge).benefits:
        mine = [g for g in grants if g.benefit_key == benefit.key]
        lines.append(GrantLine(benefit, mine[0].granted_at if mine else None, len(mine)))
    return lines


def record_grant(
    session: Session, *, award: Award, benefit_key: str, actor: User, now: datetime
) -> BenefitGrant:
    """Record that ``actor``'s organisation granted ``benefit_key`` to ``award``'s holder.

    Raises ``permissions.PermissionDenied`` (not a partner of the badge's employer),
    :class:`GrantRefused` (no such benefit, or the award is revoked) or
    :class:`AlreadyGranted` (a one-time benefit recorded before, by anyone, at any time).
    """
    permissions.require(may_record(actor, award.badge), f"{actor.email} may not record grants")
    benefit = next((b for b in definition_of(award.badge).benefits if b.key == benefit_key), None)
    if benefit is None:
        raise GrantRefused("This badge has no such benefit.")
    if award.revoked_at is not None:
        raise GrantRefused("This badge has been revoked: its benefits can no longer be granted.")
    grant = BenefitGrant(
        award_id=award.id,
        benefit_key=benefit.key,
        once_key=benefit.key if benefit.one_time else None,
        organisation_id=actor.organisation_id,
        granted_by_id=actor.id,
        granted_at=now,
    )
    try:
        with session.begin_nested():
            session.add(grant)
            session.flush()
    except IntegrityError:
        first = session.scalar(
            select(BenefitGrant).where(
                BenefitGrant.award_id == award.id, BenefitGrant.once_key == benefit.key
            )
        )
        assert first is not None  # the constraint that refused us names this row
        raise AlreadyGranted(first) from None
    audit.record(
        session,
        actor,
        BENEFIT_GRANTED,
        award,
        {"benefit": benefit.key, "grant_id": grant.id, "one_time": benefit.one_time},
        now=now,
    )
    session.flush()
    return grant


def grant_counts(session: Session) -> list[tuple[str, str, int]]:
    """(badge name, benefit key, grants recorded) over the whole network, for the Alliance."""
    rows = session.execute(
        select(BadgeDefinitionRecord.name, BenefitGrant.benefit_key, func.count(BenefitGrant.id))
        .join(Award, Award.id == BenefitGrant.award_id)
        .join(BadgeDefinitionRecord, BadgeDefinitionRecord.id == Award.badge_id)
        .group_by(BadgeDefinitionRecord.name, BenefitGrant.benefit_key)
        .order_by(BadgeDefinitionRecord.name, BenefitGrant.benefit_key)
    )
    return [(name, key, count) for name, key, count in rows]
