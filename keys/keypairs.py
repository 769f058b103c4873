"""Key pairs for signing credentials: Ed25519, P-256 and RSA-2048.

The only module of ours that imports ``cryptography.hazmat``: everything else signs and verifies
through these small classes (pyca/cryptography's "recipes over primitives").
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from keys.multibase import (
    ED25519_PUB,
    P256_PUB,
    MultibaseError,
    decode_base58btc,
    encode_base58btc,
)

KeyType = Literal["Ed25519", "P-256", "RSA"]
KEY_TYPES: tuple[KeyType, ...] = ("Ed25519", "P-256", "RSA")

# The one JWS algorithm each key type may be used with: the algorithm is pinned by the key,
# never taken from a token's header (RFC 8725 §3.1).
JWS_ALGORITHM_FOR_KEY_TYPE: dict[str, str] = {"Ed25519": "EdDSA", "P-256": "ES256", "RSA": "RS256"}

_RSA_MIN_BITS = 2048

# Ed25519 public keys of small order (and non-canonical encodings of them), compared with the
# sign bit cleared, as libsodium's crypto_sign_verify_detached does. A small-order key "verifies"
# a fixed signature for any message, so such a key is refused when decoded.
_SMALL_ORDER_ED25519 = frozenset(
    bytes.fromhex(value)
    for value in (
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    )
)


class InvalidKey(ValueError):
    """Key material is malformed, of an unsupported type, or unsafe (e.g. small-order)."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(value: Any, name: str) -> bytes:
    if not isinstance(value, str):
        raise InvalidKey(f"JWK member {name!r} must be a base64url string")
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except ValueError:
        raise InvalidKey(f"JWK member {name!r} is not base64url") from None


@dataclass(frozen=True)
class PublicKey:
    """A public key that can check signatures; ``key_type`` pins its one JWS algorithm."""

    key_type: KeyType
    _key: Any

    @property
    def jws_algorithm(self) -> str:
        return JWS_ALGORITHM_FOR_KEY_TYPE[self.key_type]

    def verify(self, signature: bytes, message: bytes) -> bool:
        """True when ``signature`` over ``message`` is valid (JOSE raw r||s form for P-256)."""
        try:
            if self.key_type == "Ed25519":
                self._key.verify(signature, message)
            elif self.key_type == "P-256":
                if len(signature) != 64:
                    return False
                der = encode_dss_signature(
                    int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
                )
                self._key.verify(der, message, ec.ECDSA(hashes.SHA256()))
            else:
                self._key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return False
        return True

    def raw_bytes(self) -> bytes:
        if self.key_type == "Ed25519":
            return self._key.public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw
            )
        if self.key_type == "P-256":
            return self._key.public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
            )
        raise InvalidKey("RSA keys have no Multikey encoding")

    def to_multikey(self) -> str:
        """``publicKeyMultibase`` of a Multikey (W3C Controlled Identifiers §2.2.2)."""
        prefix = ED25519_PUB if self.key_type == "Ed25519" else P256_PUB
        return encode_base58btc(prefix + self.raw_bytes())

    def to_jwk(self) -> dict[str, str]:
        if self.key_type == "Ed25519":
            return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(self.raw_bytes())}
        numbers = self._key.public_numbers()
        if self.key_type == "P-256":
            return {
                "kty": "EC",
                "crv": "P-256",
                "x": _b64url(numbers.x.to_bytes(32, "big")),
                "y": _b64url(numbers.y.to_bytes(32, "big")),
            }
        size = (numbers.n.bit_length() + 7) // 8
        exponent = numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")
        return {"kty": "RSA", "n": _b64url(numbers.n.to_bytes(size, "big")), "e": _b64url(exponent)}

    def pyca(self) -> Any:
        """The underlying pyca key, for the JOSE layer (jwcrypto) inside ``keys``."""
        return self._key


def ed25519_public_key(raw: bytes) -> PublicKey:
    if len(raw) != 32:
        raise InvalidKey(f"an Ed25519 public key is 32 bytes, not {len(raw)}")
    if (raw[:31] + bytes([raw[31] & 0x7F])) in _SMALL_ORDER_ED25519:
        raise InvalidKey("Ed25519 public key has small order (a weak key that verifies forgeries)")
    return PublicKey("Ed25519", ed25519.Ed25519PublicKey.from_public_bytes(raw))


def p256_public_key(point: bytes) -> PublicKey:
    try:
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError as error:
        raise InvalidKey(f"invalid P-256 public key: {error}") from None
    return PublicKey("P-256", key)


def public_key_from_multikey(value: str) -> PublicKey:
    """Decode a ``publicKeyMultibase`` (Ed25519 ``z6Mk…`` or P-256 ``zDn…``)."""
    try:
        data = decode_base58btc(value)
    except MultibaseError as error:
        raise InvalidKey(f"publicKeyMultibase: {error}") from None
    if data[:2] == ED25519_PUB:
        return ed25519_public_key(data[2:])
    if data[:2] == P256_PUB:
        return p256_public_key(data[2:])
    raise InvalidKey("publicKeyMultibase is neither an Ed25519 nor a P-256 Multikey")


def public_key_from_jwk(jwk: Any) -> PublicKey:
    """Decode a public JWK. Private members are refused: a public document has no business with them."""
    if not isinstance(jwk, dict):
        raise InvalidKey("publicKeyJwk must be an object")
    if "d" in jwk or "p" in jwk:
        raise InvalidKey("publicKeyJwk contains private key material")
    kty, crv = jwk.get("kty"), jwk.get("crv")
    if kty == "OKP" and crv == "Ed25519":
        return ed25519_public_key(_b64url_decode(jwk.get("x"), "x"))
    if kty == "EC" and crv == "P-256":
        x, y = _b64url_decode(jwk.get("x"), "x"), _b64url_decode(jwk.get("y"), "y")
        if len(x) != 32 or len(y) != 32:
            raise InvalidKey("P-256 JWK coordinates must be 32 bytes each")
        return p256_public_key(b"\x04" + x + y)
    if kty == "RSA":
        n = int.from_bytes(_b64url_decode(jwk.get("n"), "n"), "big")
        e = int.from_bytes(_b64url_decode(jwk.get("e"), "e"), "big")
        if n.bit_length() < _RSA_MIN_BITS:
            raise InvalidKey(f"RSA keys shorter than {_RSA_MIN_BITS} bits are refused")
        try:
            key = rsa.RSAPublicNumbers(e, n).public_key()
        except ValueError as error:
            raise InvalidKey(f"invalid RSA public key: {error}") from None
        return PublicKey("RSA", key)
    raise InvalidKey(f"unsupported JWK (kty={kty!r}, crv={crv!r})")


@dataclass(frozen=True)
class KeyPair:
    """A private key and its public half."""

    key_type: KeyType
    _private: Any

    @classmethod
    def generate(cls, key_type: KeyType = "Ed25519") -> KeyPair:
        if key_type == "Ed25519":
            return cls(key_type, ed25519.Ed25519PrivateKey.generate())
        if key_type == "P-256":
            return cls(key_type, ec.generate_private_key(ec.SECP256R1()))
        if key_type == "RSA":
            return cls(key_type, rsa.generate_private_key(public_exponent=65537, key_size=2048))
        raise InvalidKey(f"unsupported key type {key_type!r}")

    @classmethod
    def from_ed25519_seed(cls, seed: bytes) -> KeyPair:
        return cls("Ed25519", ed25519.Ed25519PrivateKey.from_private_bytes(seed))

    @classmethod
    def from_pkcs8_der(cls, der: bytes) -> KeyPair:
        private = serialization.load_der_private_key(der, password=None)
        if isinstance(private, ed25519.Ed25519PrivateKey):
            return cls("Ed25519", private)
        if isinstance(private, ec.EllipticCurvePrivateKey) and private.curve.name == "secp256r1":
            return cls("P-256", private)
        if isinstance(private, rsa.RSAPrivateKey) and private.key_size >= _RSA_MIN_BITS:
            return cls("RSA", private)
        raise InvalidKey("unsupported private key in PKCS#8 data")

    def to_pkcs8_der(self) -> bytes:
        return self._private.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    @property
    def public_key(self) -> PublicKey:
        return PublicKey(self.key_type, self._private.public_key())

    def pyca(self) -> Any:
        """The underlying pyca private key, for the JOSE layer (jwcrypto) inside ``keys``."""
        return self._private

    @property
    def jws_algorithm(self) -> str:
        return JWS_ALGORITHM_FOR_KEY_TYPE[self.key_type]

    def sign(self, message: bytes) -> bytes:
        """Sign ``message``: Ed25519, ECDSA P-256/SHA-256 (raw r||s as JOSE wants), RS256."""
        if self.key_type == "Ed25519":
            return self._private.sign(message)
        if self.key_type == "P-256":
            r, s = decode_dss_signature(self._private.sign(message, ec.ECDSA(hashes.SHA256())))
            return r.to_bytes(32, "big") + s.to_bytes(32, "big")
        return self._private.sign(message, padding.PKCS1v15(), hashes.SHA256())


def seal_private_key(
    key_pair: KeyPair, passphrase: str, *, scrypt_n: int = 2**15
) -> dict[str, Any]:
    """Encrypt the PKCS#8 form of a private key under a passphrase (scrypt → AES-256-GCM).

    Not PKCS#8's own PBES2 envelope: through cryptography that uses PBKDF2 with OpenSSL's 2,048
    iterations, far too cheap against an offline guess. scrypt with N=2^15, r=8, p=1 costs
    32 MiB and ~0.1 s per guess.
    """
    salt, nonce = os.urandom(16), os.urandom(12)
    key = Scrypt(salt=salt, length=32, n=scrypt_n, r=8, p=1).derive(passphrase.encode("utf-8"))
    aad = key_pair.key_type.encode("ascii")
    ciphertext = AESGCM(key).encrypt(nonce, key_pair.to_pkcs8_der(), aad)
    return {
        "format": "pkcs8+scrypt+aes-256-gcm",
        "keyType": key_pair.key_type,
        "scrypt": {"n": scrypt_n, "r": 8, "p": 1, "salt": _b64url(salt)},
        "nonce": _b64url(nonce),
        "ciphertext": _b64url(ciphertext),
    }


def unseal_private_key(sealed: dict[str, Any], passphrase: str) -> KeyPair:
    """Decrypt what :func:`seal_private_key` wrote; a wrong passphrase is an :class:`InvalidKey`."""
    try:
        params = sealed["scrypt"]
        key = Scrypt(
            salt=_b64url_decode(params["salt"], "salt"),
            length=32,
            n=int(params["n"]),
            r=int(params["r"]),
            p=int(params["p"]),
        ).derive(passphrase.encode("utf-8"))
        der = AESGCM(key).decrypt(
            _b64url_decode(sealed["nonce"], "nonce"),
            _b64url_decode(sealed["ciphertext"], "ciphertext"),
            sealed["keyType"].encode("ascii"),
        )
    except InvalidTag:
        raise InvalidKey(
            "cannot decrypt the private key: wrong passphrase or damaged file"
        ) from None
    except (KeyError, TypeError, ValueError) as error:
        raise InvalidKey(f"malformed sealed key: {error}") from None
    return KeyPair.from_pkcs8_der(der)
