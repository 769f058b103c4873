"""The documents verifiers fetch: our DID document, the issuer Profile, each Achievement and
each signed Bitstring Status List (short-cached, so a revocation shows within a minute)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, current_app, request

from issuer.credential_builder import CREDENTIAL_CONTEXTS
from issuer.database import get_session
from issuer.services import status_lists
from issuer.services.badges import definition_of, find_badge
from issuer.services.issuance import IssuerSite, achievement
from verifier.web.problems import problem

bp = Blueprint("artefacts", __name__)
STATUS_LIST_MAX_AGE = 60  # seconds: revocation must be visible to verifiers within a minute
DOCUMENT_MAX_AGE = 300
JSON_LD_CONTEXTS = CREDENTIAL_CONTEXTS[:2]  # VC 2.0 + OB 3.0


def _site() -> IssuerSite:
    return IssuerSite.from_config(current_app.config)


def _document(
    document: dict[str, Any],
    *,
    mimetype: str = "application/ld+json",
    max_age: int = DOCUMENT_MAX_AGE,
) -> Response:
    response = current_app.response_class(
        json.dumps(document, ensure_ascii=False, indent=2), mimetype=mimetype
    )
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.headers["Access-Control-Allow-Origin"] = "*"  # browser-based verifiers
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/.well-known/did.json")
def did_document() -> Response:
    """The did:web document of our signing keys (current and retired)."""
    return _document(
        current_app.extensions["signer"].did_document(), mimetype="application/did+json"
    )


@bp.get("/.well-known/jwks.json")
def json_web_key_set() -> Response:
    """Every VC-JWT signing key as a JWK (RFC 7517 §5), ``kid`` as in the DID document."""
    return _document(
        current_app.extensions["signer"].json_web_key_set(), mimetype="application/jwk-set+json"
    )


@bp.get("/issuer")
def issuer_profile() -> Response:
    """The issuer Profile (JSON-LD); its ``id`` is our DID, its ``url`` this site."""
    profile = _site().issuer_profile(current_app.extensions["signer"].issuer_did)
    return _document({"@context": JSON_LD_CONTEXTS, **profile})


@bp.get("/achievements/<slug>")
def achievement_document(slug: str) -> Response:
    """The Achievement of a badge, at the ``id`` URL our credentials give it."""
    try:
        record = find_badge(get_session(), slug)
    except LookupError:
        return problem(404, f"no achievement {slug!r}")
    return _document({"@context": JSON_LD_CONTEXTS, **achievement(definition_of(record), _site())})


JWT_MEDIA_TYPES = ("application/vc+jwt", "application/jwt")


@bp.get("/status-lists/<int:status_list_id>")
def status_list(status_list_id: int) -> Response:
    """The signed BitstringStatusListCredential: JSON-LD with a Data Integrity proof, or, for a
    client that prefers ``application/vc+jwt`` (content negotiation), the VC-JOSE JWT."""
    accept = request.accept_mimetypes
    best = accept.best_match([*JSON_MEDIA_TYPES, *JWT_MEDIA_TYPES], default="application/ld+json")
    return _status_list(status_list_id, as_jwt=best in JWT_MEDIA_TYPES)


@bp.get("/status-lists/<int:status_list_id>.jwt")
def status_list_jwt(status_list_id: int) -> Response:
    """The same status list credential as a VC-JOSE JWT (``typ: vc+jwt``), for JWT verifiers."""
    return _status_list(status_list_id, as_jwt=True)


JSON_MEDIA_TYPES = ("application/ld+json", "application/json", "application/vc")


def _status_list(status_list_id: int, *, as_jwt: bool) -> Response:
    """Served from its stored signed forms, signed here only when the list changed or nears
    its validUntil (once per change); while signing is unavailable the last good list is
    served (an alert is logged), and a list that was never signed answers 503."""
    session = get_session()
    try:
        forms = status_lists.publish(
            session,
            status_list_id,
            current_app.extensions["signer"],
            datetime.now(UTC),
            base_url=_site().base_url,
        )
    except LookupError:
        session.rollback()
        return problem(404, f"no status list {status_list_id}")
    except status_lists.SigningUnavailable:
        session.rollback()
        response = problem(503, "this status list cannot be signed at the moment")
        response.headers["Retry-After"] = "60"
        return response
    session.commit()
    if as_jwt:
        response = current_app.response_class(forms.jwt, mimetype="application/vc+jwt")
        response.headers["Cache-Control"] = f"public, max-age={STATUS_LIST_MAX_AGE}"
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["X-Content-Type-Options"] = "nosniff"
    else:
        response = _document(forms.credential, max_age=STATUS_LIST_MAX_AGE)
    response.headers["Vary"] = "Accept"
    return response
