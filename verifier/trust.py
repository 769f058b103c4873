"""Whether a credential's issuer is one the Alliance recognizes ("issuer-recognized").

A valid signature says who signed; it does not say that the signer is an issuer anyone should
trust. The Alliance publishes a registry of the issuers it recognizes as a verifiable
credential (W3C VC Data Model 2.0, secured with an ``eddsa-rdfc-2022`` Data Integrity proof by
the Alliance's key), whose ``credentialSubject`` lists one OB 3.0 ``Profile`` per recognized
issuer: ``{"id": DID, "type": ["Profile"], "name": …, "url": …}`` (the same facts per DID as
the DCC issuer registries read by VerifierPlus and verifier-core, which are unsigned maps of
DID to name and url).

The registry is read through the verification context's resolver (our own registry is built
locally by the issuer, a foreign one would come through ``verifier.network``) and is trusted
only after its proof verified with a key of the registry's controller. Pure otherwise: the
caller passes the function that verifies the registry document.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from verifier.resolvers import DocumentResolver, NeedsNetwork, ResolutionError

# The largest registry read; more subjects than this is not a registry we publish.
MAX_REGISTRY_ENTRIES = 1_000


class RegistryError(ValueError):
    """The registry document is unusable (unsigned, signed by someone else, malformed)."""


@dataclass(frozen=True)
class RegistryPolicy:
    """Which registry to trust: where it is published and whose key must have signed it."""

    url: str  # the registry credential's URL, e.g. https://badges.example.org/registry/issuers
    controller: str  # the DID that must be the registry's issuer (the Alliance's DID)
    owner_name: str  # shown in messages: "recognized by the Linked Learning Alliance"


@dataclass(frozen=True)
class RecognizedIssuer:
    id: str  # the issuer's DID (or URL), exactly as credentials name it
    name: str
    url: str | None = None


@dataclass(frozen=True)
class Recognition:
    """The outcome of the ``issuer-recognized`` check.

    ``recognized`` is True (listed), False (the registry was read and does not list the
    issuer) or None (the registry could not be read or trusted: nothing is claimed either way).
    """

    status: str  # a report CheckStatus: "passed", "warning" or "skipped"
    message: str
    recognized: bool | None
    entry: RecognizedIssuer | None = None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _issuer_of(document: dict[str, Any]) -> Any:
    issuer = document.get("issuer")
    return issuer.get("id") if isinstance(issuer, dict) else issuer


def read_registry(document: dict[str, Any], policy: RegistryPolicy) -> dict[str, RecognizedIssuer]:
    """The recognized issuers of an already-verified registry credential, by id.

    Raises :class:`RegistryError` when the registry was not issued by ``policy.controller``
    or its ``credentialSubject`` is not a list of profiles with an id and a name.
    """
    if _issuer_of(document) != policy.controller:
        raise RegistryError(f"the registry is not issued by {policy.controller}")
    subjects = _as_list(document.get("credentialSubject"))
    if len(subjects) > MAX_REGISTRY_ENTRIES:
        raise RegistryError(f"the registry lists more than {MAX_REGISTRY_ENTRIES} issuers")
    entries: dict[str, RecognizedIssuer] = {}
    for subject in subjects:
        if not isinstance(subject, dict):
            raise RegistryError("a registry entry is not an object")
        issuer_id, name, url = subject.get("id"), subject.get("name"), subject.get("url")
        if not isinstance(issuer_id, str) or not isinstance(name, str):
            raise RegistryError("a registry entry has no id or no name")
        entries[issuer_id] = RecognizedIssuer(
            issuer_id, name, url if isinstance(url, str) else None
        )
    return entries


def check_recognition(
    issuer_id: str | None,
    policy: RegistryPolicy | None,
    resolver: DocumentResolver,
    verify_document: Callable[[dict[str, Any]], str | None],
) -> Recognition:
    """Whether ``issuer_id`` is listed in the registry ``policy`` names.

    ``verify_document`` checks the registry credential's proof and validity and returns the
    first problem in words, or None when it holds; an untrusted registry recognizes no one.
    A credential whose issuer is not listed still verifies: this is a "warning", never a
    failure, and it is kept apart from the ``proof`` check.
    """
    if policy is None:
        return Recognition("skipped", "No registry of recognized issuers is configured", None)
    if issuer_id is None:
        return Recognition("skipped", "Skipped: the credential names no issuer", None)
    try:
        document = resolver.resolve(policy.url)
    except NeedsNetwork as error:
        return Recognition(
            "warning", f"Could not read the registry of recognized issuers offline: {error}", None
        )
    except ResolutionError as error:
        return Recognition(
            "warning", f"Could not read the registry of recognized issuers: {error}", None
        )
    problem = verify_document(document)
    if problem is None:
        try:
            entries = read_registry(document, policy)
        except RegistryError as error:
            problem = str(error)
    if problem is not None:
        return Recognition(
            "warning",
            f"Could not trust the registry of recognized issuers (so the issuer is not called "
            f"recognized): {problem}",
            None,
        )
    entry = entries.get(issuer_id)
    if entry is None:
        return Recognition(
            "warning",
            f"Signature valid · issuer not recognized by {policy.owner_name}",
            False,
        )
    return Recognition(
        "passed", f"Issuer recognized by {policy.owner_name}: {entry.name}", True, entry
    )
