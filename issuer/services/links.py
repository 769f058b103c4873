"""One-time links sent by e-mail: claim a badge, sign a student in, accept an invitation,
reset a password.

A link carries a random nonce signed with the app's secret (itsdangerous, HMAC-SHA1 over a
salt per use): a tampered link fails the signature before the database is read. The nonce's
row in ``one_time_links`` makes the link single-use (``used_at``) and expiring
(``expires_at``), so a link stays refused after use even though its signature stays valid.
"""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from issuer.models import LinkPurpose, OneTimeLink

# How long each kind of link works: students read mail late; sign-in and reset are short.
LIFETIMES = {
    LinkPurpose.STUDENT_CLAIM: timedelta(days=14),
    LinkPurpose.STUDENT_SIGN_IN: timedelta(minutes=15),
    LinkPurpose.USER_INVITE: timedelta(days=7),
    LinkPurpose.PASSWORD_RESET: timedelta(hours=1),
}
_SALT = "one-time-link"


class Refusal(enum.StrEnum):
    """Why a link was refused; the page explains each in plain words."""

    TAMPERED = "tampered"  # not signed by us, or signed for another use
    UNKNOWN = "unknown"  # signed, but no such link (e.g. the database was reset)
    USED = "used"
    EXPIRED = "expired"


class LinkRefused(Exception):
    def __init__(self, refusal: Refusal, link: OneTimeLink | None = None) -> None:
        self.refusal, self.link = refusal, link
        super().__init__(str(refusal))


@dataclass(frozen=True)
class LinkSigner:
    """Signs and reads link tokens with the app's ``SECRET_KEY`` (never empty)."""

    secret: str

    def __post_init__(self) -> None:
        if not self.secret:
            raise ValueError(
                "one-time links need a secret key: build the site with "
                "IssuerSite.from_config(app.config), which passes SECRET_KEY"
            )

    def _serializer(self) -> URLSafeSerializer:
        return URLSafeSerializer(self.secret, salt=_SALT)

    def dumps(self, nonce: str, purpose: LinkPurpose) -> str:
        return str(self._serializer().dumps({"n": nonce, "p": str(purpose)}))

    def loads(self, token: str, purpose: LinkPurpose) -> str:
        """The nonce of a token signed by us for ``purpose``; raises :class:`LinkRefused`."""
        try:
            payload = self._serializer().loads(token)
        except BadSignature as exc:
            raise LinkRefused(Refusal.TAMPERED) from exc
        if not isinstance(payload, dict) or payload.get("p") != str(purpose):
            raise LinkRefused(Refusal.TAMPERED)
        nonce = payload.get("n")
        if not isinstance(nonce, str):
            raise LinkRefused(Refusal.TAMPERED)
        return nonce


def create(
    session: Session,
    signer: LinkSigner,
    *,
    purpose: LinkPurpose,
    now: datetime,
    student_id: int | None = None,
    user_id: int | None = None,
    award_id: int | None = None,
) -> str:
    """Record a new link and return its token (to put in a URL; URL-safe, about 80 chars)."""
    row, token = new_link(
        signer, purpose=purpose, now=now, student_id=student_id, user_id=user_id, award_id=award_id
    )
    session.add(OneTimeLink(**row))
    session.flush()
    return token


def new_link(
    signer: LinkSigner,
    *,
    purpose: LinkPurpose,
    now: datetime,
    student_id: int | None = None,
    user_id: int | None = None,
    award_id: int | None = None,
) -> tuple[dict[str, Any], str]:
    """A new link not yet recorded: the ``one_time_links`` row's values (for a multi-row
    INSERT, as bulk issuance writes them) and the token for the URL. :func:`create` records
    one."""
    nonce = secrets.token_urlsafe(24)
    row = {
        "nonce": nonce,
        "purpose": purpose,
        "student_id": student_id,
        "user_id": user_id,
        "award_id": award_id,
        "created_at": now,
        "expires_at": now + LIFETIMES[purpose],
    }
    return row, signer.dumps(nonce, purpose)


def check(
    session: Session, signer: LinkSigner, token: str, *, purpose: LinkPurpose, now: datetime
) -> OneTimeLink:
    """The link's row when ``token`` is ours, for ``purpose``, unused and unexpired.

    Raises :class:`LinkRefused` with the reason (checked in the order tampered, unknown,
    used, expired). Does not use the link: see :func:`use`.
    """
    if len(token) > 500:
        raise LinkRefused(Refusal.TAMPERED)
    nonce = signer.loads(token, purpose)
    link = session.scalar(select(OneTimeLink).where(OneTimeLink.nonce == nonce))
    if link is None or link.purpose != purpose:
        raise LinkRefused(Refusal.UNKNOWN)
    if link.used_at is not None:
        raise LinkRefused(Refusal.USED, link)
    if link.expires_at <= now:
        raise LinkRefused(Refusal.EXPIRED, link)
    return link


def use(
    session: Session, signer: LinkSigner, token: str, *, purpose: LinkPurpose, now: datetime
) -> OneTimeLink:
    """Check the link and mark it used, atomically: of two concurrent uses only one wins
    (a conditional UPDATE), the other gets :class:`LinkRefused` (``USED``)."""
    link = check(session, signer, token, purpose=purpose, now=now)
    result = session.execute(
        update(OneTimeLink)
        .where(OneTimeLink.id == link.id, OneTimeLink.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise LinkRefused(Refusal.USED, link)
    session.refresh(link)
    return link


def retire_unused(session: Session, *, purpose: LinkPurpose, user_id: int, now: datetime) -> None:
    """Mark a user's earlier unused links of ``purpose`` used (a new one replaces them)."""
    session.execute(
        update(OneTimeLink)
        .where(
            OneTimeLink.purpose == purpose,
            OneTimeLink.user_id == user_id,
            OneTimeLink.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
