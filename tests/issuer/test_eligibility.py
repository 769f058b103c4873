"""Every eligibility rule, as pure functions over values."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from badge_definitions import load_definition
from badge_definitions.loader import DEFINITIONS_DIR
from issuer.eligibility import HeldAward, PathwayFacts, check

BADGE = load_definition(DEFINITIONS_DIR / "health-care-industry-badge.yaml")
ALL_MET = {key: True for key in BADGE.criterion_keys}
NOW = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)


def pathway(
    level: str = "silver", sector: str = "health", expires_on: date | None = date(2027, 6, 30)
) -> PathwayFacts:
    return PathwayFacts("Lincoln High Health Academy", sector, level, expires_on)


def run(
    *,
    facts: PathwayFacts | None = None,
    met: dict[str, bool] | None = None,
    held: list[HeldAward] | None = None,
):
    return check(
        student_name="Maria Lopez",
        pathway=facts or pathway(),
        badge=BADGE,
        criteria_met=ALL_MET if met is None else met,
        held_awards=held or [],
        now=NOW,
    )


@pytest.mark.parametrize("level", ["silver", "gold"])
def test_active_silver_or_gold_health_pathway_with_every_criterion_met_is_eligible(level):
    result = run(facts=pathway(level))
    assert result.eligible, result.messages


def test_lapsed_silver_certification_is_refused_with_the_expiry_date():
    result = run(facts=pathway("silver", expires_on=date(2026, 6, 30)))
    assert not result.eligible
    assert [f.rule for f in result.failures] == ["certification_active"]
    assert result.messages == [
        "Lincoln High Health Academy's Silver certification expired on 30 June 2026; "
        "the badge needs an active Silver or Gold certification."
    ]


def test_certification_lapses_on_its_expiry_day_not_after():
    assert not run(facts=pathway(expires_on=NOW.date())).eligible
    assert run(facts=pathway(expires_on=date(2026, 9, 2))).eligible


def test_candidate_pathway_is_refused():
    result = run(facts=pathway("candidate"))
    assert [f.rule for f in result.failures] == ["certification_level"]
    assert "holds a Candidate certification" in result.messages[0]
    assert "needs an active Silver or Gold certification" in result.messages[0]


def test_wrong_sector_is_refused():
    result = run(facts=PathwayFacts("Delta Engineering Academy", "engineering", "gold", None))
    assert [f.rule for f in result.failures] == ["sector"]
    assert result.messages[0] == (
        "Delta Engineering Academy is in the engineering sector; "
        "the Health Care Industry Badge is only for health pathways."
    )


def test_missing_and_unmet_criteria_are_each_named():
    met = dict(ALL_MET)
    del met["cpr-bls-certification"]
    met["hipaa-privacy-training"] = False
    result = run(met=met)
    assert [f.rule for f in result.failures] == [
        "criterion:cpr-bls-certification",
        "criterion:hipaa-privacy-training",
    ]
    assert "“Current CPR/BLS certification” has not been recorded yet" in result.messages[0]
    assert "“HIPAA and patient-privacy training” is recorded as not met" in result.messages[1]


def test_every_failed_rule_is_reported_at_once():
    result = run(
        facts=PathwayFacts("Delta Engineering Academy", "engineering", "candidate", None), met={}
    )
    rules = [f.rule for f in result.failures]
    assert rules[:2] == ["sector", "certification_level"]
    assert len(rules) == 2 + len(BADGE.criteria)


def test_already_holding_an_active_award_is_refused():
    held = [HeldAward("urn:uuid:1", datetime(2027, 1, 1, tzinfo=UTC), revoked=False)]
    result = run(held=held)
    assert [f.rule for f in result.failures] == ["already_awarded"]
    assert result.messages[0].endswith(
        "already holds an active Health Care Industry Badge, valid until 1 January 2027."
    )


def test_reissue_is_allowed_after_expiry_or_revocation():
    expired = HeldAward("urn:uuid:old", datetime(2026, 8, 31, tzinfo=UTC), revoked=False)
    revoked = HeldAward("urn:uuid:rev", datetime(2028, 1, 1, tzinfo=UTC), revoked=True)
    assert run(held=[expired, revoked]).eligible
