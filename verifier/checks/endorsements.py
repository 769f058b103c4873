"""The ``endorsements`` check: every endorsement embedded in the credential, its issuer or its
achievement (OB 3.0 App. B ``endorsement``/``endorsementJwt``) verifies on its own and endorses
the object that carries it (OB 3.0 §B.1.10 EndorsementSubject.id); a "warning" when one does
not. At most ``limits.max_endorsements`` are verified."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from keys.proofs import ProofError, decode_compact
from verifier.checks.common import Checks, VerificationContext, as_list
from verifier.inputs import ParsedInput
from verifier.report import VerificationReport

VerifyEndorsement = Callable[[ParsedInput], VerificationReport]


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
    item: ParsedInput, holder: dict[str, Any], verify: VerifyEndorsement
) -> tuple[str | None, VerificationReport]:
    """Why an endorsement does not hold (None: it does), with its own report. It must verify
    on its own (its proof with the endorser's key, controller = its issuer, dates, status),
    and endorse the object that carries it."""
    report = verify(item)
    if not report.verified:
        first = next(c for c in report.checks if c.status == "failed")
        return first.message, report
    endorsed, holder_id = _endorsed_id(item), holder.get("id")
    if endorsed != holder_id:
        return f"it endorses {endorsed!r}, not {holder_id!r} that carries it", report
    return None, report


def check_endorsements(
    credential: dict[str, Any],
    context: VerificationContext,
    checks: Checks,
    verify: VerifyEndorsement,
) -> tuple[str, ...]:
    """``endorsements``: each one verified by ``verify`` (the whole verification, one level
    down). Returns the names of the endorsers whose endorsement holds (the summary's
    ``endorsers``)."""
    endorsements = [
        (holder, ParsedInput("ldp", item))
        if isinstance(item, dict)
        else (holder, ParsedInput("jwt", None, item))
        for holder in _endorsement_holders(credential)
        for item in as_list(holder.get("endorsement")) + as_list(holder.get("endorsementJwt"))
        if isinstance(item, dict | str)
    ]
    if not endorsements:
        checks.add("endorsements", "skipped", "No endorsements")
        return ()
    endorsements = endorsements[: context.limits.max_endorsements]
    results = [_endorsement_problem(item, holder, verify) for holder, item in endorsements]
    endorsers = tuple(
        dict.fromkeys(
            report.credential.issuer_name or report.credential.issuer_id or "an endorser"
            for problem, report in results
            if problem is None
        )
    )
    problems = [problem for problem, _ in results if problem is not None]
    if not problems:
        verified = "The endorsement" if len(results) == 1 else f"All {len(results)} endorsements"
        checks.add("endorsements", "passed", f"{verified} verified")
    else:
        checks.add(
            "endorsements",
            "warning",
            f"{len(problems)} of {len(results)} endorsements did not verify: {problems[0]}"
            if len(results) > 1
            else f"The endorsement did not verify: {problems[0]}",
        )
    return endorsers
