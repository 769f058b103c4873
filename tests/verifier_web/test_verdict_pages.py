"""The verdict screen of /verify and /verify/<uuid> as HTML: words, dates, names, the email
check, and refusals in plain words with the pasted text kept (issue #11)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from verifier.verdict import plain_date


def _token(client) -> str:
    html = client.get("/verify").data.decode()
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _verdict(html: str) -> str:
    return re.search(r'<section class="card verdict-card.*?</section>', html, re.S).group(0)


def test_qr_landing_names_the_consenting_holder_the_issuer_and_dates_in_words(client, issue):
    award = issue(name="Maria Lopez", consent=True)
    html = client.get(f"/verify/{award.uuid}").data.decode()
    verdict = _verdict(html)
    assert 'data-state="genuine"' in verdict and "Genuine and current" in verdict
    assert "<strong>Maria Lopez</strong>" in verdict
    assert "Linked Learning Alliance" in verdict
    assert "did:" not in verdict  # the issuer's name, never its DID
    until = re.search(
        r'data-field="valid-until"><time datetime="([^"]+)" title="([^"]+)">([^<]+)<', verdict
    )
    moment = datetime.fromisoformat(until.group(1).replace("Z", "+00:00"))
    assert until.group(3) == plain_date(moment) and until.group(2).endswith(" UTC")
    assert 'href="#benefits">3 of 3 benefits</a>' in verdict
    # The order of the page: verdict, benefits, the email check, then the technical checks.
    positions = [html.index(marker) for marker in
                 ('id="verdict-heading"', 'id="benefits-heading"', 'id="email-heading"', '<details class="card checks"')]  # fmt: skip
    assert positions == sorted(positions)


def test_without_consent_the_name_stays_hidden(client, issue):
    award = issue(name="Priya Singh", consent=False)
    html = client.get(f"/verify/{award.uuid}").data.decode()
    assert "Priya Singh" not in html
    assert "Name not shown" in _verdict(html)


def test_revoked_leads_with_the_revocation_date(client, issue):
    award = issue(revoke_reason="Issued in error")
    html = client.get(f"/verify/{award.uuid}").data.decode()
    verdict = _verdict(html)
    assert 'data-state="revoked"' in verdict
    today = datetime.now(UTC)
    assert re.search(
        rf"Revoked on <time datetime=\"{today:%Y-%m-%d}T[^\"]+\"[^>]*>{plain_date(today)}</time>",
        verdict,
    )


def test_expired_says_the_day_it_expired(client, issue):
    award = issue(issued_at=datetime.now(UTC) - timedelta(days=800))
    verdict = _verdict(client.get(f"/verify/{award.uuid}").data.decode())
    assert 'data-state="expired"' in verdict and "Expired on <time" in verdict


def test_the_holders_email_is_checked_on_the_qr_landing_page(client, issue):
    award = issue()
    token = _token(client)
    match = client.post(f"/verify/{award.uuid}", data={"email": award.email, "csrf_token": token})
    assert match.status_code == 200
    assert 'data-recipient-check="match"' in match.data.decode()
    assert award.email not in match.data.decode()
    other = client.post(
        f"/verify/{award.uuid}", data={"email": "x@example.org", "csrf_token": token}
    )
    assert 'data-recipient-check="no-match"' in other.data.decode()
    bad = client.post(f"/verify/{award.uuid}", data={"email": "nonsense", "csrf_token": token})
    assert bad.status_code == 422 and "does not look right" in bad.data.decode()


def test_a_tampered_credential_is_not_genuine_and_its_claims_are_not_shown(client, issue):
    award = issue(name="Ana Chen", consent=True)
    credential = json.loads(client.get(f"/badges/{award.uuid}.json").data)
    credential["name"] = "Forged Surgeon Licence"
    response = client.post(
        "/verify", data={"credential": json.dumps(credential), "csrf_token": _token(client)}
    )
    html = response.data.decode()
    verdict = _verdict(html)
    assert 'data-state="not-genuine"' in verdict and "Not genuine" in verdict
    assert "changed after it was issued" in verdict
    assert "Forged Surgeon Licence" not in html and "Ana Chen" not in html


def test_a_pasted_badge_of_ours_shows_the_consented_name_and_revocation_date(client, issue):
    award = issue(name="Maria Lopez", consent=True, revoke_reason="Issued in error")
    body = client.get(f"/badges/{award.uuid}.json").data.decode()
    html = client.post(
        "/verify", data={"credential": body, "csrf_token": _token(client)}
    ).data.decode()
    verdict = _verdict(html)
    assert "Maria Lopez" in verdict and "Revoked on <time" in verdict


def test_refusals_are_in_plain_words_and_keep_what_was_pasted(client):
    token = _token(client)
    cases = {
        '{"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ': "incomplete or damaged",
        "hello, is this my badge?": "We could not find a badge in this",
        "[1, 2]": "This text is not a badge",
    }
    for pasted, plain in cases.items():
        response = client.post("/verify", data={"credential": pasted, "csrf_token": token})
        html = response.data.decode()
        assert response.status_code in (400, 422), pasted
        message = re.search(r"<p id=\"verify-error\" data-error>([^<]*)</p>", html).group(1)
        assert plain in message, (pasted, message)
        assert "JWS" not in message and "JSON credential" not in message
        textarea = re.search(
            r'<textarea id="credential"[^>]*aria-describedby="verify-error">([^<]*)</textarea>',
            html,
        ).group(1)
        assert textarea == pasted.replace('"', "&#34;"), pasted
