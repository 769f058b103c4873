"""The rules under the cohort pages (issue #12): who records an employer-assessed criterion,
what the credential says about its assessor, the badge definition's ``assessed_by`` and the
CSV reading and neutralising every upload and export goes through."""

from __future__ import annotations

import pytest

from badge_definitions import BadgeDefinitionError, load_definition, parse_definition
from badge_definitions.loader import DEFINITIONS_DIR
from issuer import csv_files, permissions
from issuer.models import Organisation, OrganisationKind, Role
from issuer.services import criteria, issuance, users
from tests.issuer.conftest import SITE

PCA = "patient-communication-assessment"


def test_the_health_care_badge_marks_the_patient_communication_rubric_employer_assessed():
    definition = load_definition(DEFINITIONS_DIR / "health-care-industry-badge.yaml")
    assessed = {c.key: c.assessed_by for c in definition.criteria}
    assert assessed[PCA] == "employer"
    assert {v for k, v in assessed.items() if k != PCA} == {"school"}


def test_an_unknown_assessor_is_an_error_naming_the_key():
    import yaml

    path = DEFINITIONS_DIR / "health-care-industry-badge.yaml"
    data = yaml.safe_load(path.read_text())
    data["criteria"][0]["assessed_by"] = "mentor"
    with pytest.raises(BadgeDefinitionError, match=r"criteria\[0\]\.assessed_by: 'mentor'"):
        parse_definition(data, "x.yaml")


def _partner(world, email: str, organisation: Organisation):
    return users.create_user(
        world.session,
        email=email,
        name="Pat Partner",
        role=Role.EMPLOYER_PARTNER,
        organisation=organisation,
        password="correct horse battery",
        actor=None,
        now=world.now,
    )


def test_only_the_employers_partners_record_an_employer_assessed_criterion(world):
    student = world.student(world.pathways.silver, "Ana Chen", met=())
    sutter = _partner(world, "p@sutterhealth.example.org", world.badge.employer)
    other_org = Organisation(slug="otherco", name="Other Co", kind=OrganisationKind.EMPLOYER)
    world.session.add(other_org)
    other = _partner(world, "p@other.example.org", other_org)

    def record(actor, key: str) -> None:
        criteria.record_result(
            world.session, student=student, badge=world.badge, criterion_key=key, met=True,
            actor=actor, now=world.now,
        )  # fmt: skip

    for school_staff in (world.lincoln_admin, world.admin):
        with pytest.raises(permissions.PermissionDenied, match="assessed by Sutter Health"):
            record(school_staff, PCA)
    with pytest.raises(permissions.PermissionDenied):
        record(other, PCA)
    with pytest.raises(permissions.PermissionDenied):
        record(sutter, "cpr-bls-certification")
    record(sutter, PCA)
    record(world.lincoln_admin, "cpr-bls-certification")


def test_the_credential_names_the_employer_as_assessor_of_its_criterion(world, fake_signer):
    """OB 3.0 Evidence (name, description, genre; id optional): one entry per employer-assessed
    criterion, the others keep their evidence links."""
    student = world.student(world.pathways.silver, "Ana Chen")
    award = issuance.issue_badge(
        world.session, student=student, badge=world.badge, actor=None, signer=fake_signer,
        site=SITE, now=world.now,
    )  # fmt: skip
    evidence = {e["name"]: e for e in award.credential_json["evidence"]}
    assessed = evidence["Patient-communication assessment"]
    assert assessed["genre"] == "Employer assessment"
    assert assessed["description"] == (
        f"Assessed by Sutter Health (employer mentor) on {world.now.date().isoformat()}."
    )
    assert assessed["id"] == f"https://evidence.example.org/{PCA}"
    school = evidence["Current CPR/BLS certification"]
    assert "genre" not in school and school["id"].endswith("cpr-bls-certification")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+44 20", "'+44 20"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Zoë", "Zoë"),
        ("a=b", "a=b"),
        (None, ""),
        (2027, "2027"),
    ],
)
def test_neutralise(value, expected):
    assert csv_files.neutralise(value) == expected


def test_read_rows_refuses_what_it_cannot_use():
    with pytest.raises(csv_files.CsvFileError, match="larger than 2 MB"):
        csv_files.read_rows(b"a\n" + b"x" * csv_files.MAX_UPLOAD_BYTES, required=("a",))
    with pytest.raises(csv_files.CsvFileError, match="a column appears twice"):
        csv_files.read_rows(b"a,a\n1,2\n", required=("a",))
    many = b"a\n" + b"1\n" * (csv_files.MAX_ROWS + 1)
    with pytest.raises(csv_files.CsvFileError, match="more than 10,000 rows"):
        csv_files.read_rows(many, required=("a",))
    rows = csv_files.read_rows(b"\xef\xbb\xbfA, b\n 1 ,\n\n3\n", required=("a",), optional=("b",))
    assert rows == [(2, {"a": "1", "b": ""}), (4, {"a": "3", "b": ""})]
    assert csv_files.formula_cells({"a": "=x", "b": "y"}) == ["a"]
