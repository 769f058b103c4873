"""The ``status`` check: the credential's status entries read from their lists (Bitstring
Status List §3.2, with its error names, in ``verifier.status``; the 1EdTech revocation list),
fetched only after the proof verified. A Bitstring list is itself a credential whose proof,
issuer and dates are verified here first (§3.2 step 4)."""

from __future__ import annotations

from typing import Any

from keys.proofs import ProofError, decode_compact
from verifier.checks.common import Checks, VerificationContext, as_list, issuer_id
from verifier.checks.proof import check_embedded_proofs, check_jwt
from verifier.checks.signing_keys import resolve
from verifier.checks.validity import check_validity
from verifier.resolvers import NeedsNetwork, ResolutionError
from verifier.status import (
    MALFORMED_VALUE_ERROR,
    STATUS_RETRIEVAL_ERROR,
    STATUS_VERIFICATION_ERROR,
    StatusError,
    check_bitstring_entry,
    check_revocation_list_entry,
    parse_entries,
)

ENVELOPED_JWT_PREFIXES = ("data:application/vc+jwt,", "data:application/jwt,")


def check_status(credential: dict[str, Any], context: VerificationContext, checks: Checks) -> str:
    """``status``. Returns the status word for the summary: active, revoked, suspended or
    unknown."""
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
    issuer = issuer_id(credential)
    notes = []
    for entry in entries:
        try:
            try:
                document = resolve(context, entry.list_url)
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


def _verify_status_list_credential(
    document: dict[str, Any], issuer: str | None, context: VerificationContext
) -> dict[str, Any]:
    """Bitstring Status List §3.2 step 4 and the list's own rules: the list is a credential
    (JSON-LD with a Data Integrity proof, or VC-JOSE JWT enveloped as VC DM 2.0 §4.13 says),
    every proof verifies, its issuer is the credential's issuer, it is a
    ``BitstringStatusListCredential`` (or ``StatusList2021Credential``) and today lies within
    its ``validFrom``/``validUntil``. Returns the list credential; raises
    :class:`StatusError` STATUS_VERIFICATION_ERROR naming the first failure."""
    list_checks = Checks()
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
        check_jwt(decoded, token, document, context, list_checks)
    else:
        check_embedded_proofs(document, context, list_checks)
    check_validity(document, context, list_checks)
    failed = [c for c in list_checks.items if c.status == "failed"]
    if failed:
        raise StatusError(
            f"the status list credential does not verify: {failed[0].message}",
            STATUS_VERIFICATION_ERROR,
        )
    if issuer_id(document) != issuer:
        raise StatusError(
            f"the status list was issued by {issuer_id(document)!r}, "
            f"not by the credential's issuer {issuer!r}",
            STATUS_VERIFICATION_ERROR,
        )
    types = as_list(document.get("type"))
    if not {"BitstringStatusListCredential", "StatusList2021Credential"} & set(types):
        raise StatusError(
            "the status list is not a BitstringStatusListCredential", STATUS_VERIFICATION_ERROR
        )
    return document
