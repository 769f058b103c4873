"""The ``schema`` check: the credential against the OB 3.0 JSON Schema (OB 3.0 §9.1 step 2),
with the first five violations and their paths."""

from __future__ import annotations

from typing import Any

from schemas.validation import validate_credential
from verifier.checks.common import Checks


def check_schema(credential: dict[str, Any], checks: Checks) -> None:
    """``schema``: passed, or failed naming up to five violations."""
    violations = validate_credential(credential)
    if violations:
        shown = "; ".join(f"{v.path}: {v.message}" for v in violations[:5])
        more = f" (and {len(violations) - 5} more)" if len(violations) > 5 else ""
        checks.add(
            "schema", "failed", f"Does not match the Open Badges 3.0 JSON Schema: {shown}{more}"
        )
    else:
        checks.add("schema", "passed", "Matches the Open Badges 3.0 JSON Schema")
