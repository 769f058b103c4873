"""The issuer's signer: our DID, our key store, and the two proof formats we issue."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from issuer.credential_builder import timestamp
from keys.did import controller_document, mark_revoked
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
        return sign_jwt(
            credential, key.key_pair, self.method_id(key.record.id), jwt_format=jwt_format
        )

    def did_document(self) -> dict[str, Any]:
        """Every key, current, retired and revoked; revoked keys marked and no longer
        assertion methods (``keys revoke``)."""
        document = controller_document(self.issuer_did, self.key_store.public_keys())
        return mark_revoked(document, self.key_store.revoked_keys())


def signer_from_config(config: Mapping[str, Any], instance_path: str) -> CredentialSigner:
    return CredentialSigner(
        issuer_did=f"did:web:{config['ISSUER_DOMAIN']}",
        key_store=KeyStore.from_config(config, instance_path),
        jwt_algorithm=config.get("JWT_ALGORITHM", "ES256"),
    )
