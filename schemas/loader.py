"""The offline JSON-LD document loader: pinned contexts only, nothing is ever fetched.

A verifier that fetched contexts would let any credential make it send requests and would let
whoever controls a context URL change what a signed credential means. Every context a credential
may use is shipped in ``schemas/contexts/`` (``index.json`` maps URL to file, ``sources.json``
records where each copy came from and its sha256).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

CONTEXTS_DIR = Path(__file__).parent / "contexts"

VC_V1 = "https://www.w3.org/2018/credentials/v1"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
DID_V1 = "https://www.w3.org/ns/did/v1"
ED25519_2020_V1 = "https://w3id.org/security/suites/ed25519-2020/v1"


class ContextNotPinned(LookupError):
    """A document asked for a context URL that is not in the pinned set."""

    def __init__(self, url: str) -> None:
        super().__init__(
            f"JSON-LD context {url!r} is not one of the pinned contexts; it is never fetched"
        )
        self.url = url


@cache
def pinned_contexts() -> Mapping[str, Any]:
    """URL → parsed context document, for every context shipped in ``schemas/contexts``."""
    index = json.loads((CONTEXTS_DIR / "index.json").read_text(encoding="utf-8"))
    return MappingProxyType(
        {
            url: json.loads((CONTEXTS_DIR / name).read_text(encoding="utf-8"))
            for url, name in index.items()
        }
    )


def is_pinned(url: str) -> bool:
    return url in pinned_contexts()


def document_loader(url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A pyld-compatible document loader that answers from the pinned set or raises."""
    try:
        document = pinned_contexts()[url]
    except (KeyError, TypeError):
        raise ContextNotPinned(str(url)) from None
    return {"contextUrl": None, "documentUrl": url, "document": document}
