"""Which benefits of a badge a verified credential unlocks, and why (pure).

Values in, decisions out: a verification report, the badge definition the credential's
achievement belongs to, and the facts about the award only its issuer knows (the pathway's
certification, the graduation year), all passed in through :class:`BenefitSource`, which
``wsgi.py`` fills with the issuer's implementation. Benefits belong to one issuer's badge: a
credential naming our achievement but signed by someone else unlocks nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from badge_definitions import BadgeDefinition, Benefit
from verifier.report import VerificationReport
from verifier.verdict import issuer_label, parse_time, plain_date

# Checks that say whether the credential is authentic; validity and status are judged on
# their own (a benefit may not need an active badge), the recipient is not the employer's
# business here.
_TIME_AND_STATUS = {"validity", "status", "recipient"}


@dataclass(frozen=True)
class KnownBadge:
    definition: BadgeDefinition
    issuer_id: str  # the only issuer whose credentials of this badge carry its benefits


@dataclass(frozen=True)
class AwardFacts:
    """What the issuer knows about one award, beyond the credential."""

    graduation_year: int | None
    pathway_name: str
    pathway_certification_active: bool
    pathway_certification: (
        str  # e.g. "Silver, until 30 June 2027" or "Silver, lapsed on 31 January 2026"
    )


class BenefitSource(Protocol):
    def badge_for(self, achievement_id: str) -> KnownBadge | None:
        """The badge definition whose achievement has this id, with its issuer."""
        ...

    def award_facts(self, credential_id: str) -> AwardFacts | None:
        """Facts about the award with this credential id (None: not one of ours)."""
        ...


@dataclass(frozen=True)
class Reason:
    met: bool
    text: str


@dataclass(frozen=True)
class BenefitDecision:
    benefit: Benefit
    eligible: bool
    reasons: tuple[Reason, ...]

    def to_json(self) -> dict[str, Any]:
        claim = self.benefit.how_to_claim
        return {
            "key": self.benefit.key,
            "title": self.benefit.title,
            "provider": self.benefit.provider,
            "description": self.benefit.description,
            "eligible": self.eligible,
            "one_time": self.benefit.one_time,
            "reasons": [{"met": r.met, "reason": r.text} for r in self.reasons],
            "how_to_claim": {
                "contact": claim.contact,
                "instructions": claim.instructions,
                "url": claim.url,
            },
        }


@dataclass(frozen=True)
class BenefitsResult:
    badge: str | None  # the badge definition's name, None when no definition is known
    decisions: tuple[BenefitDecision, ...]
    message: str

    def to_json(self) -> dict[str, Any]:
        return {
            "badge": self.badge,
            "message": self.message,
            "benefits": [decision.to_json() for decision in self.decisions],
        }


def _authentic(report: VerificationReport) -> Reason:
    failed = [c for c in report.checks if c.status == "failed" and c.id not in _TIME_AND_STATUS]
    if not report.checks or failed:
        why = failed[0].message if failed else "nothing was checked"
        return Reason(False, f"The badge could not be verified: {why}")
    return Reason(True, "The badge is verified (signature, issuer and format)")


def _issuer(report: VerificationReport, known: KnownBadge) -> Reason:
    summary = report.credential
    issuer = issuer_label(summary.issuer_name, summary.issuer_id)
    if summary.issuer_id == known.issuer_id:
        return Reason(True, f"Issued by {issuer}")
    return Reason(False, f"Issued by {issuer}, not by the organisation that awards this badge")


def _not_revoked(report: VerificationReport) -> Reason:
    check = report.check("status")
    if report.credential.status in ("revoked", "suspended"):
        return Reason(False, f"The badge has been {report.credential.status} by its issuer")
    if check is not None and check.status == "failed":
        return Reason(False, f"Whether the badge was revoked could not be checked: {check.message}")
    if check is None or (check.status == "skipped" and report.credential.status != "active"):
        return Reason(False, "Whether the badge was revoked could not be checked")
    return Reason(True, "Not revoked")


def _not_expired(report: VerificationReport) -> Reason:
    check = report.check("validity")
    if check is None or check.status == "failed":
        return Reason(False, check.message if check else "The validity dates were not checked")
    until = parse_time(report.credential.valid_until)
    return Reason(
        True, f"Not expired (valid until {plain_date(until)})" if until else "Does not expire"
    )


def _decide(
    benefit: Benefit, base: list[Reason], active: list[Reason], facts: AwardFacts | None
) -> BenefitDecision:
    conditions = benefit.conditions
    reasons = list(base)
    if conditions.requires_active_badge:
        reasons += active
    if conditions.requires_pathway_certification_active:
        if facts is None:
            reasons.append(Reason(False, "The pathway's certification could not be confirmed"))
        elif facts.pathway_certification_active:
            reasons.append(
                Reason(
                    True,
                    f"{facts.pathway_name}'s certification is active "
                    f"({facts.pathway_certification})",
                )
            )
        else:
            reasons.append(
                Reason(
                    False,
                    f"{facts.pathway_name}'s certification is no longer active "
                    f"({facts.pathway_certification})",
                )
            )
    low, high = conditions.graduation_year_min, conditions.graduation_year_max
    if low is not None or high is not None:
        span = f"{low or '…'} to {high or '…'}"
        year = facts.graduation_year if facts else None
        if year is None:
            reasons.append(Reason(False, f"Graduation year unknown (must be {span})"))
        elif (low is None or year >= low) and (high is None or year <= high):
            reasons.append(Reason(True, f"Graduation year {year} is within {span}"))
        else:
            reasons.append(Reason(False, f"Graduation year {year} is outside {span}"))
    return BenefitDecision(benefit, all(r.met for r in reasons), tuple(reasons))


def decide(
    report: VerificationReport, known: KnownBadge | None, facts: AwardFacts | None
) -> BenefitsResult:
    """Each benefit of ``known``'s badge, eligible or not, with every reason."""
    if known is None:
        return BenefitsResult(None, (), "No benefits are known for this badge")
    base = [_authentic(report), _issuer(report, known)]
    active = [_not_revoked(report), _not_expired(report)]
    decisions = tuple(_decide(b, base, active, facts) for b in known.definition.benefits)
    eligible = sum(d.eligible for d in decisions)
    return BenefitsResult(
        known.definition.name,
        decisions,
        f"{eligible} of {len(decisions)} benefits available to the holder of this badge"
        if len(decisions) != 1
        else f"{'The' if eligible else 'No'} benefit available to the holder of this badge",
    )


def benefits_for(report: VerificationReport, source: BenefitSource | None) -> BenefitsResult:
    """Look the badge and the award up in ``source``, then :func:`decide`."""
    summary = report.credential
    known = source.badge_for(summary.achievement_id) if source and summary.achievement_id else None
    facts = None
    # The issuer's facts only for its own awards.
    if (
        source is not None
        and known is not None
        and summary.id
        and summary.issuer_id == known.issuer_id
    ):
        facts = source.award_facts(summary.id)
    return decide(report, known, facts)
