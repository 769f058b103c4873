"""What the verifier's pages need from whoever keeps credentials: a Protocol, filled in by
``wsgi.py`` with the issuer's implementation (the verifier never imports the issuer)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class StoredCredential:
    credential: dict[str, Any]  # JSON-LD with its Data Integrity proof
    jwt: str | None
    uuid: str  # the credential id without "urn:uuid:", as used in /verify/<uuid>
    holder_name: str | None = None  # only when the holder consented to show it publicly
    # When the issuer revoked it (UTC), for the verdict: the status list does not say.
    revoked_at: datetime | None = None


class StoredCredentials(Protocol):
    def stored(self, identifier: str) -> StoredCredential | None:
        """The signed credential with this id (a UUID or urn:uuid URN), if it is one we keep."""
        ...
