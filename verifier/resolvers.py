"""How the verifier finds keys and status lists: Protocols, plus the offline implementations.

The verifier never decides on its own to use the network: whoever builds it passes resolvers in.
``OfflineResolver`` knows did:key (derived from the DID itself) and any documents it is given
(our own DID document and status lists, through ``wsgi.py``); everything else is unresolvable,
and the report says so rather than guessing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

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


# -- keys are fetched only when they are the issuer's own --------------------------------

# The issuer whose key is being resolved (None: not resolving a key). Set by the verifier
# around key resolution and read by every resolver that would use the network, so a JWT
# ``kid`` or a proof ``verificationMethod`` naming someone else's URL is refused before any
# request: no blind GET on an attacker's behalf, no worker held by a slow host.
_key_owner: ContextVar[str | None] = ContextVar("key_owner", default=None)


@contextmanager
def resolving_key_of(issuer: str | None) -> Iterator[None]:
    """Within this block, key URLs are fetched only when :func:`bound_to_issuer` holds."""
    token = _key_owner.set(issuer or "")
    try:
        yield
    finally:
        _key_owner.reset(token)


def resolving_key() -> bool:
    """True within :func:`resolving_key_of`: the document fetched now holds a key."""
    return _key_owner.get() is not None


def unbound_key_url(url: str) -> str | None:
    """Why ``url`` must not be fetched now (a key URL not the issuer's), or None."""
    issuer = _key_owner.get()
    if issuer is None or bound_to_issuer(url, issuer):
        return None
    shown = issuer or "(no issuer)"
    return (
        f"the key {url} is not published by the issuer {shown} (not on its origin or under "
        "its did:web), so it was not fetched"
    )


def _did_web_location(did: str) -> tuple[str, str] | None:
    """(host, path prefix) where a did:web DID's documents live, or None."""
    if not did.startswith("did:web:"):
        return None
    parts = did.removeprefix("did:web:").split(":")
    host = unquote(parts[0]).lower()
    if not host or "/" in host or "@" in host:
        return None
    return host, "/" + "/".join(unquote(part) for part in parts[1:]) if len(parts) > 1 else ""


def _origin(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return None
    return parts.scheme, parts.hostname.lower(), port


def bound_to_issuer(url: str, issuer: str) -> bool:
    """``url`` (a key, or the document holding it) is the issuer's own to publish.

    - a did:key names its key itself and is resolved offline: always allowed;
    - a DID: the issuer's own DID, or a did:web below it (``did:web:a.example:keys``);
    - an https URL: the same origin (scheme, host, port; RFC 6454) as an https issuer id, or
      the host (and path, for a did:web with one) of a did:web issuer.
    """
    document = base_url(url)
    if document.startswith("did:key:"):
        return True
    if document.startswith("did:"):
        return document == issuer or (
            issuer.startswith("did:web:") and document.startswith(issuer + ":")
        )
    origin = _origin(document)
    if origin is None:
        return False
    if issuer.startswith(("https://", "http://")):
        return origin == _origin(issuer)
    location = _did_web_location(issuer)
    if location is None:
        return False
    host, path = location
    url_host = origin[1] if origin[2] == 443 else f"{origin[1]}:{origin[2]}"
    path_of_url = urlsplit(document).path
    return (
        origin[0] == "https"
        and url_host == host
        and (not path or path_of_url == path or path_of_url.startswith(path + "/"))
    )


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
