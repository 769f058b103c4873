"""Whole verification of one OB 3.0 credential: ours (``verifier.verification.verify``: format,
context, type, schema, JSON-LD safe mode, proof, issuer, validity, …) against Digital
Bazaar's ``vc`` in Node (``tests/interop/interop.mjs bench``: proof, purpose, validity) and
against the proof check alone with plain ``pyld``, on the same credential in the same run.

Run by hand: ``python bench/bench_verify.py [seconds]`` (needs ``npm ci --prefix
tests/interop`` for the Node peer). Figures are CPU milliseconds per verification (per
CPU-second rates, so other load on the machine does not skew the ratios). The credential has
a did:key issuer and no status entry, so every implementation can verify it offline.
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


def signed_credential() -> tuple[dict, KeyPair]:
    key_pair = KeyPair.generate("Ed25519")
    issuer = did_key_for(key_pair.public_key)
    credential = credentials(1)[0]
    credential["issuer"] = {"id": issuer, "type": ["Profile"], "name": "Bench Issuer"}
    del credential["credentialStatus"]
    method = f"{issuer}#{issuer.removeprefix('did:key:')}"
    return create_proof(credential, key_pair, method, created="2026-11-23T12:00:00Z"), key_pair


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
    credential, key_pair = signed_credential()
    text = json.dumps(credential)
    context = VerificationContext(resolver=OfflineResolver())
    report = verify(parse_text(text), context)
    if not report.verified:
        raise SystemExit(f"our verifier did not verify the bench credential: {report.to_json()}")

    def ours(_: object) -> None:
        verify(parse_text(text), context)

    def pyld_proof_only(_: object) -> None:
        verify_proof(
            credential, credential["proof"], key_pair.public_key, canonicalize=pyld_normalize
        )

    ours_ms = 1000 / measure(ours, [None], seconds)
    pyld_ms = 1000 / measure(pyld_proof_only, [None], seconds)
    node = node_ms(credential, iterations=max(50, int(seconds * 60)))
    print(f"{'one OB 3.0 credential, CPU ms per verification':<52} {'ms':>8} {'ours is':>9}")
    print(f"{'ours: whole verification':<52} {ours_ms:8.2f}")
    print(f"{'plain pyld: the proof check alone':<52} {pyld_ms:8.2f} {pyld_ms / ours_ms:8.1f}x")
    if node is None:
        print("Digital Bazaar vc: skipped (run npm ci --prefix tests/interop)")
    else:
        print(
            f"{'Digital Bazaar vc (Node): whole verification':<52} {node:8.2f} {node / ours_ms:8.1f}x"
        )


if __name__ == "__main__":
    main()
