"""Badge definitions: one YAML file per badge, loaded into frozen dataclasses.

A leaf package: it imports nothing of ours and no SQLAlchemy, so the issuer and the verifier
can both read it.
"""

from badge_definitions.loader import (
    ASSESSORS,
    CERTIFICATION_LEVELS,
    DEFINITIONS_DIR,
    Alignment,
    BadgeDefinition,
    BadgeDefinitionError,
    Benefit,
    BenefitConditions,
    Criterion,
    Eligibility,
    Employer,
    HowToClaim,
    Validity,
    certification_rank,
    load_definition,
    load_definitions,
    load_file,
    load_files,
    parse_definition,
)

__all__ = [
    "ASSESSORS",
    "CERTIFICATION_LEVELS",
    "DEFINITIONS_DIR",
    "Alignment",
    "BadgeDefinition",
    "BadgeDefinitionError",
    "Benefit",
    "BenefitConditions",
    "Criterion",
    "Eligibility",
    "Employer",
    "HowToClaim",
    "Validity",
    "certification_rank",
    "load_definition",
    "load_definitions",
    "load_file",
    "load_files",
    "parse_definition",
]
