"""Badges baked here carry credentials the independent Node implementation verifies."""

import json

import pytest

from tests.interop.node_interop import node_available, run_interop
from verifier.inputs import extract_from_png, extract_from_svg

pytestmark = [
    pytest.mark.interop,
    pytest.mark.skipif(not node_available(), reason="npm ci --prefix tests/interop"),
]


@pytest.mark.parametrize(
    ("suffix", "extract"), [(".png", extract_from_png), (".svg", extract_from_svg)]
)
def test_the_embedded_credential_verifies_in_node(client, issue, tmp_path, suffix, extract):
    award = issue()
    did_doc = tmp_path / "did.json"
    did_doc.write_bytes(client.get("/.well-known/did.json").data)
    baked = client.get(f"/badges/{award.uuid}{suffix}").data
    assert (
        client.post(
            "/api/v1/verify",
            data=baked,
            content_type="image/png" if suffix == ".png" else "image/svg+xml",
        ).json["verified"]
        is True
    )
    credential = tmp_path / "credential.json"
    credential.write_text(extract(baked), encoding="utf-8")
    assert json.loads(credential.read_text())["id"] == award.credential_id
    result = run_interop("verify", str(credential), "--did-doc", str(did_doc))
    assert result["verified"], result["errors"]
    assert result["format"] == "ldp"
