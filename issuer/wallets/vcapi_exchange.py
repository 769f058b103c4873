"""VC-API exchanges as the DCC Learner Credential Wallet (LCW) uses them.

The student's "add to a wallet" page shows the LCW deep link (QR code and link)::

    https://lcw.app/request.html?issuer=<our host>&auth_type=bearer
        &challenge=<challenge>&vc_request_url=<PUBLIC_BASE_URL>/exchanges/<exchange id>

The wallet POSTs to ``vc_request_url``:

* an empty body or ``{}``: we answer with a Verifiable Presentation Request asking for
  ``DIDAuthentication`` with a fresh ``challenge`` and our ``domain`` (VC-API "exchanges",
  W3C CCG Verifiable Presentation Request §DID Authentication);
* a DID Authentication presentation (bare, as LCW sends it, or as
  ``{"verifiablePresentation": …}``, as VC-API specifies): signed by its holder's did:key with
  ``proofPurpose: authentication``, carrying the exchange's challenge (and our domain when it
  names one). We answer ``{"verifiablePresentation": …}`` holding the award signed for that
  DID (``credentialSubject.id``), through the same issuance code as every other credential.

An exchange is single-use and expires with its offer; errors are RFC 9457 problem bodies.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlparse

from flask import Blueprint, Response, current_app, jsonify, request

from issuer.database import get_session
from issuer.models import WalletOffer, WalletProtocol
from issuer.wallets import offers
from issuer.wallets.holder_proofs import InvalidProof, check_did_authentication
from verifier.inputs import UnusableInput, parse_json
from verifier.web.problems import problem

bp = Blueprint("vcapi_exchange", __name__)

LCW_REQUEST_URL = "https://lcw.app/request.html"
PRESENTATION_CONTEXT = "https://www.w3.org/ns/credentials/v2"
MAX_PRESENTATION_BYTES = 64 * 1024


def _now() -> datetime:
    return datetime.now(UTC)


def _base_url() -> str:
    return str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/")


def domain() -> str:
    """The ``domain`` a DID Authentication proof may name: our public host (and port)."""
    return urlparse(_base_url()).netloc


def exchange_url(offer: WalletOffer) -> str:
    """The exchange's ``vc_request_url``: ``<PUBLIC_BASE_URL>/exchanges/<offer id>``."""
    return f"{_base_url()}/exchanges/{offer.offer_id}"


def lcw_deep_link(offer: WalletOffer, challenge: str) -> str:
    """The Learner Credential Wallet's deep link that opens this exchange."""
    query = urlencode(
        {
            "issuer": domain(),
            "auth_type": "bearer",
            "challenge": challenge,
            "vc_request_url": exchange_url(offer),
        }
    )
    return f"{LCW_REQUEST_URL}?{query}"


def _presentation_request(offer: WalletOffer, challenge: str) -> dict[str, Any]:
    return {
        "verifiablePresentationRequest": {
            "query": [{"type": "DIDAuthentication", "acceptedMethods": [{"method": "key"}]}],
            "challenge": challenge,
            "domain": domain(),
            "interact": {
                "service": [
                    {
                        "type": "UnmediatedPresentationService2021",
                        "serviceEndpoint": exchange_url(offer),
                    }
                ]
            },
        }
    }


def _presentation(body: Any) -> Any:
    """The presentation a wallet posted, bare or wrapped; None when it posted none."""
    if isinstance(body, dict) and "verifiablePresentation" in body:
        return body["verifiablePresentation"]
    if isinstance(body, dict) and not body:
        return None
    return body


@bp.post("/exchanges/<exchange_id>")
def exchange(exchange_id: str) -> Response:
    """One step of the exchange: a presentation request, or the credential for a DID
    Authentication presentation."""
    session = get_session()
    now = _now()
    offer = offers.find_offer(session, exchange_id, WalletProtocol.VCAPI, lock=True)
    if offer is None:
        return problem(404, "No such exchange.")
    if request.content_length is not None and request.content_length > MAX_PRESENTATION_BYTES:
        return problem(413, "The presentation is too large.")
    raw = request.get_data(cache=False)
    if len(raw) > MAX_PRESENTATION_BYTES:
        return problem(413, "The presentation is too large.")
    body: Any = {}
    if raw.strip():
        try:
            body = parse_json(raw.decode("utf-8"))  # strict: no duplicate keys, bounded
        except (UnicodeDecodeError, UnusableInput):
            return problem(400, "The body must be JSON: {} or a DID Authentication presentation.")
    presentation = _presentation(body)
    try:
        if presentation is None:
            challenge = offers.new_exchange_challenge(session, offer, now=now)
            session.commit()
            return jsonify(_presentation_request(offer, challenge))
        proof = presentation.get("proof") if isinstance(presentation, dict) else None
        challenge = proof.get("challenge") if isinstance(proof, dict) else None
        offers.check_exchange(offer, challenge=challenge, now=now)
        holder = check_did_authentication(
            presentation, challenge=challenge, domain=domain(), now=now
        )
        json_ld, _jwt = offers.deliver(
            session,
            offer=offer,
            holder_id=holder,
            signer=current_app.extensions["signer"],
            now=now,
        )
    except offers.OfferError as error:
        session.rollback()
        return problem(400, f"The exchange cannot continue: {error.description}.")
    except InvalidProof as error:
        session.rollback()
        return problem(400, f"The DID Authentication presentation is not valid: {error}.")
    session.commit()
    return jsonify(
        {
            "verifiablePresentation": {
                "@context": [PRESENTATION_CONTEXT],
                "type": ["VerifiablePresentation"],
                "verifiableCredential": [json_ld],
            }
        }
    )
