"""The Data Integrity algorithm shared by the RDFC-based suites (W3C vc-di-eddsa §3.3).

transform = RDFC-1.0 canonical N-Quads of the document without its proof;
proof configuration = the proof without ``proofValue``, given the document's ``@context``;
hash data = SHA-256(canonical proof configuration) ‖ SHA-256(canonical document).
``eddsa-rdfc-2022``, the legacy ``eddsa-2022`` and ``Ed25519Signature2020`` all sign that
64-byte value with Ed25519; they differ in the names they carry.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

from keys.keypairs import KeyPair, PublicKey
from keys.multibase import MultibaseError, decode_base58btc, encode_base58btc
from keys.proofs.errors import MalformedProof, SignatureInvalid, UnsafeJsonLd
from schemas.canonical import canonicalize as rdfc_canonicalize
from schemas.safe_mode import lost_in_expansion

Canonicalize = Callable[[dict[str, Any]], str]

# XML Schema 1.1 dateTimeStamp: a dateTime that carries a time zone (vc-data-integrity §2.1).
DATE_TIME_STAMP = re.compile(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def unsecured(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key != "proof"}


def proof_configuration(proof: dict[str, Any], context: Any) -> dict[str, Any]:
    """The proof without ``proofValue``, with the secured document's ``@context``."""
    configuration = {key: value for key, value in proof.items() if key != "proofValue"}
    configuration["@context"] = context
    for name in ("created", "expires"):
        if name in configuration and not (
            isinstance(configuration[name], str) and DATE_TIME_STAMP.match(configuration[name])
        ):
            raise MalformedProof(f"proof {name} {configuration[name]!r} is not a dateTimeStamp")
    return configuration


def require_safe_view(view: dict[str, Any], name: str) -> None:
    """Raise :class:`UnsafeJsonLd` unless ``view`` passes JSON-LD safe mode.

    Verifying, a suite checks the proof configuration and, when the proof's own ``@context``
    differs from the document's, the document as hashed under it. The document under its own
    ``@context`` is the view the verifier's ``json-ld`` check inspects (the same remembered
    inspection), which reports what is wrong in the document's own words and keeps the
    credential from being shown or verified. Either way no hashed view goes unchecked: a term
    its context leaves undefined would be dropped by expansion (a relative IRI too), so the
    signature would not cover it while a JSON reader still sees it (VC Data Integrity 1.0 §4.4 step 4 hashes the document under the proof's own ``@context``,
    which may be shorter than the document's; VC DM 2.0 §4.1 asks every term to be defined).
    ``name`` says which view, for the message.
    """
    problems = lost_in_expansion(view)
    if problems:
        shown = "; ".join(f"{p.path}: {p.message}" for p in problems[:3])
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise UnsafeJsonLd(
            f"the {name} as signed leaves terms undefined, so the signature would not cover "
            f"them: {shown}{more}"
        )


def hash_data(
    document: dict[str, Any], configuration: dict[str, Any], canonicalize: Canonicalize
) -> bytes:
    """SHA-256(canonical proof configuration) ‖ SHA-256(canonical document)."""
    proof_hash = hashlib.sha256(canonicalize(configuration).encode("utf-8")).digest()
    document_hash = hashlib.sha256(canonicalize(document).encode("utf-8")).digest()
    return proof_hash + document_hash


def check_context_prefix(document: dict[str, Any], proof: dict[str, Any]) -> Any:
    """The context to hash with: the proof's own ``@context`` must prefix the document's.

    vc-di-eddsa §3.3.2 verifyProof step 2: when the proof carries an ``@context``, the secured
    document's ``@context`` must start with all of its values, in the same order.
    """
    document_context = document.get("@context")
    if "@context" not in proof:
        return document_context
    proof_context = proof["@context"]
    as_list = lambda value: value if isinstance(value, list) else [value]  # noqa: E731
    if as_list(document_context)[: len(as_list(proof_context))] != as_list(proof_context):
        raise MalformedProof("the proof's @context does not prefix the document's @context")
    return proof_context


def sign_hash(
    document: dict[str, Any],
    proof: dict[str, Any],
    key_pair: KeyPair,
    canonicalize: Canonicalize = rdfc_canonicalize,
) -> str:
    """The multibase ``proofValue`` for ``proof`` over ``document`` (unsecured)."""
    configuration = proof_configuration(proof, document.get("@context"))
    return encode_base58btc(key_pair.sign(hash_data(document, configuration, canonicalize)))


def verify_hash(
    document: dict[str, Any],
    proof: dict[str, Any],
    public_key: PublicKey,
    canonicalize: Canonicalize = rdfc_canonicalize,
) -> None:
    """Raise unless ``proof.proofValue`` is a valid Ed25519 signature over ``document``."""
    if public_key.key_type != "Ed25519":
        raise SignatureInvalid(f"this proof needs an Ed25519 key, not {public_key.key_type}")
    try:
        signature = decode_base58btc(proof.get("proofValue"))
    except MultibaseError as error:
        raise MalformedProof(f"proofValue: {error}") from None
    if len(signature) != 64:
        raise MalformedProof(f"proofValue decodes to {len(signature)} bytes, not 64")
    context = check_context_prefix(document, proof)
    unsecured_document = unsecured(document) | {"@context": context}
    configuration = proof_configuration(proof, context)
    require_safe_view(configuration, "proof configuration")
    if context != document.get("@context"):
        require_safe_view(unsecured_document, "document under the proof's @context")
    if not public_key.verify(signature, hash_data(unsecured_document, configuration, canonicalize)):
        raise SignatureInvalid("the signature does not match the credential and the key")
