"""The issuer's signer: our DID, our key store, and the two proof formats we issue."""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from issuer.credential_builder import timestamp
from keys.did import controller_document, json_web_key_set, jwt_fragment, mark_revoked
from keys.proofs import create_proof, sign_jwt
from keys.proofs.jose import JwtFormat
from keys.store import KeyStore
from schemas import DEFAULT_BUDGET, canonicalize

JWT_KEY_TYPES = {"EdDSA": "Ed25519", "ES256": "P-256", "RS256": "RSA"}


# Our own credentials: the default structural limits, a wall-clock cap for a loaded server.
SIGNING_BUDGET = replace(DEFAULT_BUDGET, max_seconds=30.0)


def _canonicalize_own(document: dict[str, Any]) -> str:
    return canonicalize(document, budget=SIGNING_BUDGET)


@dataclass
class CredentialSigner:
    """Signs credentials as ``issuer_did`` with the key store's current keys.

    ``jwt_algorithm`` defaults to ES256: the 1EdTech validator accepts VC-JWTs signed RS256 or
    ES256, and ES256 signatures are a quarter the size of RS256's.
    """

    issuer_did: str
    key_store: KeyStore
    jwt_algorithm: str = "ES256"
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    base_url: str | None = None  # our site: the DID document's service entries point there
    # (key store version, DID document built from it): see shared_did_document
    _document: tuple[str, dict[str, Any]] | None = field(default=None, repr=False, compare=False)

    def method_id(self, fragment: str) -> str:
        return f"{self.issuer_did}#{fragment}"

    def sign_ldp(self, credential: dict[str, Any]) -> dict[str, Any]:
        """The credential secured with an eddsa-rdfc-2022 DataIntegrityProof.

        Canonicalized under :data:`SIGNING_BUDGET`: the structural limits of hostile input
        still hold, but not its 0.5 s wall-clock cap, which a busy server can exceed while
        signing its own (small, trusted) credential."""
        key = self.key_store.current("Ed25519")
        return create_proof(
            credential,
            key.key_pair,
            self.method_id(key.record.id),
            created=timestamp(self.clock()),
            canonicalize=_canonicalize_own,
        )

    def sign_jwt(self, credential: dict[str, Any], *, jwt_format: JwtFormat = "vc-jwt") -> str:
        """The credential as a compact JWS (OB 3.0 VC-JWT by default, or VC-JOSE)."""
        try:
            key_type = JWT_KEY_TYPES[self.jwt_algorithm]
        except KeyError:
            raise ValueError(f"unsupported JWT algorithm {self.jwt_algorithm!r}") from None
        key = self.key_store.current(key_type)  # type: ignore[arg-type]
        kid = self.method_id(jwt_fragment(key_type, key.record.id))
        return sign_jwt(credential, key.key_pair, kid, jwt_format=jwt_format)

    def did_document(self) -> dict[str, Any]:
        """Our did:web document (a copy the caller may change): see :meth:`shared_did_document`."""
        return copy.deepcopy(self.shared_did_document())

    def shared_did_document(self) -> dict[str, Any]:
        """Our did:web document, built once per version of the key store
        (:meth:`keys.store.KeyStore.version`, which ``keys generate|rotate|revoke`` change, from
        any process) and shared: callers must not change it (the verify path only reads it).

        The document lists: every key (current, retired and revoked: revoked keys are
        marked and no longer assertion methods, ``keys revoke``), and, when the site is
        known, ``service`` entries leading to it (DID Core §5.4): ``LinkedDomains`` (a service
        type registered in the DID Specification Registries: the origin that hosts this DID)
        and ``#issuer-profile``, the OB 3.0 issuer Profile served at ``/issuer`` (whose ``id``
        is this DID), so a verifier given only the issuer id can find the issuer's name, url
        and image. OB 3.0 (the specification, its Implementation Guide and recommended
        practices) names no DID service type for the issuer Profile, and the registry lists
        none (its service types: LinkedDomains, LinkedVerifiablePresentation, DIDCommMessaging,
        WotThing, CredentialRegistry, OID4VCI, OID4VP; W3C NOTE 2024-08-30);
        ``IssuerProfile`` is the one type in public use for exactly this, Blockcerts v3's
        (blockchain-certificates/cert-issuer README, "Working with DIDs": a DID document's
        ``service`` of type ``IssuerProfile`` whose ``serviceEndpoint`` is the issuer
        profile), so it is kept. KeyStoreError when the store cannot be read."""
        version = self.key_store.version()
        built = self._document
        if built is not None and built[0] == version:
            return built[1]
        services = []
        if self.base_url:
            base = self.base_url.rstrip("/")
            services = [
                {
                    "id": f"{self.issuer_did}#linked-domain",
                    "type": "LinkedDomains",
                    "serviceEndpoint": base,
                },
                {
                    "id": f"{self.issuer_did}#issuer-profile",
                    "type": "IssuerProfile",
                    "serviceEndpoint": f"{base}/issuer",
                },
            ]
        document = controller_document(
            self.issuer_did, self.key_store.public_keys(), services=services
        )
        document = mark_revoked(document, self.key_store.revoked_keys())
        self._document = (version, document)  # one assignment: safe across threads
        return document

    def key_set_version(self) -> str:
        """Changes whenever our keys do (:meth:`keys.store.KeyStore.version`)."""
        return self.key_store.version()

    def json_web_key_set(self) -> dict[str, Any]:
        """RFC 7517 JWK Set of every JWT signing key (current and retired), ``kid`` = the
        verification method id a VC-JWT names, served at ``/.well-known/jwks.json``."""
        return json_web_key_set(self.shared_did_document())


def signer_from_config(config: Mapping[str, Any], instance_path: str) -> CredentialSigner:
    return CredentialSigner(
        issuer_did=f"did:web:{config['ISSUER_DOMAIN']}",
        key_store=KeyStore.from_config(config, instance_path),
        jwt_algorithm=config.get("JWT_ALGORITHM", "ES256"),
        base_url=config.get("PUBLIC_BASE_URL"),
    )


# -- employers' own identities (#11): each employer that endorses a badge signs with its own
# key, under a did:web of ours, sealed in the key store like the Alliance's keys.

_EMPLOYER_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


def employer_did(issuer_domain: str, slug: str) -> str:
    """``did:web:<ISSUER_DOMAIN>:employers:<slug>``, whose document did:web resolves at
    ``https://<domain>/employers/<slug>/did.json`` (did:web §3.2)."""
    return f"did:web:{issuer_domain}:employers:{slug}"


class EmployerSigners:
    """One key store per employer under ``<KEYS_DIR>/employers/<slug>``, same passphrase."""

    def __init__(
        self,
        directory: str | Path,
        passphrase: str,
        *,
        issuer_domain: str,
        scrypt_n: int = 2**15,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._directory = Path(directory)
        self._passphrase = passphrase
        self._scrypt_n = scrypt_n
        self.issuer_domain = issuer_domain
        self._clock = clock
        self._stores: dict[str, KeyStore] = {}
        self._documents: dict[str, tuple[str, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config: Mapping[str, Any], instance_path: str) -> EmployerSigners:
        keys_dir = config.get("KEYS_DIR") or str(Path(instance_path) / "keys")
        return cls(
            Path(keys_dir) / "employers",
            config["KEY_PASSPHRASE"],
            issuer_domain=config["ISSUER_DOMAIN"],
            scrypt_n=int(config.get("KEY_SCRYPT_N", 2**15)),
        )

    def did(self, slug: str) -> str:
        return employer_did(self.issuer_domain, slug)

    def slug_of(self, did: str) -> str | None:
        """The employer slug of one of our employer DIDs, else None."""
        prefix = employer_did(self.issuer_domain, "")
        slug = did.removeprefix(prefix) if did.startswith(prefix) else None
        return slug if slug and _EMPLOYER_SLUG.match(slug) else None

    def _store(self, slug: str) -> KeyStore:
        if not _EMPLOYER_SLUG.match(slug):
            raise ValueError(f"{slug!r} is not an employer slug")
        with self._lock:
            if slug not in self._stores:
                self._stores[slug] = KeyStore(
                    self._directory / slug, self._passphrase, scrypt_n=self._scrypt_n
                )
            return self._stores[slug]

    def signer(self, slug: str) -> CredentialSigner:
        """The employer's signer, its Ed25519 key generated on first use."""
        store = self._store(slug)
        with self._lock:
            store.generate(("Ed25519",))
        return CredentialSigner(issuer_did=self.did(slug), key_store=store, clock=self._clock)

    def did_document(self, slug: str) -> dict[str, Any] | None:
        """The employer's DID document, or None when it has no key yet. Built once per version
        of the employer's key store and shared: callers must not change it."""
        try:
            store = self._store(slug)
        except ValueError:
            return None
        version = store.version()
        built = self._documents.get(slug)
        if built is not None and built[0] == version:
            return built[1]
        keys = store.public_keys()
        if not keys:
            return None  # not remembered: any slug can be asked for
        document = controller_document(self.did(slug), keys)
        self._documents[slug] = (version, document)
        return document
