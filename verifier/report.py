"""The verification report: named checks plus a summary for display (the CLI/API JSON contract)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

CheckStatus = Literal["passed", "failed", "warning", "skipped"]


@dataclass(frozen=True)
class Check:
    id: str
    status: CheckStatus
    message: str


@dataclass(frozen=True)
class CredentialSummary:
    """What a person needs to see about a credential, read from the verified document."""

    id: str | None = None
    format: str | None = None  # "ldp" or "jwt"
    types: tuple[str, ...] = ()
    name: str | None = None
    description: str | None = None
    image: str | None = None
    achievement_id: str | None = None
    achievement_name: str | None = None
    achievement_description: str | None = None
    criteria: str | None = None
    issuer_id: str | None = None
    issuer_name: str | None = None
    issued: str | None = None
    valid_until: str | None = None
    status: str = (
        "unknown"  # "active", "revoked", "suspended", "expired", "not yet valid", "unknown"
    )
    # Trust, apart from the proof: whether the issuer is in the Alliance's signed registry of
    # recognized issuers (None: not checked), and the names of endorsers whose endorsement
    # credential verified with the endorser's own key.
    issuer_recognized: bool | None = None
    endorsers: tuple[str, ...] = ()


@dataclass(frozen=True)
class VerificationReport:
    checks: tuple[Check, ...]
    credential: CredentialSummary = field(default_factory=CredentialSummary)

    @property
    def verified(self) -> bool:
        """True only when no check failed: a check that could not be made offline fails."""
        return bool(self.checks) and all(check.status != "failed" for check in self.checks)

    def check(self, check_id: str) -> Check | None:
        return next((check for check in self.checks if check.id == check_id), None)

    def to_json(self) -> dict[str, Any]:
        """The report as JSON values. Every field is a string, bool, None or a tuple of
        strings, so shallow copies do what ``dataclasses.asdict`` did at a fraction of its
        cost (it deep-copies each value; this runs on every API answer)."""
        summary = dict(vars(self.credential))
        summary["types"] = list(self.credential.types)
        summary["endorsers"] = list(self.credential.endorsers)
        return {
            "verified": self.verified,
            "checks": [dict(vars(check)) for check in self.checks],
            "credential": summary,
        }
