"""The public verifier pages: ``/verify`` (paste or upload) and ``/verify/<id>`` (where a QR
code on a badge card leads: the employer's view of one of our awards)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, url_for
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

from verifier.benefits import BenefitsResult, benefits_for
from verifier.inputs import ParsedInput, UnusableInput
from verifier.report import VerificationReport
from verifier.verification import verify
from verifier.web.admission import Refused, admitted, client_key
from verifier.web.api import issuer_records, verification_context
from verifier.web.intake import read_form
from verifier.web.problems import status_for

bp = Blueprint("verify", __name__)

# Plain-language names of the report's checks, in the order they run.
CHECK_TITLES = {
    "format": "Format",
    "context": "Open Badges vocabulary",
    "type": "Credential type",
    "schema": "Open Badges 3.0 schema",
    "json-ld": "Every term defined",
    "proof": "Digital signature",
    "issuer": "Signed by the issuer",
    "validity": "Validity dates",
    "status": "Not revoked",
    "recipient": "Recipient",
    "issuer-recognized": "Issuer recognized",
    "endorsements": "Endorsements",
}
STATUS_WORDS = {
    "passed": "Passed",
    "warning": "Warning",
    "failed": "Failed",
    "skipped": "Not checked",
}


def _render(status: int = 200, **values: object) -> tuple[str, int]:
    return render_template(
        "verify/verify.html", check_titles=CHECK_TITLES, status_words=STATUS_WORDS, **values
    ), status


def _badge_page(uuid: str) -> str | None:
    """Our public badge page, when the issuer's pages are part of this app."""
    if "public.badge" not in current_app.view_functions:
        return None
    return url_for("public.badge", credential_id=uuid)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error: RequestEntityTooLarge) -> tuple[str, int]:
    """Raised before the view when the CSRF check reads an oversized form."""
    return _render(413, error=f"The upload is larger than {request.max_content_length} bytes.")


@bp.route("/verify", methods=["GET", "POST"])
def verify_page() -> tuple[str, int]:
    if request.method != "POST":  # GET, and HEAD (which Flask adds): never the POST path
        return _render()
    limit = current_app.extensions["verify_rate_limit"]
    if limit.exceeded(client_key()):
        return _render(
            429, error="Too many verifications from your address; try again in a minute."
        )
    context = verification_context()
    try:
        with admitted():
            submission = read_form(request, context.limits)
            report = verify(submission.parsed, context, recipient_email=submission.email)
    except Refused as refused:
        page, status = _render(refused.status, error=_REFUSED_WORDS[refused.status])
        return page, status, {"Retry-After": str(refused.retry_after)}  # type: ignore[return-value]
    except UnusableInput as error:
        return _render(status_for(error), error=str(error))
    except RequestEntityTooLarge:
        return _render(413, error=f"The upload is larger than {request.max_content_length} bytes.")
    except BadRequest as error:
        return _render(400, error=error.description)
    return _render(report=report, benefits=_benefits(report), source=submission.parsed.source)


_REFUSED_WORDS = {
    429: "Your address already has verifications running; try again in a moment.",
    503: "The verifier is busy; try again in a moment.",
}


def _benefits(report: VerificationReport) -> BenefitsResult | None:
    result = benefits_for(report, issuer_records())
    return result if result.badge is not None else None


@bp.get("/verify/<identifier>")
def verify_stored(identifier: str) -> tuple[str, int]:
    records = issuer_records()
    stored = records.stored(identifier) if records is not None else None
    if stored is None:
        abort(404, description="No badge with this id is kept here.")
    report = verify(ParsedInput("ldp", stored.credential), verification_context())
    return _render(
        report=report, benefits=_benefits(report), stored=True, badge_page=_badge_page(stored.uuid)
    )
