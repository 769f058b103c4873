"""The ``issuer-recognized`` check, apart from ``proof``: whether the Alliance's signed registry
lists the issuer (``verifier.trust``; a "warning" when not). The registry is itself a
credential, verified here with the ``proof``/``issuer`` and ``validity`` checks."""

from __future__ import annotations

from typing import Any

from verifier.checks.common import Checks, VerificationContext, issuer_id
from verifier.checks.proof import check_embedded_proofs
from verifier.checks.validity import check_validity
from verifier.trust import check_recognition


def check_issuer_recognized(
    credential: dict[str, Any], context: VerificationContext, checks: Checks
) -> bool | None:
    """``issuer-recognized``, made only for a credential signed by its issuer. Returns the
    summary's ``issuer_recognized`` (None: not looked up)."""
    if context.registry is None:
        return None
    statuses = {check.id: check.status for check in checks.items}
    if statuses.get("proof") != "passed" or statuses.get("issuer") != "passed":
        checks.add(
            "issuer-recognized",
            "skipped",
            "Skipped: recognition is looked up only for a credential signed by its issuer",
        )
        return None
    result = check_recognition(
        issuer_id(credential),
        context.registry,
        context.resolver,
        lambda document: _registry_problem(document, context),
    )
    checks.add("issuer-recognized", result.status, result.message)  # type: ignore[arg-type]
    return result.recognized


def _registry_problem(document: dict[str, Any], context: VerificationContext) -> str | None:
    """The registry is a credential: its proof must verify with a key of its issuer, and it
    must be within its validity dates. The first problem, or None."""
    registry_checks = Checks()
    check_embedded_proofs(document, context, registry_checks)
    check_validity(document, context, registry_checks)
    failed = [c for c in registry_checks.items if c.status == "failed"]
    return failed[0].message if failed else None
