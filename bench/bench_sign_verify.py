"""Credentials signed/s and verified/s with eddsa-rdfc-2022: our canonicalization path against
plain ``pyld.jsonld.normalize`` doing the same job, on the same credentials, in the same run.

Run by hand: ``python bench/bench_sign_verify.py [seconds]``. Prints rates (per CPU-second)
and the ratio ours / pyld. Each credential is distinct, so no result is reused.
"""

from __future__ import annotations

import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pyld import jsonld

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import compare, report

from issuer.credential_builder import build_achievement_credential
from keys.keypairs import KeyPair
from keys.proofs import create_proof
from keys.proofs.eddsa_rdfc_2022 import verify_proof
from schemas.loader import document_loader

METHOD = "did:web:badges.example.org#ed25519-bench"
CREATED = "2026-11-23T12:00:00Z"


def pyld_normalize(document: dict) -> str:
    options = {"algorithm": "URDNA2015", "format": "application/n-quads"}
    return jsonld.normalize(document, options | {"documentLoader": document_loader})


def credentials(count: int) -> list[dict]:
    """Realistic OB 3.0 badges: status entry, alignments, evidence, each one different."""
    start = datetime(2026, 6, 1, tzinfo=UTC)
    return [
        build_achievement_credential(
            credential_id=f"urn:uuid:{uuid.UUID(int=n + 1)}",
            issuer={"id": "did:web:badges.example.org", "type": ["Profile"], "name": "Alliance"},
            recipient_email=f"student{n}@example.org",
            recipient_salt=f"salt{n:04d}",
            achievement={
                "id": "https://badges.example.org/achievements/health-care",
                "type": ["Achievement"],
                "achievementType": "Badge",
                "name": "Health Care Industry Badge",
                "description": "Met Sutter Health's criteria in a certified pathway.",
                "criteria": {"narrative": "120 clinical hours; CPR/BLS; mentor assessment."},
                "alignment": [
                    {
                        "type": ["Alignment"],
                        "targetName": "Medical Assistants",
                        "targetUrl": "https://www.onetonline.org/link/summary/31-9092.00",
                        "targetCode": "31-9092.00",
                        "targetFramework": "O*NET-SOC",
                    }
                ],
            },
            valid_from=start + timedelta(days=n),
            valid_until=start + timedelta(days=730 + n),
            evidence=[{"id": f"https://badges.example.org/evidence/{n}", "name": "Hours log"}],
            credential_status={
                "id": f"https://badges.example.org/status-lists/1#{n}",
                "type": "BitstringStatusListEntry",
                "statusPurpose": "revocation",
                "statusListIndex": str(n),
                "statusListCredential": "https://badges.example.org/status-lists/1",
            },
        )
        for n in range(count)
    ]


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    key_pair = KeyPair.generate("Ed25519")
    unsigned = credentials(50)
    signed = [create_proof(c, key_pair, METHOD, created=CREATED) for c in unsigned]
    public_key = key_pair.public_key

    def sign_ours(credential: dict) -> None:
        create_proof(credential, key_pair, METHOD, created=CREATED)

    def sign_pyld(credential: dict) -> None:
        create_proof(credential, key_pair, METHOD, created=CREATED, canonicalize=pyld_normalize)

    def verify_ours(credential: dict) -> None:
        verify_proof(credential, credential["proof"], public_key)

    def verify_pyld(credential: dict) -> None:
        verify_proof(credential, credential["proof"], public_key, canonicalize=pyld_normalize)

    print(
        f"{'eddsa-rdfc-2022, 50 distinct OB 3.0 credentials':<48} {'pyld':>10} {'ours':>10}   ratio"
    )
    print(report("credentials signed", *compare(sign_pyld, sign_ours, unsigned, seconds)))
    print(report("credentials verified", *compare(verify_pyld, verify_ours, signed, seconds)))


if __name__ == "__main__":
    main()
