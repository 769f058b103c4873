"""The issuer's trust documents for the verifier, without the network: a
``verifier.resolvers.DocumentResolver`` for the signed registry of recognized issuers, our
employers' DID documents and their 1EdTech revocation lists, built from the database and key
stores exactly as ``issuer.web.public.trust`` serves them."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from issuer.models import Organisation
from issuer.services import endorsements, registry
from issuer.signing import EmployerSigners
from keys.store import KeyStoreError
from verifier.resolvers import ResolutionError, base_url

SessionFactory = Callable[[], Session]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class TrustDocuments:
    def __init__(
        self,
        sessions: SessionFactory,
        *,
        signed_registry: registry.SignedRegistry,
        employers: EmployerSigners,
        base_url: str,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._sessions = sessions
        self._registry = signed_registry
        self._employers = employers
        self._base_url = base_url.rstrip("/")
        self._clock = clock
        self._revocations = re.compile(
            re.escape(self._base_url) + r"/employers/([a-z0-9][a-z0-9-]{0,79})/revocations"
        )

    def resolve(self, url: str) -> dict[str, Any]:
        """The trust document at ``url``; ResolutionError when it is not one of ours or the
        database cannot be read (then the registry recognizes no one: nothing crashes)."""
        try:
            return self._resolve(base_url(url))
        except SQLAlchemyError as error:
            self._sessions().rollback()
            raise ResolutionError(
                f"{url}: the database cannot be read ({type(error).__name__})"
            ) from None

    def _resolve(self, url: str) -> dict[str, Any]:
        if url == registry.registry_url(self._base_url):
            try:
                return self._registry.credential(self._sessions(), self._clock())
            except KeyStoreError as error:
                raise ResolutionError(f"the registry cannot be signed: {error}") from None
        slug = self._employers.slug_of(url)
        if slug is not None:
            document = self._employers.did_document(slug)
            if document is None:
                raise ResolutionError(f"{url}: this employer has no signing key")
            return document
        match = self._revocations.fullmatch(url)
        if match is not None:
            return self.revocation_list(match.group(1), url)
        raise ResolutionError(f"{url} is not one of this issuer's trust documents")

    def revocation_list(self, slug: str, url: str) -> dict[str, Any]:
        session = self._sessions()
        organisation = session.scalar(select(Organisation).where(Organisation.slug == slug))
        if organisation is None:
            raise ResolutionError(f"{url}: no such employer")
        return endorsements.revocation_list(
            session, organisation, base_url=self._base_url, did=self._employers.did(slug)
        )
