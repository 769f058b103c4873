"""The verdict a person reads first, from a verification report (verifier.verdict)."""

from __future__ import annotations

from datetime import UTC, datetime

from verifier.report import Check, CredentialSummary, VerificationReport
from verifier.verdict import exact_utc, issuer_label, plain_date, utc_iso, verdict_for

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
PASSED = tuple(
    Check(check_id, "passed", "ok")
    for check_id in ("format", "context", "type", "schema", "json-ld", "proof", "issuer")
)
SUMMARY = CredentialSummary(
    id="urn:uuid:1",
    name="Health Care Industry Badge",
    issuer_id="did:web:localhost%3A5000",
    issuer_name="Linked Learning Alliance",
    issued="2026-01-10T08:00:00Z",
    valid_until="2028-01-10T08:00:00Z",
    status="active",
)


def _report(*extra: Check, summary: CredentialSummary = SUMMARY) -> VerificationReport:
    return VerificationReport(PASSED + extra, summary)


def test_genuine_and_current_with_everything_a_person_needs():
    verdict = verdict_for(
        _report(Check("validity", "passed", "v"), Check("status", "passed", "Not revoked")),
        holder_name="Maria Lopez",
        now=NOW,
    )
    assert (verdict.state, verdict.headline) == ("genuine", "Genuine and current")
    assert verdict.holder_name == "Maria Lopez"
    assert verdict.issuer_name == "Linked Learning Alliance"
    assert verdict.valid_until == datetime(2028, 1, 10, 8, 0, tzinfo=UTC)
    assert verdict.good and verdict.shows_content


def test_revoked_leads_with_the_revocation_date_from_the_issuers_records():
    report = _report(
        Check("validity", "passed", "v"),
        Check("status", "failed", "The credential has been revoked by its issuer"),
        summary=CredentialSummary(**{**SUMMARY.__dict__, "status": "revoked"}),
    )
    revoked_at = datetime(2026, 11, 2, 23, 30, tzinfo=UTC)
    verdict = verdict_for(report, revoked_at=revoked_at, now=NOW)
    assert verdict.state == "revoked"
    assert verdict.headline == "Revoked on 2 November 2026"
    assert "revoked by its issuer" in verdict.explanation
    assert verdict_for(report, now=NOW).headline == "Revoked"  # a foreign list has no date


def test_expired_says_on_which_day_even_when_revocation_could_not_be_checked():
    summary = CredentialSummary(**{**SUMMARY.__dict__, "valid_until": "2026-03-01T00:00:00Z"})
    for status in (Check("status", "passed", "ok"), Check("status", "failed", "offline")):
        report = _report(Check("validity", "failed", "Expired on 2026-03-01"), status,
                         summary=summary)  # fmt: skip
        verdict = verdict_for(report, now=NOW)
        assert (verdict.state, verdict.headline) == ("expired", "Expired on 1 March 2026")


def test_a_failed_signature_is_not_genuine_and_shows_nothing_it_claims():
    checks = tuple(c if c.id != "proof" else Check("proof", "failed", "bad") for c in PASSED)
    verdict = verdict_for(VerificationReport(checks, CredentialSummary(format="ldp")), now=NOW)
    assert (verdict.state, verdict.headline) == ("not-genuine", "Not genuine")
    assert "changed after it was issued" in verdict.explanation
    assert not verdict.shows_content and verdict.badge_name is None


def test_a_status_list_out_of_reach_is_unconfirmed_not_genuine_nor_good():
    report = _report(Check("validity", "passed", "v"), Check("status", "failed", "offline"))
    verdict = verdict_for(report, now=NOW)
    assert verdict.state == "unconfirmed" and not verdict.good and verdict.shows_content


def test_a_wrong_email_keeps_the_verdict_and_says_so_apart():
    report = _report(
        Check("validity", "passed", "v"),
        Check("status", "passed", "ok"),
        Check("recipient", "failed", "not this email"),
    )
    verdict = verdict_for(report, now=NOW)
    assert verdict.state == "genuine" and verdict.recipient_matches is False


def test_recognition_and_endorsers_pass_through_from_the_report():
    summary = CredentialSummary(
        **{**SUMMARY.__dict__, "issuer_recognized": False, "endorsers": ("Sutter Health",)}
    )
    verdict = verdict_for(_report(Check("status", "passed", "ok"), summary=summary), now=NOW)
    assert verdict.issuer_recognized is False and verdict.endorsers == ("Sutter Health",)


def test_dates_in_words_with_the_exact_instant_beside_them():
    moment = datetime(2026, 11, 29, 20, 55, 26, tzinfo=UTC)
    assert plain_date(moment) == "29 November 2026"
    assert utc_iso(moment) == "2026-11-29T20:55:26Z"
    assert exact_utc(moment) == "2026-11-29 20:55:26 UTC"


def test_no_raw_did_in_prose():
    assert issuer_label("  ", "did:web:localhost%3A5000") == "an unnamed issuer at localhost:5000"
    assert issuer_label(None, "did:key:z6Mk") == "an unnamed issuer"
    assert issuer_label("Foreign Community College", "did:key:z6Mk") == "Foreign Community College"


def test_a_key_out_of_reach_is_could_not_be_checked_not_an_accusation():
    checks = tuple(
        c if c.id != "proof" else Check("proof", "failed", "Could not resolve the signing key "
                                         "offline: did:web:example.org needs the network")
        for c in PASSED
    )  # fmt: skip
    verdict = verdict_for(VerificationReport(checks, CredentialSummary(format="ldp")), now=NOW)
    assert (verdict.state, verdict.headline) == ("unconfirmed", "Could not be checked")
    assert "changed" not in verdict.explanation
    assert not verdict.shows_content and not verdict.good
