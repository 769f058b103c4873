"""Stand-ins for the network the 1EdTech validator's own tests mock.

Upstream answers the corpus's https and did:web verification methods from mocks whose key is the
multibase fragment of the method URL, and serves the bit-string-list status list from a file.
``FragmentKeyResolver`` does the same, so the corpus can be verified end to end offline.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from verifier.resolvers import NeedsNetwork, OfflineResolver, ResolutionError

CORPUS = Path(__file__).parents[1] / "vectors" / "1edtech-validator-corpus"
TESTLIST_URL = (
    "https://raw.githubusercontent.com/1EdTech/digital-credentials-public-validator/refs/heads/"
    "main/inspector-vc/src/test/resources/ob30/bit-string-list/testlist"
)


class FragmentKeyResolver:
    def __init__(self) -> None:
        self._offline = OfflineResolver(
            {TESTLIST_URL: json.loads((CORPUS / "samples/bit-string-list/testlist").read_text())}
        )
        self.method_urls: set[str] = set()

    def note(self, method_url: str) -> None:
        self.method_urls.add(method_url)

    def resolve(self, url: str) -> dict[str, Any]:
        try:
            return self._offline.resolve(url)
        except NeedsNetwork:
            pass
        methods = [
            m for m in self.method_urls if m.split("#")[0] == url and ("#z6Mk" in m or "#zDn" in m)
        ]
        if not methods:
            raise ResolutionError(f"no mock for {url}")
        return {
            "id": url,
            "verificationMethod": [
                {
                    "id": m,
                    "type": "Multikey",
                    "controller": url,
                    "publicKeyMultibase": m.split("#", 1)[1],
                }
                for m in methods
            ],
            "assertionMethod": methods,
        }


def method_urls(document: Any) -> list[str]:
    found: list[str] = []
    stack = [document]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            method = value.get("verificationMethod")
            if isinstance(method, str):
                found.append(method)
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return found
