"""The ``validity`` check: today lies within ``validFrom``/``validUntil`` (VC DM 2.0 §4.9), or
``issuanceDate``/``expirationDate`` for VC DM 1.1, with the context's clock skew allowed for
the issuer's clock."""

from __future__ import annotations

from typing import Any

from verifier.checks.common import Checks, VerificationContext, parse_time


def check_validity(
    credential: dict[str, Any], context: VerificationContext, checks: Checks
) -> None:
    """``validity``: failed for an unreadable date, a start later than now plus the clock
    skew, or an end at or before now."""
    now = context.now()
    start_name = "validFrom" if "validFrom" in credential else "issuanceDate"
    end_name = "validUntil" if "validUntil" in credential else "expirationDate"
    start, end = credential.get(start_name), credential.get(end_name)
    start_time, end_time = parse_time(start), parse_time(end)
    if start is not None and start_time is None:
        checks.add("validity", "failed", f"{start_name} {start!r} is not a date-time")
    elif end is not None and end_time is None:
        checks.add("validity", "failed", f"{end_name} {end!r} is not a date-time")
    elif start_time and start_time > now + context.clock_skew:
        # the same allowance for the issuer's clock as proof ``created`` and JWT ``nbf``
        checks.add("validity", "failed", f"Not valid yet: valid from {start}")
    elif end_time and end_time <= now:
        checks.add("validity", "failed", f"Expired on {end}")
    else:
        until = f" until {end}" if end else ""
        checks.add("validity", "passed", f"Valid from {start}{until}" if start else f"Valid{until}")
