"""The public verifier pages: ``/verify`` (paste or upload) and ``/verify/<id>`` (where a QR
code on a badge card leads: the employer's view of one of our awards)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, url_for
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

from verifier.benefits import BenefitsResult, benefits_for
from verifier.inputs import UnusableInput
from verifier.limits import InputLimits
from verifier.report import VerificationReport
from verifier.verdict import Verdict, verdict_for
from verifier.web.admission import Refused, admitted, rate_limited
from verifier.web.api import issuer_records, verification_context
from verifier.web.intake import read_form
from verifier.web.lookup import StoredCredential
from verifier.web.problems import status_for
from verifier.web.verdicts import stored_report

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


# What a person can do about input the verifier cannot read, by a phrase of the verifier's
# own (technical) message, first match wins; the technical message stays folded beside it.
_DAMAGED_IMAGE = "This image is damaged or is not a badge image we can read."
_PLAIN_ERRORS = (
    ("email must be", "That email address does not look right: it should look like name@example.org."),
    ("no credential was given", "Paste the text of a badge, or choose a badge file, then press Verify."),
    ("uploaded file is empty", "The file you chose is empty. Choose the badge file again."),
    ("encrypted", "This badge is encrypted, so it cannot be checked here. "
     "Ask the holder for an unencrypted copy."),
    ("carries no Open Badges credential", "This picture has no badge inside it: it may be a plain "
     "image of the badge. Ask the holder for the badge file they downloaded, or for the link on "
     "their badge card."),
    ("more than one Open Badges credential", "This picture holds more than one badge, so we "
     "cannot tell which one to check."),
    ("neither a JSON credential", "We could not find a badge in this. Paste the badge's full text "
     "(it starts with { or eyJ), or upload the badge image (PNG or SVG) or file you received."),
    ("not UTF-8 text", "We could not find a badge in this file. Upload the badge image (PNG or "
     "SVG) or the badge file you received."),
    ("PNG", _DAMAGED_IMAGE),
    ("SVG", _DAMAGED_IMAGE),
    ("iTXt", _DAMAGED_IMAGE),
    ("compressed", _DAMAGED_IMAGE),
    ("openbadges:credential", _DAMAGED_IMAGE),
    ("JWT", "The badge text is damaged or uses a signing method we refuse for safety. "
     "Copy it again in full."),
    ("must be a JSON object", "This text is not a badge: a badge's text starts with { and ends with }."),
    ("not valid JSON", "The badge text is incomplete or damaged. Copy the whole badge again, "
     "from the first { to the last }."),
    ("JSON", "The badge text is damaged or far larger than any badge. Copy the whole badge again."),
)  # fmt: skip


def too_large(limits: InputLimits) -> str:
    """What the size limits mean for a person pasting or uploading a badge."""
    return (
        "That is too large to be a badge: a pasted badge can be at most "
        f"{limits.max_credential_bytes // 1024} KB and a badge image at most "
        f"{limits.max_image_bytes // (1024 * 1024)} MB."
    )


def plain_error(error: UnusableInput, limits: InputLimits) -> str:
    """The verifier's refusal of ``error`` in words a non-technical person understands."""
    message = str(error)
    if "larger than" in message:
        return too_large(limits)
    return next(
        (plain for phrase, plain in _PLAIN_ERRORS if phrase in message),
        "We could not read this as a badge. Paste the badge's full text or upload the badge file.",
    )


def _render(status: int = 200, **values: object) -> tuple[str, int]:
    return render_template(
        "verify/verify.html", check_titles=CHECK_TITLES, status_words=STATUS_WORDS, **values
    ), status


def _our_record(report: VerificationReport) -> StoredCredential | None:
    """The stored award behind a credential we issued (for the holder's consented name and
    the revocation date); None for anyone else's, even one that copies our credential id."""
    records = issuer_records()
    summary = report.credential
    if records is None or not summary.id or not summary.issuer_id:
        return None
    stored = records.stored(summary.id)
    if stored is None:
        return None
    issuer = stored.credential.get("issuer")
    stored_issuer = issuer.get("id") if isinstance(issuer, dict) else issuer
    return stored if stored_issuer == summary.issuer_id else None


def page_verdict(report: VerificationReport, stored: StoredCredential | None) -> Verdict:
    """The verdict of ``report``, with what our records add for a credential of ours."""
    if stored is None:
        return verdict_for(report)
    return verdict_for(report, holder_name=stored.holder_name, revoked_at=stored.revoked_at)


def _badge_page(uuid: str) -> str | None:
    """Our public badge page, when the issuer's pages are part of this app."""
    if "public.badge" not in current_app.view_functions:
        return None
    return url_for("public.badge", credential_id=uuid)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error: RequestEntityTooLarge) -> tuple[str, int]:
    """Raised before the view when the CSRF check reads an oversized form."""
    return _render(413, error=too_large(verification_context().limits))


def _rate_limited() -> bool:
    return rate_limited(current_app.extensions["verify_rate_limit"])


RATE_LIMITED = "Too many verifications from your address; try again in a minute."


@bp.route("/verify", methods=["GET", "POST"])
def verify_page() -> tuple[str, int]:
    if request.method != "POST":  # GET, and HEAD (which Flask adds): never the POST path
        return _render()
    # Input that could not be read goes back into the form to be corrected (never the email,
    # which is not kept; a verified credential is not echoed: the form is for the next one).
    context = verification_context()
    pasted = request.form.get("credential", "")
    pasted = pasted if len(pasted) <= context.limits.max_credential_bytes else ""
    if _rate_limited():
        return _render(429, error=RATE_LIMITED, pasted=pasted)
    try:
        with admitted() as admission:
            submission = read_form(request, context.limits)
            report = admission.verify(submission.parsed, context, submission.email)
    except Refused as refused:
        page, status = _render(refused.status, error=_REFUSED_WORDS[refused.status], pasted=pasted)
        return page, status, {"Retry-After": str(refused.retry_after)}  # type: ignore[return-value]
    except UnusableInput as error:
        return _render(
            status_for(error),
            error=plain_error(error, context.limits),
            error_detail=str(error),
            pasted=pasted,
        )
    except RequestEntityTooLarge:
        return _render(413, error=too_large(verification_context().limits))
    except BadRequest as error:
        return _render(400, error=error.description, pasted=pasted)
    return _render(
        report=report,
        verdict=page_verdict(report, _our_record(report)),
        benefits=_benefits(report),
        source=submission.parsed.source,
    )


_REFUSED_WORDS = {
    429: "Your address already has verifications running; try again in a moment.",
    503: "The verifier is busy; try again in a moment.",
}


def _benefits(report: VerificationReport) -> BenefitsResult | None:
    result = benefits_for(report, issuer_records())
    return result if result.badge is not None else None


def _stored(identifier: str) -> StoredCredential:
    records = issuer_records()
    stored = records.stored(identifier) if records is not None else None
    if stored is None:
        abort(
            404,
            description="No badge with this id was issued here. Check the link or scan the QR code again.",
        )
    return stored


def _stored_page(
    stored: StoredCredential, *, email: str | None = None, status: int = 200, **values: object
) -> tuple[str, int]:
    report = stored_report(stored.uuid, stored.credential, verification_context(), email=email)
    return _render(
        status,
        report=report,
        verdict=page_verdict(report, stored),
        benefits=_benefits(report),
        stored=stored,
        badge_page=_badge_page(stored.uuid),
        **values,
    )


@bp.get("/verify/<identifier>")
def verify_stored(identifier: str) -> tuple[str, int]:
    """Where the QR code on a badge card leads: the verdict, then what the badge unlocks."""
    return _stored_page(_stored(identifier))


@bp.post("/verify/<identifier>")
def check_holder_email(identifier: str) -> tuple[str, int]:
    """Was this badge awarded to the entered email? Hashed with the credential's salt and
    compared (the recipient check); the address is neither stored nor shown again."""
    stored = _stored(identifier)
    if _rate_limited():
        return _render(429, error=RATE_LIMITED, stored=stored)
    email = request.form.get("email", "").strip()
    if not email or "@" not in email or len(email) > 320:
        return _stored_page(
            stored,
            status=422,
            email_error="That email address does not look right: it should look like name@example.org.",
        )
    return _stored_page(stored, email=email)
