"""Read badge definition YAML files into frozen dataclasses.

Every problem is reported with the file and the dotted key it concerns
(``health-care-industry-badge.yaml: criteria[2].title: required key is missing``); unknown keys
are errors, so a typo such as ``minimum_certfication`` cannot silently drop a rule.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

DEFINITIONS_DIR = Path(__file__).resolve().parent
CERTIFICATION_LEVELS = ("candidate", "silver", "gold")  # lowest to highest
ASSESSORS = ("school", "employer")  # who records a criterion's result
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class BadgeDefinitionError(ValueError):
    """One or more problems in one badge definition file; ``errors`` lists each of them."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass(frozen=True)
class Employer:
    slug: str
    name: str
    url: str
    email: str | None = None


@dataclass(frozen=True)
class Criterion:
    key: str
    title: str
    description: str
    evidence: str | None = None
    assessed_by: str = "school"  # school (pathway staff) | employer (the employer's partners)

    @property
    def employer_assessed(self) -> bool:
        return self.assessed_by == "employer"


@dataclass(frozen=True)
class Alignment:
    target_name: str
    target_url: str
    target_framework: str | None = None
    target_code: str | None = None
    target_description: str | None = None


@dataclass(frozen=True)
class Eligibility:
    sector: str
    minimum_certification: str
    certification_must_be_active: bool = True


@dataclass(frozen=True)
class Validity:
    """How long an award stays valid; ``None`` for both means it never expires."""

    years: int = 0
    months: int = 0

    @property
    def expires(self) -> bool:
        return bool(self.years or self.months)

    def valid_until(self, valid_from: datetime) -> datetime | None:
        """Same day and time ``years``/``months`` later (clamped to the month's last day)."""
        if not self.expires:
            return None
        total = valid_from.month - 1 + self.months + 12 * self.years
        year, month = valid_from.year + total // 12, total % 12 + 1
        day = min(valid_from.day, calendar.monthrange(year, month)[1])
        return valid_from.replace(year=year, month=month, day=day)


@dataclass(frozen=True)
class HowToClaim:
    contact: str
    instructions: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class BenefitConditions:
    requires_active_badge: bool = True
    requires_pathway_certification_active: bool = False
    graduation_year_min: int | None = None
    graduation_year_max: int | None = None


@dataclass(frozen=True)
class Benefit:
    key: str
    title: str
    provider: str
    description: str
    how_to_claim: HowToClaim
    conditions: BenefitConditions = field(default_factory=BenefitConditions)
    # Granted at most once per award (exam funding paid, an interview offered): an employer
    # records the grant, and later scans say "already granted on DATE".
    one_time: bool = False


@dataclass(frozen=True)
class BadgeDefinition:
    slug: str
    version: int
    name: str
    description: str
    image: str
    employer: Employer
    criteria: tuple[Criterion, ...]
    alignments: tuple[Alignment, ...]
    eligibility: Eligibility
    validity: Validity
    benefits: tuple[Benefit, ...] = ()
    tags: tuple[str, ...] = ()
    field_of_study: str | None = None
    source: str = ""  # file name, for messages

    def criterion(self, key: str) -> Criterion | None:
        return next((c for c in self.criteria if c.key == key), None)

    @property
    def criterion_keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.criteria)


class _Fields:
    """Reads one YAML mapping, recording problems against ``file: path.key``."""

    def __init__(self, data: Any, path: str, errors: list[str], source: str) -> None:
        self.path, self.errors, self.source = path, errors, source
        self.seen: set[str] = set()
        if not isinstance(data, dict):
            self.error(path or "(top level)", f"must be a mapping, got {type(data).__name__}")
            data = {}
        self.data = data

    def key_path(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def error(self, key_path: str, message: str) -> None:
        self.errors.append(f"{self.source}: {key_path}: {message}")

    def get(
        self, key: str, kind: type | tuple[type, ...], *, required: bool = True, default: Any = None
    ) -> Any:
        self.seen.add(key)
        if key not in self.data or self.data[key] is None:
            if required:
                self.error(self.key_path(key), "required key is missing")
            return default
        value = self.data[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        # bool is an int in Python; a YAML `yes` must not pass for a number
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            names = " or ".join(k.__name__ for k in kinds)
            self.error(self.key_path(key), f"must be {names}, got {type(value).__name__}")
            return default
        if isinstance(value, str) and not value.strip():
            self.error(self.key_path(key), "must not be empty")
            return default
        return value.strip() if isinstance(value, str) else value

    def nested(self, key: str, *, required: bool = True) -> _Fields | None:
        value = self.get(key, dict, required=required)
        return (
            None if value is None else _Fields(value, self.key_path(key), self.errors, self.source)
        )

    def items(self, key: str, *, required: bool = True) -> list[_Fields]:
        value = self.get(key, list, required=required, default=[])
        if required and value == []:
            if key in self.data:
                self.error(self.key_path(key), "must list at least one entry")
            return []
        return [
            _Fields(item, f"{self.key_path(key)}[{i}]", self.errors, self.source)
            for i, item in enumerate(value)
        ]

    def done(self) -> None:
        for key in self.data:
            if key not in self.seen:
                self.error(self.key_path(str(key)), "unknown key")


def _slug(fields: _Fields, key: str) -> str:
    value = fields.get(key, str, default="")
    if value and not _SLUG.match(value):
        fields.error(fields.key_path(key), f"{value!r} must be lower-case words joined by '-'")
    return value


def _url(fields: _Fields, key: str, *, required: bool = True) -> str | None:
    value = fields.get(key, str, required=required)
    if value and not value.startswith(("https://", "http://")):
        fields.error(fields.key_path(key), f"{value!r} must be an http(s) URL")
    return value


def _unique(fields: list[_Fields], values: list[str], what: str) -> None:
    seen: set[str] = set()
    for item, value in zip(fields, values, strict=True):
        if value in seen:
            item.error(item.key_path("key"), f"duplicate {what} {value!r}")
        seen.add(value)


def _employer(f: _Fields) -> Employer:
    employer = Employer(
        slug=_slug(f, "slug"),
        name=f.get("name", str),
        url=_url(f, "url"),
        email=f.get("email", str, required=False),
    )
    f.done()
    return employer


def _criterion(f: _Fields) -> Criterion:
    criterion = Criterion(
        key=_slug(f, "key"),
        title=f.get("title", str),
        description=f.get("description", str),
        evidence=f.get("evidence", str, required=False),
        assessed_by=f.get("assessed_by", str, required=False, default="school"),
    )
    if criterion.assessed_by not in ASSESSORS:
        f.error(
            f.key_path("assessed_by"),
            f"{criterion.assessed_by!r} must be one of {', '.join(ASSESSORS)}",
        )
    f.done()
    return criterion


def _alignment(f: _Fields) -> Alignment:
    alignment = Alignment(
        target_name=f.get("target_name", str),
        target_url=_url(f, "target_url"),
        target_framework=f.get("target_framework", str, required=False),
        target_code=f.get("target_code", (str, int, float), required=False),
        target_description=f.get("target_description", str, required=False),
    )
    if alignment.target_code is not None:  # YAML reads 31-9092 as text but 51.0801 as a number
        alignment = Alignment(**{**alignment.__dict__, "target_code": str(alignment.target_code)})
    f.done()
    return alignment


def _eligibility(f: _Fields) -> Eligibility:
    minimum = f.get("minimum_certification", str, default="")
    if minimum and minimum.lower() not in CERTIFICATION_LEVELS:
        f.error(
            f.key_path("minimum_certification"),
            f"{minimum!r} must be one of {', '.join(CERTIFICATION_LEVELS)}",
        )
    eligibility = Eligibility(
        sector=f.get("sector", str, default="").lower(),
        minimum_certification=minimum.lower(),
        certification_must_be_active=f.get(
            "certification_must_be_active", bool, required=False, default=True
        ),
    )
    f.done()
    return eligibility


def _validity(f: _Fields | None) -> Validity:
    if f is None:
        return Validity()
    years = f.get("years", int, required=False, default=0)
    months = f.get("months", int, required=False, default=0)
    if years < 0 or months < 0:
        f.error(f.path, "years and months must not be negative")
    f.done()
    return Validity(years=years, months=months)


def _benefit(f: _Fields) -> Benefit:
    key, title = _slug(f, "key"), f.get("title", str)
    provider, description = f.get("provider", str), f.get("description", str)
    one_time = f.get("one_time", bool, required=False, default=False)
    claim = f.nested("how_to_claim")
    how_to_claim = HowToClaim(contact="")
    if claim is not None:
        how_to_claim = HowToClaim(
            contact=claim.get("contact", str),
            instructions=claim.get("instructions", str, required=False),
            url=_url(claim, "url", required=False),
        )
        claim.done()
    conditions = BenefitConditions()
    cond = f.nested("conditions", required=False)
    if cond is not None:
        years = cond.nested("graduation_year", required=False)
        low = high = None
        if years is not None:
            low = years.get("min", int, required=False)
            high = years.get("max", int, required=False)
            if low is not None and high is not None and low > high:
                years.error(years.path, f"min {low} is after max {high}")
            years.done()
        conditions = BenefitConditions(
            requires_active_badge=cond.get(
                "requires_active_badge", bool, required=False, default=True
            ),
            requires_pathway_certification_active=cond.get(
                "requires_pathway_certification_active", bool, required=False, default=False
            ),
            graduation_year_min=low,
            graduation_year_max=high,
        )
        cond.done()
    f.done()
    return Benefit(
        key=key,
        title=title,
        provider=provider,
        description=description,
        how_to_claim=how_to_claim,
        conditions=conditions,
        one_time=one_time,
    )


def parse_definition(data: Any, source: str) -> BadgeDefinition:
    """Validate already-parsed YAML; raise :class:`BadgeDefinitionError` listing every problem."""
    errors: list[str] = []
    top = _Fields(data, "", errors, source)
    slug, version = _slug(top, "slug"), top.get("version", int, default=0)
    if version is not None and version < 1:
        top.error("version", "must be a positive whole number")
    name, description = top.get("name", str), top.get("description", str)
    image = top.get("image", str)
    tags = top.get("tags", list, required=False, default=[])
    if not all(isinstance(t, str) for t in tags):
        top.error("tags", "must be a list of text")
    field_of_study = top.get("field_of_study", str, required=False)
    employer_fields = top.nested("employer")
    employer = _employer(employer_fields) if employer_fields else None
    criteria_fields = top.items("criteria")
    criteria = [_criterion(f) for f in criteria_fields]
    _unique(criteria_fields, [c.key for c in criteria], "criterion key")
    alignments = [_alignment(f) for f in top.items("alignments", required=False)]
    eligibility_fields = top.nested("eligibility")
    eligibility = _eligibility(eligibility_fields) if eligibility_fields else None
    validity = _validity(top.nested("validity", required=False))
    benefit_fields = top.items("benefits", required=False)
    benefits = [_benefit(f) for f in benefit_fields]
    _unique(benefit_fields, [b.key for b in benefits], "benefit key")
    top.done()
    if errors:
        raise BadgeDefinitionError(errors)
    assert employer is not None and eligibility is not None  # a missing one is an error above
    return BadgeDefinition(
        slug=slug,
        version=version,
        name=name,
        description=description,
        image=image,
        employer=employer,
        criteria=tuple(criteria),
        alignments=tuple(alignments),
        eligibility=eligibility,
        validity=validity,
        benefits=tuple(benefits),
        tags=tuple(tags),
        field_of_study=field_of_study,
        source=source,
    )


def load_file(path: str | Path) -> tuple[BadgeDefinition, dict[str, Any]]:
    """Load and validate one YAML file: the definition and the mapping it was read from."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise BadgeDefinitionError([f"{path.name}: not valid YAML: {exc}"]) from exc
    definition = parse_definition(data, path.name)
    if definition.slug != path.stem:
        raise BadgeDefinitionError(
            [f"{path.name}: slug: {definition.slug!r} must match the file name {path.stem!r}"]
        )
    return definition, data


def load_definition(path: str | Path) -> BadgeDefinition:
    """Load and validate one YAML file."""
    return load_file(path)[0]


def load_files(
    directory: str | Path | None = None,
) -> tuple[tuple[BadgeDefinition, dict[str, Any]], ...]:
    """Every ``*.yaml`` in ``directory`` (default: this package) as (definition, mapping),
    sorted by file name. All files are checked before raising, so one run reports every
    broken file."""
    paths: Iterable[Path] = sorted(Path(directory or DEFINITIONS_DIR).glob("*.yaml"))
    loaded, errors = [], []
    for path in paths:
        try:
            loaded.append(load_file(path))
        except BadgeDefinitionError as exc:
            errors.extend(exc.errors)
    if errors:
        raise BadgeDefinitionError(errors)
    return tuple(loaded)


def load_definitions(directory: str | Path | None = None) -> tuple[BadgeDefinition, ...]:
    """Every definition in ``directory`` (default: this package), sorted by file name."""
    return tuple(definition for definition, _ in load_files(directory))


def certification_rank(level: str) -> int:
    """Position of a certification level (candidate < silver < gold); ValueError if unknown."""
    return CERTIFICATION_LEVELS.index(level.lower())
