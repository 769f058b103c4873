"""The key behind a verification method, as its controller document lists it (VC Data Integrity
"Retrieve Verification Method"; DID Core §5.3.2 assertionMethod): resolved through the
injected resolver, refused when not listed for assertion, and when marked ``revoked`` trusted
only for what the issuer's own records show was signed before the compromise."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from keys.did import public_key_of
from keys.keypairs import InvalidKey, PublicKey
from keys.proofs.jose import DecodedJws
from schemas.work_budget import uncharged
from verifier.checks.common import VerificationContext, as_list, parse_time
from verifier.resolvers import ResolutionError, base_url, resolving_key_of


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


def resolve(context: VerificationContext, url: str) -> dict[str, Any]:
    """The document at ``url`` from the injected resolver, outside the request's work budget:
    resolvers do bounded work of their own (fetching within the network policy, or our issuer
    signing its status list), not work the presented credential chose."""
    with uncharged():
        return context.resolver.resolve(url)


def absolute(document: dict[str, Any], reference: Any) -> str:
    """A method reference (``#key-1`` or a URL) as a URL, relative to ``document``'s id."""
    if isinstance(reference, str) and reference.startswith("#"):
        return f"{document.get('id')}{reference}"
    return str(reference)


def find_method(document: dict[str, Any], method_id: str) -> dict[str, Any] | None:
    """The verification method ``method_id`` names in its controller document."""
    candidates = as_list(document.get("verificationMethod")) + as_list(
        document.get("assertionMethod")
    )
    for method in candidates:
        if isinstance(method, dict) and absolute(document, method.get("id")) == method_id:
            return method
    # A bare did:key names its one key (its DID document has exactly one method).
    if method_id.startswith("did:key:") and method_id == document.get("id"):
        methods = as_list(document.get("verificationMethod"))
        return methods[0] if len(methods) == 1 else None
    return None


def _is_assertion_method(document: dict[str, Any], method: dict[str, Any]) -> bool:
    """The controller lists ``method`` under ``assertionMethod`` (by reference or embedded)."""
    method_id = absolute(document, method.get("id"))
    return any(
        absolute(document, entry.get("id") if isinstance(entry, dict) else entry) == method_id
        for entry in as_list(document.get("assertionMethod"))
    )


def vouched(
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
        document = resolve(context, base_url(method_id))
    method = find_method(document, method_id)
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
        raise KeyRevoked(method_id, parse_time(method.get("revoked")), key)
    if not _is_assertion_method(document, method):
        raise ResolutionError(
            f"{method_id} is not authorized for assertionMethod by its controller"
        )
    try:
        return ResolvedKey(public_key_of(method), controller)
    except InvalidKey as error:
        raise ResolutionError(f"{method_id}: {error}") from None


def jwt_key(decoded: DecodedJws, issuer: str | None, context: VerificationContext) -> ResolvedKey:
    """The key a VC-JWT names by ``kid`` (relative to the issuer when it starts with ``#``),
    or else the issuer's first assertion key for the JWT's ``alg``."""
    kid = decoded.header.get("kid")
    if isinstance(kid, str) and kid:
        if kid.startswith("#") and issuer:
            kid = issuer + kid
        return resolve_key(kid, context, issuer)
    if not issuer:
        raise ResolutionError("the JWT names no key (kid) and no issuer")
    with resolving_key_of(issuer):
        document = resolve(context, issuer)
    wanted = decoded.header.get("alg")
    for entry in as_list(document.get("assertionMethod")):
        method = (
            entry if isinstance(entry, dict) else find_method(document, absolute(document, entry))
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
