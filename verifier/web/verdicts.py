"""Reports for the pages and the API, through the app's :class:`verifier.verdict_cache.VerdictCache`
when there is one (``wsgi.py`` builds it with the issuer's local documents; a bare verifier
has none and verifies every time)."""

from __future__ import annotations

import hashlib
from functools import partial
from typing import Any

from flask import Request, current_app

from verifier.inputs import ParsedInput
from verifier.report import VerificationReport
from verifier.verdict_cache import VerdictCache
from verifier.verification import VerificationContext, verify
from verifier.web.admission import Admission
from verifier.web.intake import (
    BODY_TYPES,
    JSON_TYPES,
    body_cap,
    from_json,
    read_api_request,
    read_body,
    submission_from_body,
)
from verifier.web.lane import UnparsedBody

# Presented JSON bodies larger than this are verified every time: they are not our badges
# (a few KB), and keeping their reports would let one client fill the cache's memory.
MAX_CACHED_BODY = 32 * 1024


def _cache() -> VerdictCache | None:
    return current_app.extensions.get("verdict_cache")


def stored_report(
    uuid: str,
    credential: dict[str, Any],
    context: VerificationContext,
    *,
    email: str | None = None,
) -> VerificationReport:
    """The report of our stored JSON-LD ``credential`` with id ``uuid`` (the QR landing, the
    badge page, the stored-benefits API), reused while it and its inputs hold; with
    ``email``, verified afresh."""
    parsed = ParsedInput("ldp", credential)
    cache = _cache()
    if cache is None or email is not None:
        return verify(parsed, context, recipient_email=email)
    return cache.verify(("stored", uuid), parsed, context, same_input=credential)


def presented_report(
    request: Request, context: VerificationContext, admission: Admission
) -> VerificationReport:
    """The report of the credential in a ``POST /api/v1/verify`` or ``/benefits`` body.

    A body over the quarantine lane's size threshold goes there before it is parsed
    (:meth:`Admission.verify_unparsed`). A JSON body without an email that holds a credential
    verified as ours (issued by the DID that signs our registry) is remembered by the SHA-256
    of its exact bytes (what verifies them is decided by those bytes alone), so the same
    credential posted again is neither parsed nor verified while its inputs hold
    (:mod:`verifier.verdict_cache`); anyone else's, and anything that failed its proof, is
    verified every time, through ``admission`` (so an expensive one runs in the quarantine
    lane, :mod:`verifier.web.admission`). UnusableInput, UnsupportedMedia or
    RequestEntityTooLarge as :func:`verifier.web.intake.read_api_request` raises them."""
    mimetype = request.mimetype
    if mimetype not in BODY_TYPES:  # a multipart upload, or a type refused with 415
        submission = read_api_request(request, context.limits)
        return admission.verify(submission.parsed, context, submission.email)
    body = read_body(request, body_cap(mimetype, context.limits))
    if admission.takes_unparsed(body):
        read = partial(submission_from_body, mimetype, context.limits)
        return admission.verify_unparsed(UnparsedBody(body, read))
    cache = _cache()
    if cache is None or mimetype not in JSON_TYPES:
        submission = submission_from_body(mimetype, context.limits, body)
        return admission.verify(submission.parsed, context, submission.email)
    key = ("presented", hashlib.sha256(body).digest())
    report = cache.cached(key, context) if len(body) <= MAX_CACHED_BODY else None
    if report is not None:
        return report
    submission = from_json(body, context.limits)
    if (
        submission.email is not None
        or len(body) > MAX_CACHED_BODY
        or admission.goes_to_lane(submission.parsed)
    ):
        return admission.verify(submission.parsed, context, submission.email)
    ours = context.registry.controller if context.registry is not None else None
    return cache.verify(
        key,
        submission.parsed,
        context,
        keep=lambda report: ours is not None and report.credential.issuer_id == ours,
    )
