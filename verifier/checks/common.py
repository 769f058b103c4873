"""What every check shares: the injected :class:`VerificationContext`, the :class:`Checks`
being recorded, and the small readers of credential values."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from verifier.limits import DEFAULT_LIMITS, InputLimits
from verifier.report import Check
from verifier.resolvers import DocumentResolver
from verifier.trust import RegistryPolicy


class SigningRecords(Protocol):
    """An issuer's own record of what it signed, and when: the one signing time that does not
    come from the signature itself (the issuer implements it; the verifier never imports it)."""

    def signed_at(self, credential_id: Any, signed: dict[str, Any] | str) -> datetime | None:
        """When the issuer recorded signing exactly ``signed`` (the JSON-LD credential with
        its proof, or the compact JWT) as credential ``credential_id``; None if it did not."""


@dataclass(frozen=True)
class VerificationContext:
    """Everything verification needs from outside, injected: resolvers, clock, limits, and
    the issuer's signing records (to judge signatures by a key reported compromised), and
    the registry of recognized issuers to trust (None: recognition is not checked)."""

    resolver: DocumentResolver
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    limits: InputLimits = DEFAULT_LIMITS
    clock_skew: timedelta = timedelta(minutes=5)
    # CPU seconds shared by every canonicalization and JSON-LD check of one verification,
    # endorsements and status list included (schemas.work_budget); a web request opens its
    # own (VERIFY_WORK_BUDGET_SECONDS), which this one joins.
    work_budget_seconds: float = 0.5
    signing_records: SigningRecords | None = None
    registry: RegistryPolicy | None = None


class Checks:
    """The named checks recorded so far, in order (the report's ``checks``)."""

    def __init__(self) -> None:
        self.items: list[Check] = []

    def add(self, check_id: str, status: str, message: str) -> Check:
        """Record check ``check_id`` with ``status`` (passed, failed, warning, skipped)."""
        check = Check(check_id, status, message)  # type: ignore[arg-type]
        self.items.append(check)
        return check

    def failed(self, *check_ids: str) -> bool:
        """Whether any of ``check_ids`` was recorded as failed."""
        return any(c.id in check_ids and c.status == "failed" for c in self.items)


def as_list(value: Any) -> list[Any]:
    """A JSON-LD value as a list: None is empty, a single value a list of one."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def issuer_id(credential: dict[str, Any]) -> str | None:
    """``issuer`` or ``issuer.id``, when it is a string."""
    issuer = credential.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 date-time as an aware datetime (no offset: UTC); None if unreadable."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
