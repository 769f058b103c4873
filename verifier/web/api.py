"""The verifier's JSON API: ``POST /api/v1/verify``, ``POST /api/v1/benefits``,
``GET /api/v1/credentials/<id>/benefits`` and the OpenAPI document.

A credential that fails its checks is still a 200 answer (``verified: false``); only input
that cannot be read as a credential at all is a 4xx problem.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

from verifier.benefits import benefits_for
from verifier.inputs import UnusableInput
from verifier.verification import VerificationContext
from verifier.web.admission import Refused, admitted, rate_limit_message, rate_limited
from verifier.web.intake import UnsupportedMedia
from verifier.web.problems import problem, status_for
from verifier.web.verdicts import presented_report, stored_report

bp = Blueprint("verifier_api", __name__, url_prefix="/api/v1")
OPENAPI = Path(__file__).with_name("openapi.yaml")


def verification_context() -> VerificationContext:
    return current_app.extensions["verification_context"]


def issuer_records() -> Any:
    """The StoredCredentials + BenefitSource wsgi.py passed in (None: a bare verifier)."""
    return current_app.extensions.get("issuer_records")


@bp.before_request
def _rate_limit() -> Response | None:
    """Verification costs CPU: each client address gets ``VERIFY_RATE_LIMIT`` per window."""
    if request.method != "POST":
        return None
    limit = current_app.extensions["verify_rate_limit"]
    if rate_limited(limit):
        response = problem(429, rate_limit_message(limit))
        response.headers["Retry-After"] = str(int(limit.window_seconds))
        return response
    return None


@bp.errorhandler(Refused)
def _refused(error: Refused) -> Response:
    response = problem(error.status, str(error))
    response.headers["Retry-After"] = str(error.retry_after)
    return response


@bp.errorhandler(UnusableInput)
def _unusable(error: UnusableInput) -> Response:
    return problem(status_for(error), str(error))


@bp.errorhandler(UnsupportedMedia)
def _unsupported(error: UnsupportedMedia) -> Response:
    return problem(415, str(error))


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error: RequestEntityTooLarge) -> Response:
    limit = request.max_content_length
    return problem(
        413,
        f"the request body is larger than {limit} bytes"
        if limit
        else "the request body is too large",
    )


@bp.errorhandler(BadRequest)
def _bad_request(error: BadRequest) -> Response:
    return problem(400, error.description or "the request could not be read")


@bp.post("/verify")
def verify_credential() -> Response:
    """Verify a presented credential; the report is the CLI's ``--json`` output (a credential
    of ours posted again is answered from the verdict cache while its inputs hold)."""
    context = verification_context()
    with admitted() as admission:
        report = presented_report(request, context, admission)
    return jsonify(report.to_json())


@bp.post("/benefits")
def presented_benefits() -> Response:
    """Verify a presented credential and decide each benefit of its badge."""
    with admitted() as admission:
        report = presented_report(request, verification_context(), admission)
    result = benefits_for(report, issuer_records())
    return jsonify({**result.to_json(), "verification": report.to_json()})


@bp.get("/credentials/<identifier>/benefits")
def stored_benefits(identifier: str) -> Response:
    """The benefits of one of our own awards, from its stored credential."""
    records = issuer_records()
    stored = records.stored(identifier) if records is not None else None
    if stored is None:
        return problem(404, f"no credential {identifier!r} is kept here")
    report = stored_report(stored.uuid, stored.credential, verification_context())
    result = benefits_for(report, records)
    return jsonify({**result.to_json(), "verification": report.to_json()})


@cache
def _openapi() -> dict[str, Any]:
    return yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(_openapi())
