"""The employer's endorsement verifies in the independent Node implementation as in ours, with
the endorser's own key; a tampered endorsement, or one signed by another key, fails in both."""

from __future__ import annotations

import copy
import json
from datetime import timedelta

import pytest

from tests.interop.node_interop import node_available, verify
from tests.issuer.test_employer_trust import Trust, _endorse, _issue

pytestmark = [
    pytest.mark.interop,
    pytest.mark.skipif(not node_available(), reason="run: npm ci --prefix tests/interop"),
]


def _files(tmp_path, world, signer, employers, credential):
    badge = tmp_path / "badge.json"
    badge.write_text(json.dumps(credential))
    ours = tmp_path / "alliance-did.json"
    ours.write_text(json.dumps(signer.did_document()))
    docs = [ours]
    for slug in ("sutter-health", "otherco"):
        document = employers.did_document(slug)
        if document is not None:
            path = tmp_path / f"{slug}-did.json"
            path.write_text(json.dumps(document))
            docs.append(path)
    return badge, docs


def _node(tmp_path, world, signer, employers, credential):
    badge, docs = _files(tmp_path, world, signer, employers, credential)
    checked_at = (world.now + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    return verify(badge, *docs, now=checked_at)


def test_the_endorsement_verifies_in_node_as_in_ours(tmp_path, world, signer, employers, partner):
    _endorse(world, employers, partner)
    award = _issue(world, signer)
    node = _node(tmp_path, world, signer, employers, award.credential_json)
    assert node["verified"], node["errors"]
    assert [(e["issuer_name"], e["verified"]) for e in node["endorsements"]] == [
        ("Sutter Health", True)
    ], node["endorsements"]
    ours = Trust(world, signer, employers).verify(award.credential_json)
    assert ours.credential.endorsers == ("Sutter Health",)


@pytest.mark.parametrize("how", ["tampered", "other key"])
def test_a_bad_endorsement_fails_in_node_as_in_ours(
    tmp_path, world, signer, employers, partner, how
):
    _endorse(world, employers, partner)
    award = _issue(world, signer)
    credential = copy.deepcopy(award.credential_json)
    credential.pop("proof")
    endorsement = credential["credentialSubject"]["achievement"]["endorsement"][0]
    if how == "tampered":
        endorsement["credentialSubject"]["endorsementComment"] = "Guaranteed job offer."
    else:
        endorsement.pop("proof")
        endorsement.update(employers.signer("otherco").sign_ldp(endorsement))
    resigned = signer.sign_ldp(credential)
    node = _node(tmp_path, world, signer, employers, resigned)
    assert node["verified"], node["errors"]  # the badge itself is genuine
    assert [e["verified"] for e in node["endorsements"]] == [False]
    ours = Trust(world, signer, employers).verify(resigned)
    assert ours.check("endorsements").status == "warning"
    assert ours.credential.endorsers == ()
