"""May this student receive this badge now? Pure rules: values in, a result out.

Every rule is checked (none short-circuits), so an admin sees all that stands in the way at
once, each as a sentence naming the pathway, the student or the criterion concerned.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from badge_definitions import CERTIFICATION_LEVELS, BadgeDefinition, certification_rank
from verifier.verdict import plain_date


@dataclass(frozen=True)
class PathwayFacts:
    name: str
    sector: str
    certification_level: str  # candidate | silver | gold
    certification_expires_on: date | None  # the first day the certification no longer holds

    @classmethod
    def of(cls, pathway: Any) -> PathwayFacts:
        """From anything shaped like ``issuer.models.Pathway``."""
        return cls(
            name=pathway.name,
            sector=pathway.sector,
            certification_level=str(pathway.certification_level),
            certification_expires_on=pathway.certification_expires_on,
        )


@dataclass(frozen=True)
class HeldAward:
    """An award of the same badge the student already has."""

    credential_id: str
    valid_until: datetime | None
    revoked: bool

    def is_active(self, now: datetime) -> bool:
        return not self.revoked and (self.valid_until is None or now < self.valid_until)


@dataclass(frozen=True)
class Failure:
    rule: str  # sector | certification_level | certification_active | criterion:<key> | ...
    message: str


@dataclass(frozen=True)
class EligibilityResult:
    failures: tuple[Failure, ...]

    @property
    def eligible(self) -> bool:
        return not self.failures

    @property
    def messages(self) -> list[str]:
        return [failure.message for failure in self.failures]


def _levels_from(minimum: str) -> str:
    names = [level.capitalize() for level in CERTIFICATION_LEVELS[certification_rank(minimum) :]]
    return " or ".join(names)


def certification_is_active(expires_on: date | None, on: date) -> bool:
    """A certification without an expiry date holds; otherwise it lapses on ``expires_on``."""
    return expires_on is None or on < expires_on


def check(
    *,
    student_name: str,
    pathway: PathwayFacts,
    badge: BadgeDefinition,
    criteria_met: Mapping[str, bool],
    held_awards: Sequence[HeldAward],
    now: datetime,
) -> EligibilityResult:
    """Check every rule of ``badge`` for a student of ``pathway`` at ``now``.

    ``criteria_met`` maps criterion key to the recorded result; a key that is absent has not
    been recorded yet.
    """
    rules = badge.eligibility
    level = pathway.certification_level.lower()
    needed = (
        f"the badge needs an{' active' if rules.certification_must_be_active else ''} "
        f"{_levels_from(rules.minimum_certification)} certification"
    )
    failures: list[Failure] = []

    if pathway.sector.lower() != rules.sector:
        failures.append(
            Failure(
                "sector",
                (
                    f"{pathway.name} is in the {pathway.sector} sector; the {badge.name} is only "
                    f"for {rules.sector} pathways."
                ),
            )
        )

    if certification_rank(level) < certification_rank(rules.minimum_certification):
        failures.append(
            Failure(
                "certification_level",
                (f"{pathway.name} holds a {level.capitalize()} certification; {needed}."),
            )
        )
    elif rules.certification_must_be_active and not certification_is_active(
        pathway.certification_expires_on, now.date()
    ):
        failures.append(
            Failure(
                "certification_active",
                (
                    f"{pathway.name}'s {level.capitalize()} certification expired on "
                    f"{plain_date(pathway.certification_expires_on)}; {needed}."
                ),
            )
        )

    for criterion in badge.criteria:
        met = criteria_met.get(criterion.key)
        if met is None:
            failures.append(
                Failure(
                    f"criterion:{criterion.key}",
                    (f"{student_name}: “{criterion.title}” has not been recorded yet."),
                )
            )
        elif not met:
            failures.append(
                Failure(
                    f"criterion:{criterion.key}",
                    (f"{student_name}: “{criterion.title}” is recorded as not met."),
                )
            )

    for award in held_awards:
        if award.is_active(now):
            # Shown on the admin's pages: the date in words, no credential URN in prose.
            until = f", valid until {plain_date(award.valid_until)}" if award.valid_until else ""
            failures.append(
                Failure(
                    "already_awarded",
                    f"{student_name} already holds an active {badge.name}{until}.",
                )
            )
            break

    return EligibilityResult(tuple(failures))
