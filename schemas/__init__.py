"""Pinned JSON-LD contexts and their offline loader, RDFC-1.0 canonicalization, JSON-LD safe
mode, and the OB 3.0 JSON Schemas. Imports nothing else of ours: every other package stands on it.
"""

from schemas import _pyld_caches  # noqa: F401 - first: makes pyld's shared caches thread-safe
from schemas.canonical import (
    DEFAULT_BUDGET,
    CanonicalizationBudget,
    CanonicalizationError,
    CanonicalizationTooComplex,
    InvalidJsonLd,
    canonicalize,
)
from schemas.loader import ContextNotPinned, document_loader, is_pinned, pinned_contexts
from schemas.safe_mode import (
    SafeModeProblem,
    SafeModeViolation,
    check_compact_form,
    check_safe_mode,
    json_ld_problems,
    lost_in_expansion,
    require_safe_mode,
)
from schemas.validation import SchemaViolation, validate_credential, validate_profile

__all__ = [
    "DEFAULT_BUDGET",
    "CanonicalizationBudget",
    "CanonicalizationError",
    "CanonicalizationTooComplex",
    "ContextNotPinned",
    "InvalidJsonLd",
    "SafeModeProblem",
    "SafeModeViolation",
    "SchemaViolation",
    "canonicalize",
    "check_compact_form",
    "check_safe_mode",
    "document_loader",
    "is_pinned",
    "json_ld_problems",
    "lost_in_expansion",
    "pinned_contexts",
    "require_safe_mode",
    "validate_credential",
    "validate_profile",
]
