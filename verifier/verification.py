"""The OB 3.0 verification algorithm (OB 3.0 §9 "Verification and Validation", VC DM 2.0 §4-5).

Checks run in order and each is named in the report; each lives in its own module of
``verifier.checks``. A check whose prerequisite failed is ``skipped`` with the reason; status
lists are fetched only after the proof verified. Every value shown to a person is read from the
credential that was verified.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from keys.proofs import ProofError, decode_compact
from keys.proofs.jose import DecodedJws
from schemas.work_budget import shared_work_budget
from verifier.checks.common import (
    Checks,
    SigningRecords,
    VerificationContext,
    as_list,
    issuer_id,
    parse_time,
)
from verifier.checks.endorsements import check_endorsements
from verifier.checks.issuer_recognized import check_issuer_recognized
from verifier.checks.json_ld import check_json_ld
from verifier.checks.proof import check_embedded_proofs, check_jwt
from verifier.checks.recipient import check_recipient
from verifier.checks.schema import check_schema
from verifier.checks.signing_keys import KeyRevoked, ResolvedKey, resolve_key
from verifier.checks.status import check_status
from verifier.checks.structure import MAX_CONTEXTS, check_context, check_types
from verifier.checks.validity import check_validity
from verifier.inputs import ParsedInput, UnusableInput, check_jws_json
from verifier.report import CredentialSummary, VerificationReport

__all__ = [
    "MAX_CONTEXTS",
    "KeyRevoked",
    "ResolvedKey",
    "SigningRecords",
    "VerificationContext",
    "resolve_key",
    "summarize",
    "verify",
]


def verify(
    parsed: ParsedInput,
    context: VerificationContext,
    *,
    recipient_email: str | None = None,
    _depth: int = 0,
) -> VerificationReport:
    """Verify a parsed credential and return the report of named checks.

    All the JSON-LD work of the call (this credential, its endorsements, its status list) is
    charged to one shared work budget of ``context.work_budget_seconds``; once it is spent,
    what still needed canonicalizing fails as too complex.
    """
    with shared_work_budget(context.work_budget_seconds):
        return _verify(parsed, context, recipient_email=recipient_email, depth=_depth)


def _verify(
    parsed: ParsedInput, context: VerificationContext, *, recipient_email: str | None, depth: int
) -> VerificationReport:
    checks = Checks()
    decoded: DecodedJws | None = None
    credential = parsed.credential
    if parsed.kind == "jwt":
        try:
            # The strict reader first: decode_compact's plain json.loads takes duplicate keys
            # and NaN, and recurses without limit (an endorsementJwt nesting 20,000 arrays).
            check_jws_json(parsed.token or "", context.limits)
            decoded = decode_compact(parsed.token or "")
        except (ProofError, UnusableInput) as error:
            checks.add("format", "failed", f"Not a usable VC-JWT: {error}")
            return VerificationReport(tuple(checks.items))
        credential = decoded.credential
        checks.add(
            "format",
            "passed",
            f"Compact JWS ({decoded.format}), signed {decoded.header.get('alg')}",
        )
    else:
        checks.add("format", "passed", "JSON-LD credential with embedded proof")
    assert credential is not None

    check_context(credential, checks)
    check_types(credential, checks)
    check_schema(credential, checks)
    check_json_ld(credential, checks)
    if decoded is not None:
        check_jwt(decoded, parsed.token or "", credential, context, checks)
    else:
        check_embedded_proofs(credential, context, checks)
    recognized = check_issuer_recognized(credential, context, checks) if depth == 0 else None
    check_validity(credential, context, checks)
    status = check_status(credential, context, checks)
    check_recipient(credential, recipient_email, checks)
    endorsers: tuple[str, ...] = ()
    if depth == 0:
        endorsers = check_endorsements(
            credential, context, checks, lambda item: verify(item, context, _depth=1)
        )
    if _signed_content_readable(checks):
        summary = replace(
            summarize(credential, parsed.kind, status, context.now(), context.clock_skew),
            issuer_recognized=recognized,
            endorsers=endorsers,
        )
    else:
        # Show nothing the issuer did not sign: a forged name must not reach a page.
        summary = CredentialSummary(format=parsed.kind)
    return VerificationReport(tuple(checks.items), summary)


def _signed_content_readable(checks: Checks) -> bool:
    """The proof verified, with a key of the credential's own issuer (a signature by anyone
    else vouches for nothing the credential claims), and the JSON says what was signed (safe
    mode, compact form). Unless all three passed, nothing the credential claims is shown:
    no name, no issuer name, no status."""
    statuses = {check.id: check.status for check in checks.items}
    return all(statuses.get(name) == "passed" for name in ("proof", "issuer", "json-ld"))


# -- summary ------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _image_url(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else None


def summarize(
    credential: dict[str, Any],
    kind: str,
    status: str,
    now: datetime,
    clock_skew: timedelta = timedelta(0),
) -> CredentialSummary:
    """What a person sees of a verified credential, read from it (``kind``: ldp or jwt;
    ``status`` from the status check, turned into "expired" or "not yet valid" by its dates
    at ``now``)."""
    issuer = credential.get("issuer")
    subject = credential.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    achievement = achievement if isinstance(achievement, dict) else {}
    criteria = achievement.get("criteria")
    valid_until = _text(credential.get("validUntil") or credential.get("expirationDate"))
    valid_from = _text(credential.get("validFrom") or credential.get("issuanceDate"))
    end, start = parse_time(valid_until), parse_time(valid_from)
    if status == "active" and end and end <= now:
        status = "expired"
    elif status == "active" and start and start > now + clock_skew:
        status = "not yet valid"
    return CredentialSummary(
        id=_text(credential.get("id")),
        format=kind,
        types=tuple(t for t in as_list(credential.get("type")) if isinstance(t, str)),
        name=_text(credential.get("name")) or _text(achievement.get("name")),
        description=_text(credential.get("description")) or _text(achievement.get("description")),
        image=_image_url(credential.get("image")) or _image_url(achievement.get("image")),
        achievement_id=_text(achievement.get("id")),
        achievement_name=_text(achievement.get("name")),
        achievement_description=_text(achievement.get("description")),
        criteria=_text(criteria.get("narrative")) if isinstance(criteria, dict) else None,
        issuer_id=issuer_id(credential),
        issuer_name=_text(issuer.get("name")) if isinstance(issuer, dict) else None,
        issued=valid_from,
        valid_until=valid_until,
        status=status,
    )
