"""Selective Disclosure canonicalization helpers (W3C vc-di-ecdsa §3.4 "Selective Disclosure
Functions"): labelReplacementCanonicalizeJsonLd with a fixed label map, and hashMandatoryNQuads.

The verifier canonicalizes the revealed document with RDFC-1.0, which names its blank nodes
``_:c14n0``, ``_:c14n1``, …; the derived proof's label map says which HMAC-derived label
(``_:u…``) the issuer signed for each of them. Relabelling and re-sorting gives back the exact
N-Quad strings the issuer signed, in the order the proof's indexes refer to.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from typing import Any

from keys.proofs.errors import SignatureInvalid

Canonicalize = Callable[[dict[str, Any]], str]

# One N-Quads term at a time: IRIs and string literals are matched whole so that a "_:" inside
# them is never taken for a blank node; only a bare ``_:label`` is rewritten.
_TERM = re.compile(r'(<[^>]*>|"(?:[^"\\]|\\.)*")|_:([A-Za-z0-9]+)')


def relabel_blank_nodes(nquad: str, label_map: Mapping[str, str]) -> str:
    """relabelBlankNodes for one N-Quad: every blank node label replaced through ``label_map``.

    Raises:
        SignatureInvalid: a blank node of the document has no entry in ``label_map``: the
            document is not the one the proof was derived for.
    """

    def replace(match: re.Match[str]) -> str:
        if match.group(1) is not None:
            return match.group(1)
        label = match.group(2)
        try:
            return "_:" + label_map[label]
        except KeyError:
            raise SignatureInvalid(
                f"the proof's label map has no entry for blank node _:{label}: the document "
                "is not the one the proof was derived for"
            ) from None

    return _TERM.sub(replace, nquad)


def label_replacement_canonicalize(
    document: dict[str, Any], label_map: Mapping[str, str], canonicalize: Canonicalize
) -> list[str]:
    """The document's canonical N-Quads, relabelled through ``label_map`` and sorted again.

    Each string ends with ``"\\n"``, as signed. Sorting is by code point (the order of the
    UTF-8 bytes), as RDFC-1.0 sorts.
    """
    canonical = canonicalize(document)
    # Split on "\n" only: canonical N-Quads leave U+2028, U+0085, … unescaped inside literals.
    lines = [line for line in canonical.split("\n") if line]
    return sorted(relabel_blank_nodes(line, label_map) + "\n" for line in lines)


def hash_mandatory_nquads(mandatory: list[str]) -> bytes:
    """hashMandatoryNQuads: SHA-256 of the UTF-8 of the joined mandatory N-Quads."""
    return hashlib.sha256("".join(mandatory).encode("utf-8")).digest()
