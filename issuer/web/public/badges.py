"""The public badge page (no login), its downloads, QR codes and printable card.

Pages are addressed by the credential's UUID only: sequential award numbers would let anyone
walk through every student's badge. A student's name appears only with their consent. A badge
whose student hid its page is "not found" here for everyone but that student, signed in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for

from badge_definitions import BadgeDefinition
from issuer.baking import bake_png, bake_svg
from issuer.benefit_sources import find_award
from issuer.database import get_session
from issuer.models import Award
from issuer.qr import qr_png, qr_svg
from issuer.services.badges import definition_of
from issuer.services.my_badges import public_holder_name
from issuer.web.public.linkedin import add_to_profile_url
from issuer.web.student_session import current_student_id
from keys.proofs import decode_compact
from verifier.benefits import benefits_for
from verifier.recipient import email_matches
from verifier.verdict import verdict_for
from verifier.web.pages import CHECK_TITLES, STATUS_WORDS
from verifier.web.verdicts import stored_report

bp = Blueprint("public", __name__)
DOWNLOAD_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"


@dataclass(frozen=True)
class BadgeView:
    award: Award
    definition: BadgeDefinition
    uuid: str
    recipient_name: str | None  # None unless the student consented to show it

    @property
    def credential(self) -> dict[str, Any]:
        return self.award.credential_json

    @property
    def file_stem(self) -> str:
        return f"{self.definition.slug}-{self.uuid[:8]}"


def _view(credential_id: UUID) -> BadgeView:
    award = find_award(get_session(), str(credential_id))
    if award is None or (award.public_page_hidden and current_student_id() != award.student_id):
        abort(404, description="No badge with this id was issued here.")
    return BadgeView(
        award, definition_of(award.badge), str(credential_id), public_holder_name(award.student)
    )


def public_url(endpoint: str, **values: Any) -> str:
    """An absolute URL on PUBLIC_BASE_URL (what QR codes, share links and OG tags carry)."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for(endpoint, **values)


def _artwork(view: BadgeView, extension: str) -> bytes:
    path = (
        Path(current_app.static_folder or "static") / "img" / f"{view.definition.slug}.{extension}"
    )
    if not path.is_file():
        abort(404, description=f"No {extension.upper()} artwork for {view.definition.name}.")
    return path.read_bytes()


def _download(body: bytes | str, mimetype: str, filename: str) -> Response:
    """An attachment that is never rendered inline, and sandboxed if it is."""
    response = current_app.response_class(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _page(
    view: BadgeView, *, recipient_check: bool | None = None, status: int = 200
) -> tuple[str, int]:
    context = current_app.extensions["verification_context"]
    report = stored_report(view.uuid, view.credential, context)
    benefits = benefits_for(report, current_app.extensions.get("issuer_records"))
    award = view.award
    page_url = public_url("public.badge", credential_id=view.uuid)
    issuer = view.credential.get("issuer", {})
    issuer_name = issuer.get("name") if isinstance(issuer, dict) else None
    linkedin = add_to_profile_url(
        name=view.definition.name,
        organization=issuer_name or current_app.config["ISSUER_NAME"],
        issued=award.issued_at,
        expires=award.valid_until,
        cert_url=page_url,
        cert_id=view.uuid,
    )
    same_version = award.badge_version == view.definition.version
    verdict = verdict_for(report, holder_name=view.recipient_name, revoked_at=award.revoked_at)
    return render_template(
        "public/badge.html",
        view=view,
        report=report,
        verdict=verdict,
        benefits=benefits,
        page_url=page_url,
        issuer_name=issuer_name,
        linkedin_url=linkedin,
        image_url=public_url("static", filename=f"img/{view.definition.slug}.png"),
        verify_url=public_url("verify.verify_stored", identifier=view.uuid),
        criteria=view.definition.criteria if same_version else None,
        recipient_check=recipient_check,
        check_titles=CHECK_TITLES,
        status_words=STATUS_WORDS,
    ), status


@bp.get("/badges/<uuid:credential_id>")
def badge(credential_id: UUID) -> tuple[str, int]:
    return _page(_view(credential_id))


@bp.post("/badges/<uuid:credential_id>")
def check_recipient(credential_id: UUID) -> tuple[str, int]:
    """Was this badge awarded to the entered email? Hashed with the credential's salt and
    compared; the address is neither stored nor logged nor shown again."""
    view = _view(credential_id)
    email = request.form.get("email", "").strip()
    if not email or "@" not in email or len(email) > 320:
        return _page(view, status=422, recipient_check=None)
    subject = view.credential.get("credentialSubject", {})
    identifiers = subject.get("identifier", []) if isinstance(subject, dict) else []
    identifiers = identifiers if isinstance(identifiers, list) else [identifiers]
    return _page(view, recipient_check=any(email_matches(i, email) for i in identifiers))


@bp.get("/badges/<uuid:credential_id>.json")
def credential_json(credential_id: UUID) -> Response:
    view = _view(credential_id)
    body = json.dumps(view.credential, ensure_ascii=False, indent=2)
    return _download(body, "application/ld+json", f"{view.file_stem}.json")


@bp.get("/badges/<uuid:credential_id>.jwt")
def credential_jwt(credential_id: UUID) -> Response:
    """The stored VC-JWT, labelled by its shape: ``application/jwt`` for OB 3.0's VC-JWT
    (``typ: JWT``, also the older ``vc``-claim tokens), ``application/vc+jwt`` for VC-JOSE."""
    view = _view(credential_id)
    token = view.award.credential_jwt
    return _download(token, decode_compact(token).media_type, f"{view.file_stem}.jwt")


@bp.get("/badges/<uuid:credential_id>.png")
def baked_png(credential_id: UUID) -> Response:
    view = _view(credential_id)
    return _download(
        bake_png(_artwork(view, "png"), view.credential), "image/png", f"{view.file_stem}.png"
    )


@bp.get("/badges/<uuid:credential_id>.svg")
def baked_svg(credential_id: UUID) -> Response:
    view = _view(credential_id)
    return _download(
        bake_svg(_artwork(view, "svg"), view.credential), "image/svg+xml", f"{view.file_stem}.svg"
    )


@bp.get("/badges/<uuid:credential_id>/qr.png")
def qr_code_png(credential_id: UUID) -> Response:
    view = _view(credential_id)
    url = public_url("verify.verify_stored", identifier=view.uuid)
    response = current_app.response_class(qr_png(url), mimetype="image/png")
    if request.args.get("download"):
        response.headers["Content-Disposition"] = f'attachment; filename="{view.file_stem}-qr.png"'
    return response


@bp.get("/badges/<uuid:credential_id>/qr.svg")
def qr_code_svg(credential_id: UUID) -> Response:
    view = _view(credential_id)
    url = public_url("verify.verify_stored", identifier=view.uuid)
    response = current_app.response_class(qr_svg(url), mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    if request.args.get("download"):
        response.headers["Content-Disposition"] = f'attachment; filename="{view.file_stem}-qr.svg"'
    return response


@bp.get("/badges/<uuid:credential_id>/card")
def card(credential_id: UUID) -> str:
    view = _view(credential_id)
    return render_template(
        "public/card.html",
        view=view,
        verify_url=public_url("verify.verify_stored", identifier=view.uuid),
        issuer_name=current_app.config["ISSUER_NAME"],
    )
