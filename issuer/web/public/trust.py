"""The trust documents verifiers fetch: the Alliance's signed registry of recognized issuers,
and each employer's DID document and 1EdTech revocation list of its endorsements."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, current_app
from sqlalchemy import select

from issuer.database import get_session
from issuer.models import Organisation, OrganisationKind
from issuer.services import endorsements, registry
from issuer.web.public.artefacts import STATUS_LIST_MAX_AGE, _document, _site
from keys.store import KeyStoreError
from verifier.web.problems import problem

bp = Blueprint("trust", __name__)


@bp.get(registry.REGISTRY_PATH)
def recognized_issuers() -> Response:
    """The registry credential (VC 2.0, eddsa-rdfc-2022 by our key), signed once per change
    (``registry.SignedRegistry``) and short-cached like the status lists, so a suspension is
    visible within a minute."""
    try:
        credential = current_app.extensions["signed_registry"].credential(
            get_session(), datetime.now(UTC)
        )
    except KeyStoreError:
        return problem(503, "the registry cannot be signed right now")
    return _document(credential, max_age=STATUS_LIST_MAX_AGE)


@bp.get("/employers/<slug>/did.json")
def employer_did_document(slug: str) -> Response:
    """An employer's did:web document (``did:web:<domain>:employers:<slug>``)."""
    document = current_app.extensions["employer_signers"].did_document(slug)
    if document is None:
        return problem(404, f"no employer identity {slug!r}")
    return _document(document, mimetype="application/did+json")


@bp.get("/employers/<slug>/revocations")
def employer_revocations(slug: str) -> Response:
    """The employer's revoked endorsements (1EdTech revocation list)."""
    session = get_session()
    organisation = session.scalar(
        select(Organisation).where(
            Organisation.slug == slug, Organisation.kind == OrganisationKind.EMPLOYER
        )
    )
    if organisation is None:
        return problem(404, f"no employer {slug!r}")
    document = endorsements.revocation_list(
        session,
        organisation,
        base_url=_site().base_url,
        did=current_app.extensions["employer_signers"].did(slug),
    )
    return _document(document, mimetype="application/json", max_age=STATUS_LIST_MAX_AGE)
