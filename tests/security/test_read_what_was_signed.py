"""Class 4, read what was signed: a Data Integrity signature covers the credential's RDF, not
its JSON, so an attacker can re-spell a signed property (same meaning, same valid signature)
where a JSON reader no longer finds it. The verifier must fail such a credential, and what it
shows a person must be what was signed."""

from __future__ import annotations

import copy
import dataclasses
from datetime import timedelta

from schemas.canonical import canonicalize
from tests.security.conftest import failed
from tests.verifier.conftest import NOW, make_credential
from verifier.inputs import ParsedInput
from verifier.verification import verify

VALID_UNTIL_IRI = "https://www.w3.org/2018/credentials#validUntil"
XSD_DATE_TIME = "http://www.w3.org/2001/XMLSchema#dateTime"


def test_an_expired_badge_with_validuntil_respelled_as_an_iri_fails(signer, context):
    """Signed as expired yesterday; re-keyed, ``credential["validUntil"]`` is gone and a naive
    verifier would call it valid forever. The typed value keeps the RDF, so the signature
    still verifies: only the compact-form check can catch it."""
    expired = make_credential(
        valid_from=NOW - timedelta(days=800), valid_until=NOW - timedelta(days=1)
    )
    signed = signer.sign_ldp(expired)
    signed[VALID_UNTIL_IRI] = {"@value": signed.pop("validUntil"), "@type": XSD_DATE_TIME}

    report = verify(ParsedInput("ldp", signed), context)
    assert report.check("proof").status == "passed"
    problems = failed(report)
    assert list(problems) == ["json-ld"]
    assert problems["json-ld"].startswith(
        "Not every property is defined by the credential's contexts: "
        f"$['{VALID_UNTIL_IRI}']: property '{VALID_UNTIL_IRI}' is spelled as an IRI, not as a "
        "term of the context (its term is 'validUntil'): JSON readers miss it while the "
        "signature covers it"
    )
    assert report.credential.valid_until is None  # the summary shows no unsigned end date
    assert not report.verified


def test_an_achievement_name_respelled_as_an_iri_fails(signer, context):
    signed = signer.sign_ldp(make_credential())
    achievement = signed["credentialSubject"]["achievement"]
    achievement["https://schema.org/name"] = achievement.pop("name")

    report = verify(ParsedInput("ldp", signed), context)
    assert report.check("proof").status == "passed"
    assert "property 'https://schema.org/name' is spelled as an IRI" in failed(report)["json-ld"]
    assert report.credential.achievement_name is None  # never read from the re-spelled key


def _in_signed_dataset(value: str, nquads: str) -> bool:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"' in nquads or f'"{escaped}"^^' in nquads or f"<{value}>" in nquads


def test_every_value_a_verified_report_shows_is_in_the_signed_dataset(signer, context):
    credential = make_credential(
        achievement={
            "id": "https://badges.example.org/achievements/health-care",
            "type": ["Achievement"],
            "achievementType": "Badge",
            "name": "Health Care Industry Badge",
            "description": 'Criteria set by "Sutter Health"\nfor certified pathways.',
            "criteria": {"narrative": "- 120 hours of clinical work\n- CPR/BLS"},
            "image": {"id": "https://badges.example.org/static/badge.png", "type": "Image"},
        }
    )
    signed = signer.sign_ldp(credential)
    report = verify(ParsedInput("ldp", signed), context)
    assert report.verified, failed(report)
    nquads = canonicalize({key: value for key, value in signed.items() if key != "proof"})
    shown = {
        name: value
        for name, value in dataclasses.asdict(report.credential).items()
        if isinstance(value, str) and name not in {"format", "status"}
    }
    assert {"name", "issuer_name", "criteria", "valid_until", "image"} <= set(shown)
    assert {name for name, value in shown.items() if not _in_signed_dataset(value, nquads)} == set()


def test_a_report_whose_proof_failed_shows_no_unsigned_name(signer, context):
    forged = copy.deepcopy(signer.sign_ldp(make_credential()))
    forged["credentialSubject"]["achievement"]["name"] = "Brain Surgery Badge"
    report = verify(ParsedInput("ldp", forged), context)
    assert report.check("proof").status == "failed"
    assert "Brain Surgery Badge" not in (report.credential.name, report.credential.achievement_name)
