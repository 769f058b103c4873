"""The OB 3.0 verification algorithm (OB 3.0 §9 "Verification and Validation", VC DM 2.0 §4-5).

Checks run in order and each is named in the report. A check whose prerequisite failed is
``skipped`` with the reason; status lists are fetched only after the proof verified. Every value
shown to a person is read from the credential that was verified.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from keys.did import public_key_of
from keys.keypairs import InvalidKey, PublicKey
from keys.proofs import (
    SUPPORTED_PROOFS,
    ProofError,
    decode_compact,
    verify_data_integrity,
    verify_signature,
)
from keys.proofs.jose import DecodedJws
from schemas.canonical import CanonicalizationError
from schemas.loader import VC_V1, VC_V2, ContextNotPinned, is_pinned
from schemas.safe_mode import json_ld_problems
from schemas.validation import validate_credential
from schemas.work_budget import shared_work_budget, uncharged
from verifier.inputs import ParsedInput, UnusableInput, check_jws_json
from verifier.jwt_claims import claim_problems
from verifier.limits import DEFAULT_LIMITS, InputLimits
from verifier.recipient import email_matches
from verifier.report import Check, CredentialSummary, VerificationReport
from verifier.resolvers import (
    DocumentResolver,
    NeedsNetwork,
    ResolutionError,
    base_url,
    resolving_key_of,
)
from verifier.status import (
    MALFORMED_VALUE_ERROR,
    STATUS_RETRIEVAL_ERROR,
    STATUS_VERIFICATION_ERROR,
    StatusError,
    check_bitstring_entry,
    check_revocation_list_entry,
    parse_entries,
)
from verifier.trust import RegistryPolicy, check_recognition

OB_CONTEXT_PREFIXES = (
    "https://purl.imsglobal.org/spec/ob/v3p0/context",
    "https://imsglobal.github.io/openbadges-specification/",
)
SUPPORTED_PROOF_TYPES = {proof_type for proof_type, _ in SUPPORTED_PROOFS}
CREDENTIAL_TYPES = {"AchievementCredential", "OpenBadgeCredential", "EndorsementCredential"}


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


class _Checks:
    def __init__(self) -> None:
        self.items: list[Check] = []

    def add(self, check_id: str, status: str, message: str) -> Check:
        check = Check(check_id, status, message)  # type: ignore[arg-type]
        self.items.append(check)
        return check

    def failed(self, *check_ids: str) -> bool:
        return any(c.id in check_ids and c.status == "failed" for c in self.items)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _issuer_id(credential: dict[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


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
    checks = _Checks()
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

    _check_context(credential, checks)
    _check_types(credential, checks)
    _check_schema(credential, checks)
    _check_json_ld(credential, checks)
    if decoded is not None:
        _check_jwt(decoded, parsed.token or "", credential, context, checks)
    else:
        _check_embedded_proofs(credential, context, checks)
    recognized = _check_issuer_recognized(credential, context, checks) if depth == 0 else None
    _check_validity(credential, context, checks)
    status = _check_status(credential, context, checks)
    _check_recipient(credential, recipient_email, checks)
    endorsers: tuple[str, ...] = ()
    if depth == 0:
        endorsers = _check_endorsements(credential, context, checks)
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


def _signed_content_readable(checks: _Checks) -> bool:
    """The proof verified, with a key of the credential's own issuer (a signature by anyone
    else vouches for nothing the credential claims), and the JSON says what was signed (safe
    mode, compact form). Unless all three passed, nothing the credential claims is shown:
    no name, no issuer name, no status."""
    statuses = {check.id: check.status for check in checks.items}
    return all(statuses.get(name) == "passed" for name in ("proof", "issuer", "json-ld"))


# -- structure ---------------------------------------------------------------------------


# Real OB 3.0 credentials name 2 to 4 contexts (VC, OB, sometimes Data Integrity and an
# extension); every pinned one together is 20. More than 6 is no real credential, and each entry
# is context processing for every canonicalization and JSON-LD check of the request.
MAX_CONTEXTS = 6


def _check_context(credential: dict[str, Any], checks: _Checks) -> None:
    contexts = _as_list(credential.get("@context"))
    if len(contexts) > MAX_CONTEXTS:
        checks.add(
            "context",
            "failed",
            f"@context has {len(contexts)} entries; at most {MAX_CONTEXTS} are accepted",
        )
        return
    if not contexts or contexts[0] not in (VC_V1, VC_V2):
        checks.add(
            "context",
            "failed",
            "The first @context must be the W3C Verifiable Credentials context (v1 or v2)",
        )
        return
    inline = [c for c in contexts if not isinstance(c, str)]
    if inline:
        checks.add("context", "failed", "Embedded (inline) @context objects are not accepted")
        return
    unknown = [c for c in contexts if not is_pinned(c)]
    if unknown:
        checks.add(
            "context", "failed", f"Unknown @context {unknown[0]} (contexts are never fetched)"
        )
        return
    if not any(c.startswith(OB_CONTEXT_PREFIXES) for c in contexts):
        checks.add("context", "failed", "The Open Badges 3.0 context is missing from @context")
        return
    if contexts[0] == VC_V1:
        checks.add(
            "context",
            "warning",
            "VC Data Model 1.1 credential: accepted, but OB 3.0 now uses VC Data Model 2.0",
        )
    else:
        checks.add(
            "context", "passed", "Contexts are the published VC 2.0 and Open Badges 3.0 contexts"
        )


def _check_types(credential: dict[str, Any], checks: _Checks) -> None:
    types = {t for t in _as_list(credential.get("type")) if isinstance(t, str)}
    if "VerifiableCredential" not in types:
        checks.add("type", "failed", "type must include VerifiableCredential")
    elif not types & CREDENTIAL_TYPES:
        checks.add(
            "type", "failed", "type must include OpenBadgeCredential or AchievementCredential"
        )
    else:
        checks.add(
            "type",
            "passed",
            "An Open Badges credential (" + ", ".join(sorted(types & CREDENTIAL_TYPES)) + ")",
        )


def _check_schema(credential: dict[str, Any], checks: _Checks) -> None:
    violations = validate_credential(credential)
    if violations:
        shown = "; ".join(f"{v.path}: {v.message}" for v in violations[:5])
        more = f" (and {len(violations) - 5} more)" if len(violations) > 5 else ""
        checks.add(
            "schema", "failed", f"Does not match the Open Badges 3.0 JSON Schema: {shown}{more}"
        )
    else:
        checks.add("schema", "passed", "Matches the Open Badges 3.0 JSON Schema")


def _check_json_ld(credential: dict[str, Any], checks: _Checks) -> None:
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


# -- proofs and keys ---------------------------------------------------------------------


def _find_method(document: dict[str, Any], method_id: str) -> dict[str, Any] | None:
    """The verification method ``method_id`` names in its controller document."""
    candidates = _as_list(document.get("verificationMethod")) + _as_list(
        document.get("assertionMethod")
    )
    for method in candidates:
        if isinstance(method, dict) and _absolute(document, method.get("id")) == method_id:
            return method
    # A bare did:key names its one key (its DID document has exactly one method).
    if method_id.startswith("did:key:") and method_id == document.get("id"):
        methods = _as_list(document.get("verificationMethod"))
        return methods[0] if len(methods) == 1 else None
    return None


def _is_assertion_method(document: dict[str, Any], method: dict[str, Any]) -> bool:
    """The controller lists ``method`` under ``assertionMethod`` (by reference or embedded)."""
    method_id = _absolute(document, method.get("id"))
    return any(
        _absolute(document, entry.get("id") if isinstance(entry, dict) else entry) == method_id
        for entry in _as_list(document.get("assertionMethod"))
    )


def _resolve(context: VerificationContext, url: str) -> dict[str, Any]:
    """The document at ``url`` from the injected resolver, outside the request's work budget:
    resolvers do bounded work of their own (fetching within the network policy, or our issuer
    signing its status list), not work the presented credential chose."""
    with uncharged():
        return context.resolver.resolve(url)


@dataclass(frozen=True)
class ResolvedKey:
    public_key: PublicKey
    controller: str


class KeyRevoked(ResolutionError):
    """The controller marks the key ``revoked`` (Security Vocabulary; DID Core §5.2): it was
    reported compromised at ``revoked_at`` (None: no readable time, so never trusted)."""

    def __init__(self, method_id: str, revoked_at: datetime | None, key: ResolvedKey | None):
        self.revoked_at, self.key = revoked_at, key
        when = (
            f"{revoked_at.day} {revoked_at:%B %Y at %H:%M} UTC"
            if revoked_at is not None
            else "an unreadable date"
        )
        super().__init__(f"signed by a key reported compromised on {when} ({method_id})")


def _vouched(
    error: KeyRevoked, credential_id: Any, signed: Any, context: VerificationContext
) -> ResolvedKey:
    """The revoked key, if the issuer's own records show ``signed`` was signed before the
    compromise; else ``error`` is raised again.

    The signing time a proof carries (``created``, ``iat``, ``nbf``) is the signer's own claim,
    which whoever holds the stolen key can backdate: it is never enough."""
    records = context.signing_records
    signed_at = records.signed_at(credential_id, signed) if records is not None else None
    if error.key is None or error.revoked_at is None or signed_at is None:
        raise error
    if signed_at >= error.revoked_at:
        raise error
    return error.key


def resolve_key(
    method_id: Any, context: VerificationContext, issuer: str | None = None
) -> ResolvedKey:
    """The key behind a verification method URL, with its controller, if listed for assertion.

    Resolved on behalf of ``issuer``: a resolver that would use the network fetches it only
    when it is the issuer's own (:func:`verifier.resolvers.bound_to_issuer`).
    """
    if not isinstance(method_id, str) or ":" not in method_id:
        raise ResolutionError(f"verificationMethod {method_id!r} is not a URL")
    with resolving_key_of(issuer):
        document = _resolve(context, base_url(method_id))
    method = _find_method(document, method_id)
    if method is None:
        raise ResolutionError(f"{method_id} is not listed in its controller document")
    controller = method.get("controller") or document.get("id")
    if controller != document.get("id"):
        raise ResolutionError(
            f"{method_id}: controller {controller!r} does not match the document {document.get('id')!r}"
        )
    if "revoked" in method:
        try:
            key: ResolvedKey | None = ResolvedKey(public_key_of(method), controller)
        except InvalidKey:
            key = None
        raise KeyRevoked(method_id, _parse_time(method.get("revoked")), key)
    if not _is_assertion_method(document, method):
        raise ResolutionError(
            f"{method_id} is not authorized for assertionMethod by its controller"
        )
    try:
        return ResolvedKey(public_key_of(method), controller)
    except InvalidKey as error:
        raise ResolutionError(f"{method_id}: {error}") from None


def _check_embedded_proofs(
    credential: dict[str, Any], context: VerificationContext, checks: _Checks
) -> None:
    proofs = _as_list(credential.get("proof"))
    issuer = _issuer_id(credential)
    if not proofs:
        checks.add("proof", "failed", "The credential has no proof")
        checks.add("issuer", "skipped", "Skipped: there is no proof to link to the issuer")
        return
    now = context.now()
    controllers = []
    for position, proof in enumerate(proofs, start=1):
        label = f"Proof {position}" if len(proofs) > 1 else "The proof"
        if not isinstance(proof, dict):
            checks.add("proof", "failed", f"{label} is not an object")
            return
        if not isinstance(proof.get("type"), str) or proof["type"] not in SUPPORTED_PROOF_TYPES:
            checks.add(
                "proof", "failed", f"{label} is of an unsupported type {proof.get('type')!r}"
            )
            checks.add("issuer", "skipped", "Skipped: a proof could not be checked")
            return
        if proof.get("proofPurpose") != "assertionMethod":
            checks.add(
                "proof",
                "failed",
                f"{label} has proofPurpose {proof.get('proofPurpose')!r}, not assertionMethod",
            )
            return
        created, expires = _parse_time(proof.get("created")), _parse_time(proof.get("expires"))
        if created and created > now + context.clock_skew:
            checks.add("proof", "failed", f"{label} was created in the future ({proof['created']})")
            return
        if expires and expires <= now:
            checks.add("proof", "failed", f"{label} expired on {proof['expires']}")
            return
        try:
            try:
                key = resolve_key(proof.get("verificationMethod"), context, issuer)
            except KeyRevoked as revoked:
                key = _vouched(revoked, credential.get("id"), credential, context)
        except KeyRevoked as error:
            checks.add("proof", "failed", f"{label} was {error}")
            checks.add("issuer", "skipped", "Skipped: the signing key is no longer trusted")
            return
        except NeedsNetwork as error:
            checks.add("proof", "failed", f"Could not resolve the signing key offline: {error}")
            checks.add("issuer", "skipped", "Skipped: the signing key could not be resolved")
            return
        except ResolutionError as error:
            checks.add(
                "proof", "failed", f"{label}: the signing key could not be resolved: {error}"
            )
            checks.add("issuer", "skipped", "Skipped: the signing key could not be resolved")
            return
        try:
            verify_data_integrity(credential, proof, key.public_key)
        except ProofError as error:
            checks.add("proof", "failed", f"{label} does not verify: {error}")
            checks.add("issuer", "skipped", "Skipped: the proof did not verify")
            return
        except (CanonicalizationError, ContextNotPinned) as error:
            checks.add("proof", "failed", f"{label} could not be checked: {error}")
            checks.add("issuer", "skipped", "Skipped: the proof could not be checked")
            return
        controllers.append(key.controller)
    kinds = ", ".join(sorted({str(p.get("cryptosuite") or p.get("type")) for p in proofs}))
    checks.add("proof", "passed", f"Signature verified ({kinds})")
    strangers = [c for c in controllers if c != issuer]
    if issuer is None:
        checks.add("issuer", "failed", "The credential names no issuer")
    elif strangers:
        checks.add(
            "issuer", "failed", f"Signed by a key of {strangers[0]}, not of the issuer {issuer}"
        )
    else:
        checks.add("issuer", "passed", f"Signed by a key of the issuer {issuer}")


def _jwt_key(decoded: DecodedJws, issuer: str | None, context: VerificationContext) -> ResolvedKey:
    kid = decoded.header.get("kid")
    if isinstance(kid, str) and kid:
        if kid.startswith("#") and issuer:
            kid = issuer + kid
        return resolve_key(kid, context, issuer)
    if not issuer:
        raise ResolutionError("the JWT names no key (kid) and no issuer")
    with resolving_key_of(issuer):
        document = _resolve(context, issuer)
    wanted = decoded.header.get("alg")
    for entry in _as_list(document.get("assertionMethod")):
        method = (
            entry if isinstance(entry, dict) else _find_method(document, _absolute(document, entry))
        )
        if method is None:
            continue
        try:
            key = public_key_of(method)
        except InvalidKey:
            continue
        if key.jws_algorithm == wanted:
            return ResolvedKey(key, str(document.get("id")))
    raise ResolutionError(f"the issuer's document lists no {wanted} key for assertion")


def _absolute(document: dict[str, Any], reference: Any) -> str:
    if isinstance(reference, str) and reference.startswith("#"):
        return f"{document.get('id')}{reference}"
    return str(reference)


def _check_jwt(
    decoded: DecodedJws,
    token: str,
    credential: dict[str, Any],
    context: VerificationContext,
    checks: _Checks,
) -> None:
    issuer = _issuer_id(credential)
    try:
        try:
            key = _jwt_key(decoded, issuer, context)
        except KeyRevoked as revoked:
            key = _vouched(revoked, credential.get("id"), token, context)
        verify_signature(decoded, token, key.public_key)
    except KeyRevoked as error:
        checks.add("proof", "failed", f"The JWT was {error}")
        checks.add("issuer", "skipped", "Skipped: the signing key is no longer trusted")
        return
    except NeedsNetwork as error:
        checks.add("proof", "failed", f"Could not resolve the signing key offline: {error}")
        checks.add("issuer", "skipped", "Skipped: the signing key could not be resolved")
        return
    except ResolutionError as error:
        checks.add("proof", "failed", f"The signing key could not be resolved: {error}")
        checks.add("issuer", "skipped", "Skipped: the signing key could not be resolved")
        return
    except ProofError as error:
        checks.add("proof", "failed", f"The JWT signature does not verify: {error}")
        checks.add("issuer", "skipped", "Skipped: the signature did not verify")
        return
    checks.add("proof", "passed", f"JWT signature verified ({decoded.header.get('alg')})")
    problems = []
    if key.controller != issuer:
        problems.append(f"signed by a key of {key.controller}, not of the issuer {issuer}")
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


# -- trust: the registry of recognized issuers --------------------------------------------


def _check_issuer_recognized(
    credential: dict[str, Any], context: VerificationContext, checks: _Checks
) -> bool | None:
    """``issuer-recognized``: apart from ``proof``, whether the Alliance's signed registry
    lists the issuer (verifier.trust). Returns the summary's ``issuer_recognized``."""
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
        _issuer_id(credential),
        context.registry,
        context.resolver,
        lambda document: _registry_problem(document, context),
    )
    checks.add("issuer-recognized", result.status, result.message)  # type: ignore[arg-type]
    return result.recognized


def _registry_problem(document: dict[str, Any], context: VerificationContext) -> str | None:
    """The registry is a credential: its proof must verify with a key of its issuer, and it
    must be within its validity dates. The first problem, or None."""
    registry_checks = _Checks()
    _check_embedded_proofs(document, context, registry_checks)
    _check_validity(document, context, registry_checks)
    failed = [c for c in registry_checks.items if c.status == "failed"]
    return failed[0].message if failed else None


# -- validity, status, recipient, endorsements -------------------------------------------


def _check_validity(
    credential: dict[str, Any], context: VerificationContext, checks: _Checks
) -> None:
    now = context.now()
    start_name = "validFrom" if "validFrom" in credential else "issuanceDate"
    end_name = "validUntil" if "validUntil" in credential else "expirationDate"
    start, end = credential.get(start_name), credential.get(end_name)
    start_time, end_time = _parse_time(start), _parse_time(end)
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


def _check_status(credential: dict[str, Any], context: VerificationContext, checks: _Checks) -> str:
    """Returns the status word for the summary: active, revoked, suspended or unknown."""
    try:
        entries = parse_entries(credential)
    except StatusError as error:
        checks.add("status", "failed", f"The credential status is unreadable: {error}")
        return "unknown"
    if not entries:
        checks.add("status", "skipped", "The credential has no status entry (it cannot be revoked)")
        return "active"
    if checks.failed("proof", "issuer"):
        checks.add(
            "status",
            "skipped",
            "Skipped: the status list is fetched only for a credential whose proof verified",
        )
        return "unknown"
    issuer = _issuer_id(credential)
    notes = []
    for entry in entries:
        try:
            try:
                document = _resolve(context, entry.list_url)
            except NeedsNetwork:
                raise
            except ResolutionError as error:
                raise StatusError(str(error), STATUS_RETRIEVAL_ERROR) from None
            if entry.type == "1EdTechRevocationList":
                result = check_revocation_list_entry(entry, document)
            else:
                status_list = _verify_status_list_credential(document, issuer, context)
                result = check_bitstring_entry(entry, status_list)
        except NeedsNetwork as error:
            checks.add("status", "failed", f"Could not check revocation offline: {error}")
            return "unknown"
        except StatusError as error:
            checks.add(
                "status", "failed", f"Could not check the credential status ({error.code}): {error}"
            )
            return "unknown"
        if result.set and result.purpose in ("revocation", "suspension"):
            word = "revoked" if result.purpose == "revocation" else "suspended"
            reason = f": {result.message}" if result.message else ""
            checks.add("status", "failed", f"The credential has been {word} by its issuer{reason}")
            return word
        if result.message and result.purpose not in ("revocation", "suspension"):
            notes.append(f"{result.purpose}: {result.message}")
    checks.add("status", "passed", "Not revoked" + "".join(f" ({note})" for note in notes))
    return "active"


ENVELOPED_JWT_PREFIXES = ("data:application/vc+jwt,", "data:application/jwt,")


def _verify_status_list_credential(
    document: dict[str, Any], issuer: str | None, context: VerificationContext
) -> dict[str, Any]:
    """Bitstring Status List §3.2 step 4 and the list's own rules: the list is a credential
    (JSON-LD with a Data Integrity proof, or VC-JOSE JWT enveloped as VC DM 2.0 §4.13 says),
    every proof verifies, its issuer is the credential's issuer, it is a
    ``BitstringStatusListCredential`` (or ``StatusList2021Credential``) and today lies within
    its ``validFrom``/``validUntil``. Returns the list credential; raises
    :class:`StatusError` STATUS_VERIFICATION_ERROR naming the first failure."""
    list_checks = _Checks()
    if document.get("type") == "EnvelopedVerifiableCredential":
        token = document.get("id")
        if not isinstance(token, str) or not token.startswith(ENVELOPED_JWT_PREFIXES):
            raise StatusError("the enveloped status list is not a VC-JWT", MALFORMED_VALUE_ERROR)
        token = token.split(",", 1)[1]
        try:
            decoded = decode_compact(token)
        except ProofError as error:
            raise StatusError(
                f"the status list JWT is unusable: {error}", MALFORMED_VALUE_ERROR
            ) from None
        document = decoded.credential
        _check_jwt(decoded, token, document, context, list_checks)
    else:
        _check_embedded_proofs(document, context, list_checks)
    _check_validity(document, context, list_checks)
    failed = [c for c in list_checks.items if c.status == "failed"]
    if failed:
        raise StatusError(
            f"the status list credential does not verify: {failed[0].message}",
            STATUS_VERIFICATION_ERROR,
        )
    if _issuer_id(document) != issuer:
        raise StatusError(
            f"the status list was issued by {_issuer_id(document)!r}, "
            f"not by the credential's issuer {issuer!r}",
            STATUS_VERIFICATION_ERROR,
        )
    types = _as_list(document.get("type"))
    if not {"BitstringStatusListCredential", "StatusList2021Credential"} & set(types):
        raise StatusError(
            "the status list is not a BitstringStatusListCredential", STATUS_VERIFICATION_ERROR
        )
    return document


def _check_recipient(credential: dict[str, Any], email: str | None, checks: _Checks) -> None:
    if not email:
        checks.add(
            "recipient", "skipped", "No email address was given to check the recipient against"
        )
        return
    subject = credential.get("credentialSubject")
    identifiers = _as_list(subject.get("identifier")) if isinstance(subject, dict) else []
    if any(email_matches(identifier, email) for identifier in identifiers):
        checks.add("recipient", "passed", "The credential was awarded to this email address")
    else:
        checks.add("recipient", "failed", "The credential was not awarded to this email address")


def _endorsement_holders(credential: dict[str, Any]) -> list[dict[str, Any]]:
    """Where OB 3.0 puts endorsements: the credential, its issuer and its achievement."""
    subject = credential.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    holders = (credential, credential.get("issuer"), achievement)
    return [holder for holder in holders if isinstance(holder, dict)]


def _endorsed_id(item: ParsedInput) -> Any:
    """The ``credentialSubject.id`` of an endorsement: what it endorses."""
    credential = item.credential
    if item.kind == "jwt":
        try:
            credential = decode_compact(item.token or "").credential
        except ProofError:
            return None
    subject = credential.get("credentialSubject") if isinstance(credential, dict) else None
    return subject.get("id") if isinstance(subject, dict) else None


def _endorsement_problem(
    item: ParsedInput, holder: dict[str, Any], context: VerificationContext
) -> tuple[str | None, VerificationReport]:
    """Why an endorsement does not hold (None: it does), with its own report. It must verify
    on its own (its proof with the endorser's key, controller = its issuer, dates, status),
    and endorse the object that carries it (OB 3.0 §B.1.10 EndorsementSubject.id)."""
    report = verify(item, context, _depth=1)
    if not report.verified:
        first = next(c for c in report.checks if c.status == "failed")
        return first.message, report
    endorsed, holder_id = _endorsed_id(item), holder.get("id")
    if endorsed != holder_id:
        return f"it endorses {endorsed!r}, not {holder_id!r} that carries it", report
    return None, report


def _check_endorsements(
    credential: dict[str, Any], context: VerificationContext, checks: _Checks
) -> tuple[str, ...]:
    """Verify every embedded endorsement; returns the names of the endorsers whose
    endorsement holds (the summary's ``endorsers``)."""
    endorsements = [
        (holder, ParsedInput("ldp", item))
        if isinstance(item, dict)
        else (holder, ParsedInput("jwt", None, item))
        for holder in _endorsement_holders(credential)
        for item in _as_list(holder.get("endorsement")) + _as_list(holder.get("endorsementJwt"))
        if isinstance(item, dict | str)
    ]
    if not endorsements:
        checks.add("endorsements", "skipped", "No endorsements")
        return ()
    endorsements = endorsements[: context.limits.max_endorsements]
    results = [_endorsement_problem(item, holder, context) for holder, item in endorsements]
    endorsers = tuple(
        dict.fromkeys(
            report.credential.issuer_name or report.credential.issuer_id or "an endorser"
            for problem, report in results
            if problem is None
        )
    )
    problems = [problem for problem, _ in results if problem is not None]
    if not problems:
        checks.add("endorsements", "passed", f"{len(results)} endorsement(s) verified")
    else:
        checks.add(
            "endorsements",
            "warning",
            f"{len(problems)} of {len(results)} endorsement(s) did not verify: {problems[0]}",
        )
    return endorsers


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
    issuer = credential.get("issuer")
    subject = credential.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    achievement = achievement if isinstance(achievement, dict) else {}
    criteria = achievement.get("criteria")
    valid_until = _text(credential.get("validUntil") or credential.get("expirationDate"))
    valid_from = _text(credential.get("validFrom") or credential.get("issuanceDate"))
    end, start = _parse_time(valid_until), _parse_time(valid_from)
    if status == "active" and end and end <= now:
        status = "expired"
    elif status == "active" and start and start > now + clock_skew:
        status = "not yet valid"
    return CredentialSummary(
        id=_text(credential.get("id")),
        format=kind,
        types=tuple(t for t in _as_list(credential.get("type")) if isinstance(t, str)),
        name=_text(credential.get("name")) or _text(achievement.get("name")),
        description=_text(credential.get("description")) or _text(achievement.get("description")),
        image=_image_url(credential.get("image")) or _image_url(achievement.get("image")),
        achievement_id=_text(achievement.get("id")),
        achievement_name=_text(achievement.get("name")),
        achievement_description=_text(achievement.get("description")),
        criteria=_text(criteria.get("narrative")) if isinstance(criteria, dict) else None,
        issuer_id=_issuer_id(credential),
        issuer_name=_text(issuer.get("name")) if isinstance(issuer, dict) else None,
        issued=valid_from,
        valid_until=valid_until,
        status=status,
    )
