"""Offers of an award to a wallet: created from "my badges", redeemed once, then delivered.

Takes a session and never commits (the view owns the transaction). Secrets (pre-authorized
code, transaction code, access token, exchange challenge) exist in clear only in the return
values given to the student's page or the wallet; the table keeps their SHA-256 hashes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.models import Award, WalletOffer, WalletProtocol
from issuer.services import audit
from issuer.services.issuance import Signer, credential_for_holder

OFFER_LIFETIME = timedelta(minutes=10)  # from the QR code on screen to the wallet's request
ACCESS_TOKEN_LIFETIME = timedelta(minutes=5)
TX_CODE_LENGTH = 6  # digits the student types into the wallet
MAX_TX_CODE_ATTEMPTS = 5  # then the offer is dead: 5 guesses in 10^6
WALLET_ACTOR = "wallet"  # the audit log's actor label for deliveries


class OfferError(Exception):
    """An offer cannot be used; ``error`` is the protocol's error code (OpenID4VCI / OAuth
    ``invalid_grant``, ``invalid_request``, ``invalid_token``, ``credential_request_denied``)
    and the message says why in words a developer understands."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


class OfferRefused(ValueError):
    """The award cannot be offered to a wallet (revoked or expired); the message says so."""


@dataclass(frozen=True)
class NewOffer:
    """A fresh offer and its secrets in clear (shown once, never stored)."""

    offer: WalletOffer
    code: str  # the pre-authorized code (OpenID4VCI) or the exchange challenge (VC-API)
    tx_code: str | None  # OpenID4VCI transaction code; None for VC-API


def secret_hash(secret: str) -> str:
    """SHA-256 hex of a secret (the only form in which offers' secrets are stored)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _matches(secret: str, stored_hash: str | None) -> bool:
    return stored_hash is not None and hmac.compare_digest(secret_hash(secret), stored_hash)


def offer_code(code_key: bytes, offer_id: str) -> str:
    """The offer's first code (pre-authorized code or exchange challenge): an HMAC-SHA256 of
    its public id under ``code_key`` (the app's secret), so that an offer passed by reference
    (OpenID4VCI ``credential_offer_uri``) can be served again without storing the code."""
    digest = hmac.new(code_key, f"wallet-offer:{offer_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def create_offer(
    session: Session,
    *,
    award: Award,
    protocol: WalletProtocol,
    code_key: bytes,
    now: datetime,
) -> NewOffer:
    """A single-use offer of ``award`` that expires after :data:`OFFER_LIFETIME`; its code is
    :func:`offer_code` under ``code_key``. Raises :class:`OfferRefused` for a revoked or
    expired award."""
    if award.revoked_at is not None:
        raise OfferRefused("This badge was revoked, so it cannot be added to a wallet.")
    if award.valid_until is not None and award.valid_until <= now:
        raise OfferRefused("This badge has expired, so it cannot be added to a wallet.")
    offer_id = secrets.token_urlsafe(18)
    code = offer_code(code_key, offer_id)
    tx_code = None
    if protocol is WalletProtocol.OID4VCI:
        tx_code = f"{secrets.randbelow(10**TX_CODE_LENGTH):0{TX_CODE_LENGTH}d}"
    offer = WalletOffer(
        offer_id=offer_id,
        award=award,
        protocol=protocol,
        code_hash=secret_hash(code),
        tx_code_hash=secret_hash(tx_code) if tx_code else None,
        failed_attempts=0,
        created_at=now,
        expires_at=now + OFFER_LIFETIME,
    )
    session.add(offer)
    session.flush()
    return NewOffer(offer, code, tx_code)


def find_offer(
    session: Session, offer_id: str, protocol: WalletProtocol, *, lock: bool = False
) -> WalletOffer | None:
    """The offer with this public id and protocol, if any (it may be used or expired).
    ``lock``: row-locked until the transaction ends (PostgreSQL), so that two wallets racing
    on one offer are served one after the other and the second finds it used."""
    query = select(WalletOffer).where(
        WalletOffer.offer_id == offer_id, WalletOffer.protocol == protocol
    )
    return session.scalar(query.with_for_update() if lock else query)


def _usable(offer: WalletOffer | None, now: datetime, error: str) -> WalletOffer:
    if offer is None:
        raise OfferError(error, "unknown offer")
    if offer.delivered_at is not None or offer.redeemed_at is not None:
        raise OfferError(error, "this offer was already used")
    if offer.expires_at <= now:
        raise OfferError(error, "this offer has expired")
    return offer


def redeem_pre_authorized_code(
    session: Session, *, code: str, tx_code: str | None, now: datetime
) -> str:
    """OpenID4VCI 1.0 §6.1/§6.3: exchange a pre-authorized code and its transaction code for
    an access token (returned in clear, valid :data:`ACCESS_TOKEN_LIFETIME`).

    Raises :class:`OfferError` ``invalid_grant`` (unknown, used or expired code; wrong
    transaction code, counted: after :data:`MAX_TX_CODE_ATTEMPTS` the offer is dead) or
    ``invalid_request`` (transaction code missing). Commit also after an error, so that a
    wrong transaction code is counted.
    """
    offer = session.scalar(
        select(WalletOffer)
        .where(
            WalletOffer.code_hash == secret_hash(code),
            WalletOffer.protocol == WalletProtocol.OID4VCI,
        )
        .with_for_update()
    )
    offer = _usable(offer, now, "invalid_grant")
    if not tx_code:
        raise OfferError("invalid_request", "tx_code is required for this offer")
    if not _matches(tx_code, offer.tx_code_hash):
        offer.failed_attempts += 1
        if offer.failed_attempts >= MAX_TX_CODE_ATTEMPTS:
            offer.expires_at = now  # dead: the student makes a new offer
        raise OfferError("invalid_grant", "wrong transaction code")
    token = secrets.token_urlsafe(32)
    offer.access_token_hash = secret_hash(token)
    offer.access_token_expires_at = now + ACCESS_TOKEN_LIFETIME
    offer.redeemed_at = now
    return token


def offer_for_access_token(session: Session, token: str, *, now: datetime) -> WalletOffer:
    """The redeemed offer an access token belongs to. Raises :class:`OfferError`
    ``invalid_token`` (RFC 6750 §3.1) when the token is unknown, expired or already used."""
    offer = session.scalar(
        select(WalletOffer)
        .where(WalletOffer.access_token_hash == secret_hash(token))
        .with_for_update()
    )
    if offer is None or offer.access_token_expires_at is None:
        raise OfferError("invalid_token", "unknown access token")
    if offer.access_token_expires_at <= now:
        raise OfferError("invalid_token", "the access token has expired")
    if offer.delivered_at is not None:
        raise OfferError("invalid_token", "the credential for this token was already issued")
    return offer


def new_exchange_challenge(session: Session, offer: WalletOffer, *, now: datetime) -> str:
    """A fresh challenge for a VC-API exchange (its Verifiable Presentation Request step);
    the previous one stops working. Raises :class:`OfferError` for a used or expired offer."""
    _usable(offer, now, "invalid_request")
    challenge = secrets.token_urlsafe(32)
    offer.code_hash = secret_hash(challenge)
    return challenge


def check_exchange(offer: WalletOffer | None, *, challenge: Any, now: datetime) -> WalletOffer:
    """The VC-API exchange is open and ``challenge`` is its current challenge.
    Raises :class:`OfferError`."""
    offer = _usable(offer, now, "invalid_request")
    if not isinstance(challenge, str) or not _matches(challenge, offer.code_hash):
        raise OfferError("invalid_request", "the presentation's challenge is not this exchange's")
    return offer


def deliver(
    session: Session,
    *,
    offer: WalletOffer,
    holder_id: str,
    signer: Signer,
    now: datetime,
) -> tuple[dict[str, Any], str]:
    """Sign the award for the wallet's DID (through ``issuance.credential_for_holder``), mark
    the offer used and the award "added to a wallet", and audit it. Returns ``(json_ld,
    jwt)``. Raises :class:`OfferError` ``credential_request_denied`` when the award was revoked
    since the offer was made."""
    award = offer.award
    try:
        signed = credential_for_holder(award, holder_id=holder_id, signer=signer)
    except ValueError:
        raise OfferError("credential_request_denied", "the badge was revoked") from None
    offer.redeemed_at = offer.redeemed_at or now
    offer.delivered_at = now
    offer.holder_id = holder_id
    award.added_to_wallet_at = now
    audit.record(
        session,
        None,
        audit.AWARD_ADDED_TO_WALLET,
        award,
        {"protocol": str(offer.protocol), "offer": offer.offer_id, "holder": holder_id},
        now=now,
        actor_label=WALLET_ACTOR,
    )
    session.flush()
    return signed
