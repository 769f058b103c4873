"""Signing a student in for tests, and a wallet played in Python (keys, DIDs, proofs).

``student_cookie`` goes through the app's own session machinery (``sign_in_student`` inside a
request context, saved by ``app.session_interface``), so it keeps working when sessions move
server-side.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from typing import Any

from flask import session as flask_session

from issuer.web.student_session import sign_in_student
from keys.did import did_jwk_for, did_key_for
from keys.keypairs import KeyPair
from keys.proofs.data_integrity import sign_hash


def student_cookie(app: Any, student_id: int) -> tuple[str, str]:
    """(cookie name, value) of a session in which ``student_id`` is signed in."""
    with app.test_request_context("/"):
        sign_in_student(student_id)
        response = app.response_class()
        app.session_interface.save_session(app, flask_session, response)
    cookie = SimpleCookie()
    for header in response.headers.getlist("Set-Cookie"):
        cookie.load(header)
    name = app.config.get("SESSION_COOKIE_NAME", "session")
    return name, cookie[name].value


def sign_in(client: Any, app: Any, student_id: int) -> None:
    """Sign ``student_id`` in on a Flask test client."""
    name, value = student_cookie(app, student_id)
    client.set_cookie(name, value)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass
class Wallet:
    """A holder's key, named as a did:key (``kid``) or carried as a JWK (did:jwk)."""

    key_type: str = "Ed25519"
    key: KeyPair = field(init=False)

    def __post_init__(self) -> None:
        self.key = KeyPair.generate(self.key_type)  # type: ignore[arg-type]

    @property
    def did_key(self) -> str:
        return did_key_for(self.key.public_key)

    @property
    def did_jwk(self) -> str:
        return did_jwk_for(self.key.public_key)

    def proof_jwt(
        self,
        *,
        audience: str,
        nonce: str | None,
        use_jwk: bool = False,
        typ: str = "openid4vci-proof+jwt",
        iat: float | None = None,
        signer: KeyPair | None = None,
    ) -> str:
        """An OpenID4VCI 1.0 Appendix F.1 key proof JWT."""
        header: dict[str, Any] = {"alg": self.key.jws_algorithm, "typ": typ}
        if use_jwk:
            header["jwk"] = self.key.public_key.to_jwk()
        else:
            header["kid"] = f"{self.did_key}#{self.did_key.removeprefix('did:key:')}"
        claims: dict[str, Any] = {"aud": audience, "iat": int(iat or time.time())}
        if nonce is not None:
            claims["nonce"] = nonce
        signing_input = (
            _b64url(json.dumps(header).encode()) + "." + _b64url(json.dumps(claims).encode())
        )
        signature = (signer or self.key).sign(signing_input.encode("ascii"))
        return signing_input + "." + _b64url(signature)

    def did_authentication(
        self,
        *,
        challenge: str,
        domain: str | None,
        holder: str | None = None,
        lcw: bool = False,
    ) -> dict[str, Any]:
        """A DID Authentication presentation (Ed25519 keys only): VC 2.0 signed
        eddsa-rdfc-2022, or with ``lcw`` as the Learner Credential Wallet makes it (VC 1.1
        context, Ed25519Signature2020, as in DCC's lcw-mock)."""
        did = self.did_key
        contexts = (
            [
                "https://www.w3.org/2018/credentials/v1",
                "https://w3id.org/security/suites/ed25519-2020/v1",
            ]
            if lcw
            else ["https://www.w3.org/ns/credentials/v2"]
        )
        presentation: dict[str, Any] = {
            "@context": contexts,
            "type": ["VerifiablePresentation"],
            "holder": holder or did,
        }
        suite = (
            {"type": "Ed25519Signature2020"}
            if lcw
            else {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022"}
        )
        proof: dict[str, Any] = {
            **suite,
            "created": datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
            "verificationMethod": f"{did}#{did.removeprefix('did:key:')}",
            "proofPurpose": "authentication",
            "challenge": challenge,
        }
        if domain is not None:
            proof["domain"] = domain
        proof["proofValue"] = sign_hash(presentation, proof, self.key)
        return {**presentation, "proof": proof}
