"""What the admin pages show about delivery: per award, the state of its latest award e-mail,
when it was claimed and when it was added to a wallet (a wallet offer delivered, from
``issuer.wallets``, or ``AwardDelivery.wallet_added_at``); per student, every message."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.models import (
    AwardDelivery,
    MessageStatus,
    OutboundMessage,
    WalletOffer,
    WalletProtocol,
)
from issuer.notifications.messages import AWARD_ISSUED

WALLET_NAMES = {
    WalletProtocol.OID4VCI: "OpenID4VCI wallet",
    WalletProtocol.VCAPI: "Learner Credential Wallet",
}


@dataclass(frozen=True)
class AwardDeliveryState:
    email_status: MessageStatus | None  # the latest award e-mail; None: none was queued
    email_error: str | None
    email_sent_at: datetime | None
    claimed_at: datetime | None
    wallet_added_at: datetime | None
    wallet_name: str | None


def award_delivery_states(
    session: Session, award_ids: Iterable[int]
) -> dict[int, AwardDeliveryState]:
    """The delivery state of each award id (every id gets an entry)."""
    ids = list(award_ids)
    latest: dict[int, OutboundMessage] = {}
    for message in session.scalars(
        select(OutboundMessage)
        .where(OutboundMessage.award_id.in_(ids), OutboundMessage.kind == AWARD_ISSUED)
        .order_by(OutboundMessage.id)
    ):
        latest[message.award_id] = message  # type: ignore[index]
    deliveries = {
        d.award_id: d
        for d in session.scalars(select(AwardDelivery).where(AwardDelivery.award_id.in_(ids)))
    }
    wallets: dict[int, WalletOffer] = {}
    for offer in session.scalars(
        select(WalletOffer)
        .where(WalletOffer.award_id.in_(ids), WalletOffer.delivered_at.is_not(None))
        .order_by(WalletOffer.delivered_at.desc())
    ):
        wallets[offer.award_id] = offer  # the earliest delivery wins (ordered newest first)
    states = {}
    for award_id in ids:
        message, delivery = latest.get(award_id), deliveries.get(award_id)
        offer = wallets.get(award_id)
        states[award_id] = AwardDeliveryState(
            email_status=message.status if message else None,
            email_error=message.last_error if message else None,
            email_sent_at=message.sent_at if message else None,
            claimed_at=delivery.claimed_at if delivery else None,
            wallet_added_at=(
                offer.delivered_at if offer else (delivery.wallet_added_at if delivery else None)
            ),
            wallet_name=(
                WALLET_NAMES[offer.protocol]
                if offer
                else (delivery.wallet_name if delivery else None)
            ),
        )
    return states


def student_messages(session: Session, student_id: int, limit: int = 50) -> list[OutboundMessage]:
    """The student's messages, newest first."""
    return list(
        session.scalars(
            select(OutboundMessage)
            .where(OutboundMessage.student_id == student_id)
            .order_by(OutboundMessage.id.desc())
            .limit(limit)
        )
    )


def latest_user_message(session: Session, user_id: int) -> OutboundMessage | None:
    """The newest message to a user (an invitation or a reset link), or None."""
    return session.scalars(
        select(OutboundMessage)
        .where(OutboundMessage.user_id == user_id)
        .order_by(OutboundMessage.id.desc())
        .limit(1)
    ).first()
