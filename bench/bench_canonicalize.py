"""Canonicalizations per second: plain pyld normalize vs schemas.canonical.canonicalize.

Run by hand: ``/work/venv/bin/python bench/bench_canonicalize.py [seconds-per-measurement]``.
Both run in the same process on the same distinct credentials (no two alike, so nothing can be
served from a per-document cache); outputs are checked equal before timing.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _timing import compare, report  # noqa: E402
from pyld import jsonld  # noqa: E402

from schemas.canonical import canonicalize  # noqa: E402
from schemas.loader import document_loader  # noqa: E402

REFERENCE = Path("/work/shared/ob3-reference")
VECTOR = REFERENCE / "test-vectors" / "1edtech-ob3-eddsa" / "credential.json"
COMPLETE = REFERENCE / "1edtech-validator-corpus" / "samples" / "complete.json"


def _generator():
    path = ROOT / "tests" / "schemas" / "canonical_corpus" / "generate.py"
    spec = importlib.util.spec_from_file_location("canonical_corpus_generate", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pyld_normalize(document: dict[str, Any]) -> str:
    return jsonld.normalize(
        document,
        {
            "algorithm": "URDNA2015",
            "format": "application/n-quads",
            "documentLoader": document_loader,
        },
    )


def _variants(document: dict[str, Any], count: int) -> list[dict[str, Any]]:
    """Distinct copies of one credential: a different id and name each."""
    variants = []
    for index in range(count):
        variant = json.loads(json.dumps(document))
        variant["id"] = f"urn:uuid:bench-{index}"
        variant["name"] = f"{variant.get('name', 'Badge')} #{index}"
        variants.append(variant)
    return variants


def _valid(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    kept = []
    for document in documents:
        try:
            expected = pyld_normalize(document)
        except jsonld.JsonLdError:
            continue
        assert canonicalize(document) == expected, "outputs differ: benchmark aborted"
        kept.append(document)
    return kept


def main(seconds: float = 2.0) -> None:
    generate = _generator()
    sets = {
        "1EdTech vector credential (16 quads)": _variants(json.loads(VECTOR.read_text()), 40),
        "large: 10 evidence, 8 alignments (~240 q)": [
            generate.large_credential(i) for i in range(40)
        ],
        "generated corpus (DM 1.1 and 2.0, varied)": generate.credentials(120),
        "1EdTech complete.json (363 quads)": _variants(json.loads(COMPLETE.read_text()), 10),
    }
    print("canonicalizations per CPU-second, best of 3 interleaved rounds")
    print(f"{'credentials [distinct documents]':<48} {'pyld':>10} {'ours':>10}   ratio")
    ratios = []
    for name, documents in sets.items():
        documents = _valid(documents)
        baseline, candidate = compare(pyld_normalize, canonicalize, documents, seconds)
        ratios.append(candidate / baseline)
        print(report(f"{name} [{len(documents)}]", baseline, candidate))
    print(f"lowest ratio: x{min(ratios):.1f}")


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 2.0)
