"""The Data Integrity algorithm shared by the RDFC-based suites (W3C vc-di-eddsa §3.3).

transform = RDFC-1.0 canonical N-Quads of the document without its proof;
proof configuration = the proof without ``proofValue``, given the document's ``@context``;
hash data = SHA-256(canonical proof configuration) ‖ SHA-256(canonical document).
``eddsa-rdfc-2022``, the legacy ``eddsa-2022`` and ``Ed25519Signature2020`` all sign that
64-byte value with Ed25519; they differ in the names they carry.
"""

from __future__ import annotations

import hashlib
import json
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


# VC Data Integrity 1.0 §2.1, ``created``: "A conforming processor MAY choose to consume time
# values that were incorrectly serialized without an offset. Incorrectly serialized time values
# without an offset are to be interpreted as UTC." (the W3C test suite's verifiers accept them).
# ``expires`` has no such allowance: it stays a dateTimeStamp.
DATE_TIME_WITHOUT_OFFSET = re.compile(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$")


def proof_configuration(proof: dict[str, Any], context: Any) -> dict[str, Any]:
    """The proof without ``proofValue``, with the secured document's ``@context``.

    Raises MalformedProof when ``expires`` is not an XML Schema dateTimeStamp, or ``created``
    neither one nor a dateTime without an offset (read as UTC, VC Data Integrity 1.0 §2.1).
    """
    configuration = {key: value for key, value in proof.items() if key != "proofValue"}
    configuration["@context"] = context
    for name in ("created", "expires"):
        value = configuration.get(name)
        if name not in configuration or (isinstance(value, str) and DATE_TIME_STAMP.match(value)):
            continue
        if name == "created" and isinstance(value, str) and DATE_TIME_WITHOUT_OFFSET.match(value):
            continue
        raise MalformedProof(f"proof {name} {value!r} is not a dateTimeStamp")
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


def previous_proofs(document: dict[str, Any], proof: dict[str, Any]) -> Any:
    """The proofs ``proof.previousProof`` names (one object, or a list), None without one.

    VC Data Integrity 1.0 §4.5 "Verify Proof Sets and Chains": a proof that names previous
    proofs signs the document with them, so they are part of what is hashed; every proof it
    names must be in the document's proof set, or the chain is broken.

    Raises MalformedProof: ``previousProof`` is not a string or list of strings, or names a
    proof id that is not in the proof set.
    """
    if "previousProof" not in proof:
        return None
    named = proof["previousProof"]
    names = named if isinstance(named, list) else [named]
    if not names or not all(isinstance(name, str) for name in names):
        raise MalformedProof("previousProof must be a proof id or a list of proof ids")
    others = [
        item
        for item in (document.get("proof") if isinstance(document.get("proof"), list) else [])
        if isinstance(item, dict) and item is not proof
    ]
    matching = [item for item in others if item.get("id") in names]
    missing = sorted(set(names) - {item.get("id") for item in matching})
    if missing:
        raise MalformedProof(
            f"previousProof names {missing[0]!r}, which is not in the proof set: the chain is "
            "broken"
        )
    return matching[0] if len(matching) == 1 else matching


def sign_hash(
    document: dict[str, Any],
    proof: dict[str, Any],
    key_pair: KeyPair,
    canonicalize: Canonicalize = rdfc_canonicalize,
) -> str:
    """The multibase ``proofValue`` for ``proof`` over ``document`` (unsecured)."""
    configuration = proof_configuration(proof, document.get("@context"))
    document_hash = hashlib.sha256(canonicalize(document).encode("utf-8")).digest()
    return encode_base58btc(
        key_pair.sign(_signing_proof_hash(configuration, canonicalize) + document_hash)
    )


# Signing many credentials in the same second (bulk issuance) hashes the same proof
# configuration each time (same created, key, purpose and @context): its hash is kept, keyed
# by the canonicalizer and the configuration's exact JSON. Signing only; verification hashes
# what it is given.
_PROOF_HASHES: dict[tuple[Canonicalize, str], bytes] = {}
_PROOF_HASHES_KEPT = 16


def _signing_proof_hash(configuration: dict[str, Any], canonicalize: Canonicalize) -> bytes:
    """SHA-256 of the canonical proof configuration (the first half of ``hash_data``)."""
    key = (canonicalize, json.dumps(configuration, sort_keys=True))
    digest = _PROOF_HASHES.get(key)
    if digest is None:
        digest = hashlib.sha256(canonicalize(configuration).encode("utf-8")).digest()
        if len(_PROOF_HASHES) >= _PROOF_HASHES_KEPT:
            _PROOF_HASHES.clear()
        _PROOF_HASHES[key] = digest
    return digest


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
    previous = previous_proofs(document, proof)
    if previous is not None:
        unsecured_document["proof"] = previous
    configuration = proof_configuration(proof, context)
    require_safe_view(configuration, "proof configuration")
    if context != document.get("@context"):
        require_safe_view(unsecured_document, "document under the proof's @context")
    if not public_key.verify(signature, hash_data(unsecured_document, configuration, canonicalize)):
        raise SignatureInvalid("the signature does not match the credential and the key")
