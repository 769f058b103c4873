"""How the verifier finds keys and status lists: Protocols, plus the offline implementations.

The verifier never decides on its own to use the network: whoever builds it passes resolvers in.
``OfflineResolver`` knows did:key (derived from the DID itself) and any documents it is given
(our own DID document and status lists, through ``wsgi.py``); everything else is unresolvable,
and the report says so rather than guessing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from keys.did import InvalidDid, did_key_document


class ResolutionError(LookupError):
    """A controller document or status list could not be obtained."""


class NeedsNetwork(ResolutionError):
    """Resolving this URL needs the network, which this resolver does not use."""


class DocumentResolver(Protocol):
    def resolve(self, url: str) -> dict[str, Any]:
        """The JSON document at ``url`` (DID document, controller document, status list)."""
        ...


def base_url(url: str) -> str:
    return url.split("#", 1)[0]


class OfflineResolver:
    """did:key offline, plus fixed documents keyed by URL (fragment stripped)."""

    def __init__(
        self,
        documents: Mapping[str, dict[str, Any]] | None = None,
        providers: Mapping[str, Callable[[], dict[str, Any]]] | None = None,
    ) -> None:
        self._documents = dict(documents or {})
        self._providers = dict(providers or {})

    def resolve(self, url: str) -> dict[str, Any]:
        url = base_url(url)
        if url.startswith("did:key:"):
            try:
                return did_key_document(url)
            except InvalidDid as error:
                raise ResolutionError(str(error)) from None
        if url in self._documents:
            return self._documents[url]
        if url in self._providers:
            return self._providers[url]()
        if url.startswith(("did:web:", "https://", "http://")):
            raise NeedsNetwork(f"{url} could not be resolved offline (it needs the network)")
        raise ResolutionError(f"{url} uses a method this verifier cannot resolve")


class ChainResolver:
    """Try resolvers in order; the first that answers wins, network ones last."""

    def __init__(self, *resolvers: DocumentResolver) -> None:
        self._resolvers = resolvers

    def resolve(self, url: str) -> dict[str, Any]:
        last_error: ResolutionError = ResolutionError(f"{url} could not be resolved")
        for resolver in self._resolvers:
            try:
                return resolver.resolve(url)
            except ResolutionError as error:
                last_error = error
        raise last_error
