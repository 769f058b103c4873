"""The ``json-ld`` check: JSON-LD safe mode and compact form (``schemas.safe_mode``): every
property and type is defined by the credential's contexts (VC DM 2.0 §4.1), and spelled as
their terms, so what a JSON reader sees is what was signed."""

from __future__ import annotations

from typing import Any

from schemas.loader import ContextNotPinned
from schemas.safe_mode import json_ld_problems
from verifier.checks.common import Checks


def check_json_ld(credential: dict[str, Any], checks: Checks) -> None:
    """``json-ld``: skipped when the ``context`` check failed; failed naming up to five
    problems with their paths."""
    if checks.failed("context"):
        checks.add("json-ld", "skipped", "Skipped: the contexts are not usable")
        return
    try:
        problems = json_ld_problems(credential)
    except ContextNotPinned as error:
        checks.add("json-ld", "failed", str(error))
        return
    except Exception as error:
        checks.add("json-ld", "failed", f"JSON-LD processing failed: {error}")
        return
    if problems:
        shown = "; ".join(f"{p.path}: {p.message}" for p in problems[:5])
        checks.add(
            "json-ld",
            "failed",
            f"Not every property is defined by the credential's contexts: {shown}",
        )
    else:
        checks.add(
            "json-ld", "passed", "Every property and type is defined by the published contexts"
        )
