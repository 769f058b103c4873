"""The ``issuer`` check: the key that signed belongs to the credential's issuer (OB 3.0 verification:
the issuer's controller must match), and a VC-JWT's registered claims agree with the
credential's properties (``verifier.jwt_claims``). Made right after the ``proof`` check, or
skipped with the reason that check gives."""

from __future__ import annotations

from typing import Any

from keys.proofs.jose import DecodedJws
from verifier.checks.common import Checks, VerificationContext
from verifier.jwt_claims import claim_problems


def skip_issuer(checks: Checks, reason: str) -> None:
    """``issuer`` skipped because the proof could not be linked to anyone (``reason``)."""
    checks.add("issuer", "skipped", f"Skipped: {reason}")


def check_controllers(controllers: list[str], issuer: str | None, checks: Checks) -> None:
    """``issuer`` for embedded proofs: every proof's key is controlled by ``issuer``."""
    strangers = [c for c in controllers if c != issuer]
    if issuer is None:
        checks.add("issuer", "failed", "The credential names no issuer")
    elif strangers:
        checks.add(
            "issuer", "failed", f"Signed by a key of {strangers[0]}, not of the issuer {issuer}"
        )
    else:
        checks.add("issuer", "passed", f"Signed by a key of the issuer {issuer}")


def check_jwt_issuer(
    decoded: DecodedJws,
    controller: str,
    issuer: str | None,
    credential: dict[str, Any],
    context: VerificationContext,
    checks: Checks,
) -> None:
    """``issuer`` for a VC-JWT: the key's ``controller`` is ``issuer`` and every registered
    claim agrees with its credential property."""
    problems = []
    if controller != issuer:
        problems.append(f"signed by a key of {controller}, not of the issuer {issuer}")
    problems += claim_problems(
        decoded,
        credential,
        now=context.now().timestamp(),
        skew_seconds=context.clock_skew.total_seconds(),
    )
    if problems:
        text = "; ".join(problems)  # DIDs and claims are case-sensitive: no str.capitalize
        checks.add("issuer", "failed", text[:1].upper() + text[1:])
    else:
        checks.add("issuer", "passed", f"Signed by a key of the issuer {issuer}")
