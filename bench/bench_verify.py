"""Whole verification of one OB 3.0 credential: ours (``verifier.verification.verify``: format,
context, type, schema, JSON-LD safe mode, proof, issuer, validity, …) against Digital
Bazaar's ``vc`` in Node (``tests/interop/interop.mjs bench``: proof, purpose, validity) and
against the proof check alone with plain ``pyld``, on the same credential in the same run.

Run by hand: ``python bench/bench_verify.py [seconds]`` (needs ``npm ci --prefix
tests/interop`` for the Node peer). Figures are CPU milliseconds per verification (per
CPU-second rates, so other load on the machine does not skew the ratios). The credentials have
a did:key issuer and no status entry, so every implementation can verify them offline.

Ours is measured twice: on :data:`DISTINCT` different credentials in turn, more than the
JSON-LD safe-mode memo holds (``schemas.safe_mode._MEMO_SIZE``), so each verification is the
first sight of its credential, as for a visitor's upload (the headline figure); and on one
credential again and again, as for a QR code scanned repeatedly, where the remembered
inspection and expansions serve. The peers verify one credential repeatedly and remember no
results per document.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import measure
from bench_sign_verify import credentials, pyld_normalize

from keys.did import did_key_for
from keys.keypairs import KeyPair
from keys.proofs import create_proof
from keys.proofs.eddsa_rdfc_2022 import verify_proof
from verifier.inputs import parse_text
from verifier.resolvers import OfflineResolver
from verifier.verification import VerificationContext, verify

INTEROP = Path(__file__).resolve().parents[1] / "tests" / "interop"


DISTINCT = 300


def signed_credentials(count: int) -> tuple[list[dict], KeyPair]:
    """``count`` different OB 3.0 credentials signed by one did:key."""
    key_pair = KeyPair.generate("Ed25519")
    issuer = did_key_for(key_pair.public_key)
    method = f"{issuer}#{issuer.removeprefix('did:key:')}"
    signed = []
    for credential in credentials(count):
        credential["issuer"] = {"id": issuer, "type": ["Profile"], "name": "Bench Issuer"}
        credential["validFrom"] = "2026-06-01T00:00:00Z"  # valid today, whichever n
        del credential["credentialStatus"]
        signed.append(create_proof(credential, key_pair, method, created="2026-11-23T12:00:00Z"))
    return signed, key_pair


def node_ms(credential: dict, iterations: int) -> float | None:
    """CPU ms per verification in Digital Bazaar's ``vc``, or None without Node/packages."""
    if shutil.which("node") is None or not (INTEROP / "node_modules").exists():
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump(credential, file)
    command = ["node", str(INTEROP / "interop.mjs"), "bench", file.name]
    command += ["--iterations", str(iterations)]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    Path(file.name).unlink()
    answer = json.loads(result.stdout)
    if not answer["verified"]:
        raise SystemExit(f"Digital Bazaar did not verify the bench credential: {answer}")
    return answer["cpu_ms_per_verify"]


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    signed, key_pair = signed_credentials(DISTINCT)
    credential = signed[0]
    texts = [json.dumps(item) for item in signed]
    context = VerificationContext(resolver=OfflineResolver())
    for text in texts:
        report = verify(parse_text(text), context)
        if not report.verified:
            raise SystemExit(f"our verifier did not verify a bench credential: {report.to_json()}")

    def ours(text: str) -> None:
        verify(parse_text(text), context)

    def pyld_proof_only(_: object) -> None:
        verify_proof(
            credential, credential["proof"], key_pair.public_key, canonicalize=pyld_normalize
        )

    first_ms = 1000 / measure(ours, texts, seconds)
    again_ms = 1000 / measure(ours, texts[:1], seconds)
    pyld_ms = 1000 / measure(pyld_proof_only, [None], seconds)
    node = node_ms(credential, iterations=max(50, int(seconds * 60)))
    print(f"{'one OB 3.0 credential, CPU ms per verification':<56} {'ms':>8} {'ours is':>9}")
    print(f"{'ours: whole verification, first sight of each':<56} {first_ms:8.2f}")
    print(f"{'ours: whole verification, the same one again':<56} {again_ms:8.2f}")
    print(f"{'plain pyld: the proof check alone':<56} {pyld_ms:8.2f} {pyld_ms / first_ms:8.1f}x")
    if node is None:
        print("Digital Bazaar vc: skipped (run npm ci --prefix tests/interop)")
    else:
        print(
            f"{'Digital Bazaar vc (Node): whole verification':<56} {node:8.2f} "
            f"{node / first_ms:8.1f}x ({node / again_ms:.1f}x the same one again)"
        )


if __name__ == "__main__":
    main()
