import json
from pathlib import Path

import pytest

from keys.keypairs import KeyPair

VECTOR = Path(__file__).parents[1] / "vectors" / "1edtech-ob3-eddsa"


@pytest.fixture(scope="session")
def vector() -> dict:
    expected = json.loads((VECTOR / "expected.json").read_text())
    return {
        "expected": expected,
        "credential": json.loads((VECTOR / "credential.json").read_text()),
        "proof_options": json.loads((VECTOR / "proof-options.json").read_text()),
        "signed": json.loads((VECTOR / "signed-credential.json").read_text()),
        "document_canon": (VECTOR / "document-canon.nq").read_text(),
        "proof_canon": (VECTOR / "proof-canon.nq").read_text(),
        "key_pair": KeyPair.from_ed25519_seed(
            bytes.fromhex(expected["privateKeyHex (seed || public)"])[:32]
        ),
    }
