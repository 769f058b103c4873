"""The badge definition loader: the shipped file loads; mistakes name the file and the key."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from badge_definitions import BadgeDefinitionError, load_definition, load_definitions
from badge_definitions.loader import DEFINITIONS_DIR

SHIPPED = DEFINITIONS_DIR / "health-care-industry-badge.yaml"


def write(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(SHIPPED.read_text())
    change(data)
    path = tmp_path / "health-care-industry-badge.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def errors_of(path: Path) -> list[str]:
    with pytest.raises(BadgeDefinitionError) as caught:
        load_definition(path)
    return caught.value.errors


def test_the_health_care_badge_loads_with_its_employer_rules_and_benefits():
    (badge,) = load_definitions()
    assert badge.slug == "health-care-industry-badge"
    assert badge.employer.name == "Sutter Health"
    assert len(badge.criteria) == 5
    assert badge.eligibility.sector == "health"
    assert badge.eligibility.minimum_certification == "silver"
    assert badge.eligibility.certification_must_be_active
    assert {a.target_code for a in badge.alignments} >= {"31-9092.00"}
    exam = next(b for b in badge.benefits if b.key == "medical-assisting-exam-funding")
    assert exam.conditions.requires_pathway_certification_active
    assert (exam.conditions.graduation_year_min, exam.conditions.graduation_year_max) == (
        2025,
        2028,
    )
    assert exam.how_to_claim.contact == "earlycareers@sutterhealth.org"


def test_unknown_key_is_an_error_naming_file_and_key(tmp_path):
    path = write(tmp_path, lambda d: d["eligibility"].update(minimum_certfication="gold"))
    assert errors_of(path) == [
        "health-care-industry-badge.yaml: eligibility.minimum_certfication: unknown key"
    ]


def test_missing_field_is_an_error_naming_file_and_key(tmp_path):
    path = write(tmp_path, lambda d: d["criteria"][2].pop("title"))
    assert errors_of(path) == [
        "health-care-industry-badge.yaml: criteria[2].title: required key is missing"
    ]


def test_every_problem_is_reported_together(tmp_path):
    def break_it(d):
        d["version"] = "two"
        d["benefits"][0]["conditions"]["requires_active_badge"] = "yes please"
        d["eligibility"]["minimum_certification"] = "platinum"
        d["criteria"][1]["key"] = d["criteria"][0]["key"]

    errors = errors_of(write(tmp_path, break_it))
    assert "health-care-industry-badge.yaml: version: must be int, got str" in errors
    assert (
        "health-care-industry-badge.yaml: benefits[0].conditions.requires_active_badge: "
        "must be bool, got str"
    ) in errors
    assert (
        "health-care-industry-badge.yaml: eligibility.minimum_certification: 'platinum' "
        "must be one of candidate, silver, gold"
    ) in errors
    assert any("criteria[1].key: duplicate criterion key" in e for e in errors)


def test_slug_must_match_the_file_name(tmp_path):
    path = write(tmp_path, lambda d: d.update(slug="another-badge"))
    assert errors_of(path) == [
        "health-care-industry-badge.yaml: slug: 'another-badge' must "
        "match the file name 'health-care-industry-badge'"
    ]


def test_validity_adds_calendar_years_and_months():
    badge = load_definition(SHIPPED)
    start = datetime(2028, 2, 29, 9, 0, tzinfo=UTC)
    assert badge.validity.valid_until(start) == datetime(2030, 2, 28, 9, 0, tzinfo=UTC)
