"""The outbox: ``queue_message`` records a message in the caller's transaction (so an award and its e-mail
commit or roll back together); delivery happens outside the request and is recorded on the
same row (``issuer.models.OutboundMessage``: queued, sent, or failed with the reason).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from issuer.models import MessageStatus, OutboundMessage


def queue_message(
    session: Session,
    *,
    kind: str,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    student_id: int | None = None,
    user_id: int | None = None,
    award_id: int | None = None,
    now: datetime | None = None,
) -> OutboundMessage:
    """Add one message to the outbox (flushed, not committed: the caller owns the transaction).

    ``kind`` names what the message is about ("award.issued", "user.invited", …); ``text`` is
    the plain-text body and ``html`` the optional HTML alternative, both UTF-8. Returns the
    queued row. Raises ``ValueError`` for an empty address or subject.
    """
    message = OutboundMessage(
        **message_row(
            kind=kind,
            to=to,
            subject=subject,
            text=text,
            html=html,
            student_id=student_id,
            user_id=user_id,
            award_id=award_id,
            now=now,
        )
    )
    session.add(message)
    session.flush()
    return message


def message_row(
    *,
    kind: str,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    student_id: int | None = None,
    user_id: int | None = None,
    award_id: int | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The ``outbound_messages`` row of one queued message (arguments as
    :func:`queue_message`), for callers that write many in one multi-row INSERT (bulk
    issuance). Raises ``ValueError`` for an empty address or subject."""
    if not to.strip() or not subject.strip():
        raise ValueError("a message needs an address and a subject")
    return {
        "kind": kind,
        "to_address": to.strip(),
        "subject": subject,
        "body_text": text,
        "body_html": html,
        "status": MessageStatus.QUEUED,
        "attempts": 0,
        "next_attempt_at": now or datetime.now(UTC),
        "student_id": student_id,
        "user_id": user_id,
        "award_id": award_id,
        "created_at": now or datetime.now(UTC),
    }
