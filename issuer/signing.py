"""The issuer's signer: our DID, our key store, and the two proof formats we issue."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from issuer.credential_builder import timestamp
from keys.did import controller_document, json_web_key_set, jwt_fragment, mark_revoked
from keys.proofs import create_proof, sign_jwt
from keys.proofs.jose import JwtFormat
from keys.store import KeyStore

JWT_KEY_TYPES = {"EdDSA": "Ed25519", "ES256": "P-256", "RS256": "RSA"}


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

    def method_id(self, fragment: str) -> str:
        return f"{self.issuer_did}#{fragment}"

    def sign_ldp(self, credential: dict[str, Any]) -> dict[str, Any]:
        """The credential secured with an eddsa-rdfc-2022 DataIntegrityProof."""
        key = self.key_store.current("Ed25519")
        return create_proof(
            credential,
            key.key_pair,
            self.method_id(key.record.id),
            created=timestamp(self.clock()),
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
        """Our did:web document: every key (current, retired and revoked: revoked keys are
        marked and no longer assertion methods, ``keys revoke``), and, when the site is
        known, ``service`` entries leading to it: ``LinkedDomains`` (DID Specification
        Registries: the origin that hosts this DID) and ``#issuer-profile``, the OB 3.0 issuer
        Profile served at ``/issuer`` (whose ``id`` is this DID), so a verifier given only the
        issuer id can find the issuer's name, url and image."""
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
        return mark_revoked(document, self.key_store.revoked_keys())

    def json_web_key_set(self) -> dict[str, Any]:
        """RFC 7517 JWK Set of every JWT signing key (current and retired), ``kid`` = the
        verification method id a VC-JWT names, served at ``/.well-known/jwks.json``."""
        return json_web_key_set(self.did_document())


def signer_from_config(config: Mapping[str, Any], instance_path: str) -> CredentialSigner:
    return CredentialSigner(
        issuer_did=f"did:web:{config['ISSUER_DOMAIN']}",
        key_store=KeyStore.from_config(config, instance_path),
        jwt_algorithm=config.get("JWT_ALGORITHM", "ES256"),
        base_url=config.get("PUBLIC_BASE_URL"),
    )
