"""The issuer's answers to the verifier's questions, behind the Protocols the verifier declares.

* :class:`IssuerRecords` is a ``verifier.benefits.BenefitSource`` (a badge definition by its
  achievement id; the pathway certification and graduation year behind an award), a
  ``verifier.web.lookup.StoredCredentials`` (our own award's signed credential by its id) and
  a ``verifier.verification.SigningRecords`` (when we signed exactly this credential).
* :class:`IssuerDocuments` is a ``verifier.resolvers.DocumentResolver`` for our own status
  lists, built from the database exactly as ``/status-lists/<id>`` serves them, so our own
  credentials verify without the network.

Both take a session factory (``issuer.database.get_session`` in the app), so they can be
built once in ``wsgi.py`` and used in any request or command.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from badge_definitions import certification_rank
from issuer.models import Award, BadgeDefinitionRecord, Pathway
from issuer.services import status_lists
from issuer.services.badges import definition_of
from issuer.services.my_badges import public_holder_name
from verifier.benefits import AwardFacts, KnownBadge
from verifier.resolvers import ResolutionError, base_url
from verifier.web.lookup import StoredCredential

SessionFactory = Callable[[], Session]
Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def credential_uuid(identifier: str) -> str | None:
    """The canonical UUID in ``identifier`` (a bare UUID or a ``urn:uuid:`` URN), else None."""
    try:
        return str(uuid.UUID(identifier.removeprefix("urn:uuid:")))
    except ValueError:
        return None


def find_award(session: Session, identifier: str) -> Award | None:
    """The award whose credential id is ``identifier`` (UUID or URN).

    Found once per session: a page asks several times (the stored credential, the holder's
    name, the benefit facts), and the session's identity map holds objects only weakly, so
    without this each ask is a query again. Kept for the session's life (one request)."""
    value = credential_uuid(identifier)
    if value is None:
        return None
    found: dict[str, Award] = session.info.setdefault("awards_by_credential_id", {})
    award = found.get(value)
    if award is None:
        award = session.scalar(select(Award).where(Award.credential_id == f"urn:uuid:{value}"))
        if award is not None:
            found[value] = award
    return award


def certification_facts(pathway: Pathway, minimum_level: str, today: date) -> tuple[bool, str]:
    """Whether the pathway's certification is active at ``minimum_level`` or above, and a
    line saying so (``certification_expires_on`` is the first day it no longer holds)."""
    level = str(pathway.certification_level)
    expires = pathway.certification_expires_on
    lapsed = expires is not None and today >= expires
    high_enough = certification_rank(level) >= certification_rank(minimum_level or "candidate")
    label = level.capitalize()
    if lapsed:
        text = f"{label}, lapsed on {expires.day} {expires:%B %Y}"
    elif not high_enough:
        text = f"{label}; {minimum_level.capitalize()} or higher is required"
    else:
        text = f"{label}, until {expires.day} {expires:%B %Y}" if expires else label
    return (high_enough and not lapsed), text


class IssuerRecords:
    def __init__(
        self, sessions: SessionFactory, *, issuer_id: str, base_url: str, clock: Clock = _utcnow
    ) -> None:
        self._sessions = sessions
        self._issuer_id = issuer_id
        self._achievements = base_url.rstrip("/") + "/achievements/"
        self._clock = clock

    def badge_for(self, achievement_id: str) -> KnownBadge | None:
        if not achievement_id.startswith(self._achievements):
            return None
        slug = achievement_id.removeprefix(self._achievements)
        record = self._sessions().scalar(
            select(BadgeDefinitionRecord).where(BadgeDefinitionRecord.slug == slug)
        )
        return None if record is None else KnownBadge(definition_of(record), self._issuer_id)

    def award_facts(self, credential_id: str) -> AwardFacts | None:
        award = find_award(self._sessions(), credential_id)
        if award is None:
            return None
        definition = definition_of(award.badge)
        pathway = award.student.pathway
        active, text = certification_facts(
            pathway, definition.eligibility.minimum_certification, self._clock().date()
        )
        return AwardFacts(
            graduation_year=award.student.graduation_year,
            pathway_name=pathway.name,
            pathway_certification_active=active,
            pathway_certification=text,
        )

    def stored(self, identifier: str) -> StoredCredential | None:
        """None also when the student hid the badge's public page: the QR landing and the API
        look-up then say "not kept here", while an uploaded or pasted copy still verifies."""
        award = find_award(self._sessions(), identifier)
        if award is None or award.public_page_hidden:
            return None
        return StoredCredential(
            credential=award.credential_json,
            jwt=award.credential_jwt,
            uuid=award.credential_id.removeprefix("urn:uuid:"),
            holder_name=public_holder_name(award.student),
            revoked_at=award.revoked_at,
        )

    def signed_at(self, credential_id: Any, signed: dict[str, Any] | str) -> datetime | None:
        """``verifier.verification.SigningRecords``: when we issued exactly ``signed`` (the
        stored JSON-LD credential, proof included, or the stored JWT) as ``credential_id``.
        The award row is written in the issuing transaction, so its time is ours, not the
        signature's claim."""
        if not isinstance(credential_id, str):
            return None
        award = find_award(self._sessions(), credential_id)
        if award is None:
            return None
        stored = award.credential_jwt if isinstance(signed, str) else award.credential_json
        return award.issued_at if stored == signed else None


class IssuerDocuments:
    """Our status list credentials, by their published URL, without the network: the stored
    signed form (``status_lists.published``), exactly what ``/status-lists/<id>`` serves.
    Nothing is signed here: the verify path only reads."""

    def __init__(self, sessions: SessionFactory, *, base_url: str) -> None:
        self._sessions = sessions
        self._base_url = base_url.rstrip("/")
        prefix = re.escape(status_lists.status_list_url(self._base_url, 0)[:-1])
        self._pattern = re.compile(prefix + r"([1-9][0-9]{0,9})")

    def resolve(self, url: str) -> dict[str, Any]:
        match = self._pattern.fullmatch(base_url(url))
        if match is None:
            raise ResolutionError(f"{url} is not one of this issuer's status lists")
        forms = status_lists.published(self._sessions(), int(match.group(1)))
        if forms is None:
            raise ResolutionError(f"{url}: this issuer has not published such a status list")
        return forms.credential
