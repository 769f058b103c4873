"""OpenID for Verifiable Credential Issuance 1.0 (final, 2025): the pre-authorized code flow.

The student's "add to a wallet" page shows a Credential Offer (§4.1) by reference (QR code of
``openid-credential-offer://?credential_offer_uri=…``) and by value (a same-device link with
``credential_offer=…``), and a 6-digit transaction code (``tx_code``) to type into the wallet.
The wallet then:

1. reads our Credential Issuer Metadata (§12.2) at ``/.well-known/openid-credential-issuer``
   and the OAuth server metadata (RFC 8414) at ``/.well-known/oauth-authorization-server``;
2. POSTs the pre-authorized code and the transaction code to the Token Endpoint (§6), grant
   type ``urn:ietf:params:oauth:grant-type:pre-authorized_code``, anonymous access;
3. POSTs to the Nonce Endpoint (§7) for a ``c_nonce``;
4. POSTs a Credential Request (§8.2) with the access token and a ``jwt`` key proof (App. F.1).
   The credential is the award signed again for the wallet's DID (``credentialSubject.id``),
   as ``ldp_vc`` (Data Integrity eddsa-rdfc-2022) or ``jwt_vc_json`` (VC-JWT) (App. A.1).

Errors are the spec's JSON bodies: §6.3 (``invalid_request``, ``invalid_grant``,
``unsupported_grant_type``), §8.3.1 (``invalid_credential_request``,
``unknown_credential_configuration``, ``invalid_proof``, ``invalid_nonce``,
``credential_request_denied``) and RFC 6750 §3.1 (``invalid_token``).

No OAuth library: the pre-authorized grant is anonymous (no client, no redirect, no
authorization endpoint), which is exactly the part of OAuth that libraries such as Authlib are
built around (client models and authentication); what is left is one form post checked
against one table row, written here in the spec's words.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, current_app, jsonify, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from issuer.credential_builder import CREDENTIAL_CONTEXTS
from issuer.database import get_session
from issuer.models import WalletOffer, WalletProtocol
from issuer.wallets import offers
from issuer.wallets.holder_proofs import InvalidNonce, InvalidProof, check_proof_jwt

bp = Blueprint("oid4vci", __name__)

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
OFFER_SCHEME = "openid-credential-offer://"
NONCE_LIFETIME_SECONDS = 300
LDP_CONFIGURATION = "OpenBadgeCredential_ldp_vc"
JWT_CONFIGURATION = "OpenBadgeCredential_jwt_vc_json"
CREDENTIAL_TYPES = ["VerifiableCredential", "AchievementCredential"]
MAX_REQUEST_BYTES = 64 * 1024


def _now() -> datetime:
    return datetime.now(UTC)


def issuer_identifier() -> str:
    """Our Credential Issuer Identifier (§12.2.1): the public https URL, no trailing slash.
    Key proofs must name it in ``aud``."""
    return str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/")


def _url(path: str) -> str:
    return issuer_identifier() + path


def _json(body: dict[str, Any], status: int = 200) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def _error(error: str, description: str, status: int = 400) -> Response:
    """An OAuth / OpenID4VCI error body; ``error_description`` is printable ASCII (§8.3.1)."""
    text = "".join(c for c in description if 0x20 <= ord(c) < 0x7F and c not in '"\\')
    response = _json({"error": error, "error_description": text[:300]}, status)
    if error == "invalid_token":
        response.headers["WWW-Authenticate"] = (
            f'Bearer error="invalid_token", error_description="{text[:200]}"'
        )
    return response


def credential_configurations() -> dict[str, Any]:
    """``credential_configurations_supported`` (§12.2.4; formats per Appendix A.1)."""
    proof_types = {"jwt": {"proof_signing_alg_values_supported": ["EdDSA", "ES256"]}}
    display = {
        "credential_metadata": {
            "display": [
                {
                    "name": "Open Badge",
                    "locale": "en-US",
                    "description": "An Open Badges 3.0 achievement credential",
                }
            ]
        }
    }
    binding = ["did:key", "did:jwk"]
    return {
        LDP_CONFIGURATION: {
            "format": "ldp_vc",
            "credential_definition": {"@context": CREDENTIAL_CONTEXTS, "type": CREDENTIAL_TYPES},
            "cryptographic_binding_methods_supported": binding,
            "credential_signing_alg_values_supported": ["eddsa-rdfc-2022"],
            "proof_types_supported": proof_types,
            **display,
        },
        JWT_CONFIGURATION: {
            "format": "jwt_vc_json",
            "credential_definition": {"type": CREDENTIAL_TYPES},
            "cryptographic_binding_methods_supported": binding,
            "credential_signing_alg_values_supported": [
                current_app.extensions["signer"].jwt_algorithm
            ],
            "proof_types_supported": proof_types,
            **display,
        },
    }


@bp.get("/.well-known/openid-credential-issuer")
def issuer_metadata() -> Response:
    """Credential Issuer Metadata (§12.2). We are our own authorization server, so
    ``authorization_servers`` is omitted (§12.2.4)."""
    response = jsonify(
        {
            "credential_issuer": issuer_identifier(),
            "credential_endpoint": _url("/oid4vci/credential"),
            "nonce_endpoint": _url("/oid4vci/nonce"),
            "display": [{"name": current_app.config["ISSUER_NAME"], "locale": "en-US"}],
            "credential_configurations_supported": credential_configurations(),
        }
    )
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/.well-known/oauth-authorization-server")
def authorization_server_metadata() -> Response:
    """OAuth 2.0 Authorization Server Metadata (RFC 8414) with the pre-authorized grant and
    anonymous access (OpenID4VCI §12.3)."""
    response = jsonify(
        {
            "issuer": issuer_identifier(),
            "token_endpoint": _url("/oid4vci/token"),
            "grant_types_supported": [PRE_AUTHORIZED_GRANT],
            "pre-authorized_grant_anonymous_access_supported": True,
            "response_types_supported": [],
        }
    )
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def credential_offer(offer: WalletOffer, code: str) -> dict[str, Any]:
    """The Credential Offer object (§4.1.1) with a pre-authorized grant and a numeric
    ``tx_code`` the wallet asks the student for."""
    return {
        "credential_issuer": issuer_identifier(),
        "credential_configuration_ids": [LDP_CONFIGURATION, JWT_CONFIGURATION],
        "grants": {
            PRE_AUTHORIZED_GRANT: {
                "pre-authorized_code": code,
                "tx_code": {
                    "input_mode": "numeric",
                    "length": offers.TX_CODE_LENGTH,
                    "description": "The 6-digit code shown under the QR code on My badges",
                },
            }
        },
    }


def offer_by_value(offer: WalletOffer, code: str) -> str:
    """``openid-credential-offer://?credential_offer=…`` (§4.1, same-device link)."""
    text = json.dumps(credential_offer(offer, code), separators=(",", ":"))
    return f"{OFFER_SCHEME}?credential_offer={quote(text, safe='')}"


def offer_by_reference(offer: WalletOffer) -> str:
    """``openid-credential-offer://?credential_offer_uri=…`` (§4.1.3, what the QR code shows)."""
    uri = _url(f"/oid4vci/offers/{offer.offer_id}")
    return f"{OFFER_SCHEME}?credential_offer_uri={quote(uri, safe='')}"


def _code_key() -> bytes:
    return str(current_app.config["SECRET_KEY"]).encode("utf-8")


@bp.get("/oid4vci/offers/<offer_id>")
def offer_document(offer_id: str) -> Response:
    """The Credential Offer behind a ``credential_offer_uri`` (§4.1.3), while it is unused
    and unexpired; 404 afterwards."""
    offer = offers.find_offer(get_session(), offer_id, WalletProtocol.OID4VCI)
    if offer is None or offer.redeemed_at is not None or offer.expires_at <= _now():
        return _error("invalid_request", "no such open credential offer", 404)
    return _json(credential_offer(offer, offers.offer_code(_code_key(), offer.offer_id)))


@bp.post("/oid4vci/token")
def token() -> Response:
    """Token Endpoint (§6): the pre-authorized code and transaction code for an access token."""
    form = request.form
    if form.get("grant_type") != PRE_AUTHORIZED_GRANT:
        return _error("unsupported_grant_type", f"grant_type must be {PRE_AUTHORIZED_GRANT}")
    code = form.get("pre-authorized_code")
    if not code:
        return _error("invalid_request", "pre-authorized_code is missing")
    session = get_session()
    try:
        access_token = offers.redeem_pre_authorized_code(
            session, code=code, tx_code=form.get("tx_code"), now=_now()
        )
    except offers.OfferError as error:
        session.commit()  # a wrong transaction code is counted
        return _error(error.error, error.description)
    session.commit()
    return _json(
        {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": int(offers.ACCESS_TOKEN_LIFETIME.total_seconds()),
        }
    )


def _nonces() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="oid4vci-c_nonce")


def _nonce_is_valid(nonce: str) -> bool:
    try:
        _nonces().loads(nonce, max_age=NONCE_LIFETIME_SECONDS)
    except BadSignature:
        return False
    return True


@bp.post("/oid4vci/nonce")
def nonce() -> Response:
    """Nonce Endpoint (§7): an unpredictable ``c_nonce``, signed and valid for 5 minutes
    (stateless: the offer itself is what makes a credential request single-use)."""
    return _json({"c_nonce": _nonces().dumps(secrets.token_urlsafe(16))})


def _bearer_token() -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def _proof_jwts(body: dict[str, Any]) -> list[Any]:
    """The ``jwt`` key proofs of a Credential Request: ``proofs`` (1.0, §8.2) or the single
    ``proof`` earlier drafts used (still sent by some wallets). Raises InvalidProof when there
    is none; ValueError for a malformed request."""
    if "proofs" in body and "proof" in body:
        raise ValueError("use proofs or proof, not both")
    if "proof" in body:
        proof = body["proof"]
        if not isinstance(proof, dict) or proof.get("proof_type") != "jwt":
            raise InvalidProof("only the jwt proof type is supported")
        return [proof.get("jwt")]
    proofs = body.get("proofs")
    if proofs is None:
        raise InvalidProof("proofs is missing: the credential is bound to the wallet's key")
    if not isinstance(proofs, dict) or len(proofs) != 1:
        raise ValueError("proofs must hold exactly one proof type")
    jwts = proofs.get("jwt")
    if not isinstance(jwts, list) or not jwts:
        raise InvalidProof("only the jwt proof type is supported, as a non-empty array")
    return jwts


@bp.post("/oid4vci/credential")
def credential() -> Response:
    """Credential Endpoint (§8): one credential per offer, bound to the DID of the key that
    signed the (first) proof; every proof sent must be valid."""
    access_token = _bearer_token()
    if access_token is None:
        return _error("invalid_token", "an access token (Bearer) is required", 401)
    session = get_session()
    now = _now()
    try:
        offer = offers.offer_for_access_token(session, access_token, now=now)
    except offers.OfferError as error:
        return _error(error.error, error.description, 401)
    if request.content_length is not None and request.content_length > MAX_REQUEST_BYTES:
        return _error("invalid_credential_request", "the request is too large")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _error("invalid_credential_request", "the request must be a JSON object")
    if "credential_identifier" in body:
        return _error(
            "unknown_credential_identifier", "this issuer uses credential_configuration_id"
        )
    configuration = body.get("credential_configuration_id")
    if not isinstance(configuration, str):
        return _error("invalid_credential_request", "credential_configuration_id is missing")
    if configuration not in (LDP_CONFIGURATION, JWT_CONFIGURATION):
        return _error("unknown_credential_configuration", "unknown credential configuration")
    try:
        holders = [
            check_proof_jwt(
                jwt, audience=issuer_identifier(), now=now, nonce_is_valid=_nonce_is_valid
            )
            for jwt in _proof_jwts(body)
        ]
    except InvalidNonce as error:
        return _error("invalid_nonce", str(error))
    except InvalidProof as error:
        return _error("invalid_proof", str(error))
    except ValueError as error:
        return _error("invalid_credential_request", str(error))
    try:
        json_ld, jwt = offers.deliver(
            session,
            offer=offer,
            holder_id=holders[0],
            signer=current_app.extensions["signer"],
            now=now,
        )
    except offers.OfferError as error:
        session.rollback()
        return _error(error.error, error.description)
    session.commit()
    issued = json_ld if configuration == LDP_CONFIGURATION else jwt
    return _json({"credentials": [{"credential": issued}]})
