"""Read-only queries behind the dashboards (the services own every write)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from badge_definitions import BadgeDefinition
from issuer import eligibility, permissions
from issuer.models import Award, BadgeDefinitionRecord, CriterionResult, Pathway, Student
from issuer.services import scope
from issuer.services.badges import definition_of

EXPIRING_SOON = timedelta(days=90)


def award_status(award: Award, now: datetime) -> str:
    """revoked | expired | active, as a word for the page."""
    if award.revoked_at is not None:
        return "revoked"
    if award.valid_until is not None and now >= award.valid_until:
        return "expired"
    return "active"


def certification_flag(pathway: Pathway, today: date) -> str:
    """lapsed | expiring soon | current."""
    expires = pathway.certification_expires_on
    if expires is None:
        return "current"
    if not eligibility.certification_is_active(expires, today):
        return "lapsed"
    return "expiring soon" if expires - today <= EXPIRING_SOON else "current"


def visible_pathways(session: Session, principal: permissions.Principal) -> list[Pathway]:
    """The pathways ``principal`` manages, by name (only those are read)."""
    return list(session.scalars(scope.pathways(principal).order_by(Pathway.name)))


def badges_for_sector(session: Session, sector: str) -> list[BadgeDefinitionRecord]:
    """The badges a pathway of ``sector`` can award (sector rule of each definition)."""
    records = session.scalars(select(BadgeDefinitionRecord).order_by(BadgeDefinitionRecord.name))
    return [r for r in records if definition_of(r).eligibility.sector == sector.lower()]


@dataclass(frozen=True)
class StudentRow:
    student: Student
    results: dict[str, CriterionResult]
    awards: list[Award]
    eligibility: eligibility.EligibilityResult


def pathway_grid(
    session: Session, pathway: Pathway, badge: BadgeDefinitionRecord, now: datetime
) -> list[StudentRow]:
    """Every student of ``pathway`` with their results, awards and eligibility for ``badge``,
    in three queries (eligibility is the pure rule applied to what was read)."""
    definition = definition_of(badge)
    students = list(
        session.scalars(
            select(Student).where(Student.pathway_id == pathway.id).order_by(Student.name)
        )
    )
    ids = [s.id for s in students]
    results: dict[int, dict[str, CriterionResult]] = defaultdict(dict)
    for result in session.scalars(
        select(CriterionResult).where(
            CriterionResult.badge_id == badge.id, CriterionResult.student_id.in_(ids)
        )
    ):
        results[result.student_id][result.criterion_key] = result
    awards: dict[int, list[Award]] = defaultdict(list)
    for award in session.scalars(
        select(Award)
        .where(Award.badge_id == badge.id, Award.student_id.in_(ids))
        .order_by(Award.issued_at)
    ):
        awards[award.student_id].append(award)
    facts = eligibility.PathwayFacts(
        name=pathway.name,
        sector=pathway.sector,
        certification_level=str(pathway.certification_level),
        certification_expires_on=pathway.certification_expires_on,
    )
    return [
        StudentRow(
            s,
            results[s.id],
            awards[s.id],
            _check(s, facts, definition, results[s.id], awards[s.id], now),
        )
        for s in students
    ]


def _check(
    student: Student,
    facts: eligibility.PathwayFacts,
    definition: BadgeDefinition,
    results: dict[str, CriterionResult],
    awards: list[Award],
    now: datetime,
) -> eligibility.EligibilityResult:
    return eligibility.check(
        student_name=student.name,
        pathway=facts,
        badge=definition,
        criteria_met={key: r.met for key, r in results.items()},
        held_awards=[
            eligibility.HeldAward(a.credential_id, a.valid_until, a.revoked_at is not None)
            for a in awards
        ],
        now=now,
    )


def awards_of_badge(
    session: Session, badge: BadgeDefinitionRecord, pathway: Pathway | None = None
) -> list[Award]:
    query = (
        select(Award)
        .join(Award.student)
        .where(Award.badge_id == badge.id)
        .options(selectinload(Award.student).selectinload(Student.pathway))
        .order_by(Award.issued_at.desc())
    )
    if pathway is not None:
        query = query.where(Student.pathway_id == pathway.id)
    return list(session.scalars(query))


def award_counts_by_pathway(
    session: Session, badge_id: int | None = None
) -> dict[int, dict[str, int]]:
    """{pathway id: {"issued": n, "revoked": n}}, for one badge or all."""
    query = (
        select(
            Student.pathway_id,
            func.count(Award.id),
            func.count(Award.id).filter(Award.revoked_at.is_not(None)),
        )
        .join(Award.student)
        .group_by(Student.pathway_id)
    )
    if badge_id is not None:
        query = query.where(Award.badge_id == badge_id)
    return {
        pathway_id: {"issued": issued, "revoked": revoked}
        for pathway_id, issued, revoked in session.execute(query)
    }


# -- admin-cohort: why no one is ready ---------------------------------------------------------
@dataclass(frozen=True)
class Readiness:
    """Why students of a pathway are not ready for a badge, with counts.

    ``pathway_blocks`` are the pathway-wide reasons (certification level or lapse: the
    messages of the eligibility rules, the same for every student); ``missing`` and
    ``not_met`` count students per criterion key; ``holding`` those who hold an active award."""

    students: int
    ready: int
    holding: int
    pathway_blocks: tuple[str, ...]
    missing: dict[str, int]
    not_met: dict[str, int]
    rules: frozenset[str]  # certification_level | certification_active | sector, as found


def readiness(rows: list[StudentRow]) -> Readiness:
    """Count the reasons of every row's eligibility result (pure)."""
    pathway_rules = {"sector", "certification_level", "certification_active"}
    blocks: dict[str, str] = {}
    missing: dict[str, int] = defaultdict(int)
    not_met: dict[str, int] = defaultdict(int)
    holding = 0
    for row in rows:
        for failure in row.eligibility.failures:
            if failure.rule in pathway_rules:
                blocks.setdefault(failure.rule, failure.message)
            elif failure.rule == "already_awarded":
                holding += 1
            elif failure.rule.startswith("criterion:"):
                key = failure.rule.split(":", 1)[1]
                if key in row.results:
                    not_met[key] += 1
                else:
                    missing[key] += 1
    return Readiness(
        students=len(rows),
        ready=sum(1 for row in rows if row.eligibility.eligible),
        holding=holding,
        pathway_blocks=tuple(blocks.values()),
        missing=dict(missing),
        not_met=dict(not_met),
        rules=frozenset(blocks),
    )


def assessable_pathways(
    session: Session, badges: list[BadgeDefinitionRecord]
) -> list[tuple[BadgeDefinitionRecord, Pathway]]:
    """(badge, pathway) pairs whose employer-assessed criteria a partner of the badges'
    employer records: the pathways of each badge's sector, for badges that have such
    criteria."""
    pairs = []
    for badge in badges:
        definition = definition_of(badge)
        if not any(c.employer_assessed for c in definition.criteria):
            continue
        sector = definition.eligibility.sector
        for pathway in session.scalars(select(Pathway).order_by(Pathway.name)):
            if pathway.sector.lower() == sector:
                pairs.append((badge, pathway))
    return pairs
