import io
import re
from datetime import UTC, datetime, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import zxingcpp
from PIL import Image

BASE = "https://badges.example.org"


def _meta(html: str, name: str) -> str:
    match = re.search(rf'<meta (?:property|name)="{re.escape(name)}" content="([^"]*)"', html)
    assert match, f"no {name} meta tag"
    return unescape(match.group(1))


def _csrf(client, path):
    html = client.get(path).data.decode()
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_badge_page_shows_the_badge_verdict_criteria_and_benefits(client, issue):
    award = issue(name="Ana Chen", consent=True)
    response = client.get(f"/badges/{award.uuid}")
    html = response.data.decode()
    assert response.status_code == 200
    assert "Health Care Industry Badge" in html
    assert "Awarded to <strong>Ana Chen</strong>" in html
    assert 'data-verdict="verified"' in html
    assert "Sutter Health" in html and "Linked Learning Alliance" in html
    for key in ("clinical-work-based-learning", "cpr-bls-certification", "hipaa-privacy-training"):
        assert f'data-criterion="{key}"' in html
    assert 'data-benefit="medical-assisting-exam-funding" data-eligible="true"' in html
    assert "earlycareers@sutterhealth.org" in html


def test_without_consent_the_student_is_a_verified_recipient_and_the_page_is_not_indexed(
    client, issue
):
    award = issue(name="Joseph Park", consent=False)
    html = client.get(f"/badges/{award.uuid}").data.decode()
    assert "Joseph Park" not in html
    assert "Awarded to a verified recipient" in html
    assert '<meta name="robots" content="noindex">' in html
    assert "Joseph Park" not in client.get(f"/badges/{award.uuid}/card").data.decode()


def test_open_graph_twitter_and_linkedin(client, issue):
    award = issue(consent=True)
    html = client.get(f"/badges/{award.uuid}").data.decode()
    page_url = f"{BASE}/badges/{award.uuid}"
    assert _meta(html, "og:title") == "Health Care Industry Badge"
    assert _meta(html, "og:url") == page_url
    image, _, version = _meta(html, "og:image").partition("?v=")
    assert image == f"{BASE}/static/img/health-care-industry-badge.png"
    assert len(version) == 12  # the file's version: a changed image gets a new URL
    assert _meta(html, "twitter:card") == "summary"
    link = unescape(re.search(r'href="([^"]+)"[^>]*data-link="linkedin"', html).group(1))
    parts = urlsplit(link)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    now = datetime.now(UTC) - timedelta(days=1)
    assert parts.netloc == "www.linkedin.com" and parts.path == "/profile/add"
    assert query == {
        "startTask": "CERTIFICATION_NAME",
        "name": "Health Care Industry Badge",
        "organizationName": "Linked Learning Alliance",
        "issueYear": str(now.year),
        "issueMonth": str(now.month),
        "expirationYear": str(now.year + 2),
        "expirationMonth": str(now.month),
        "certUrl": page_url,
        "certId": award.uuid,
    }


def test_downloads_are_attachments_with_a_sandboxing_policy(client, issue):
    award = issue()
    expected = {
        ".json": "application/ld+json",
        ".jwt": "application/vc+jwt",
        ".png": "image/png",
        ".svg": "image/svg+xml",
    }
    for suffix, mimetype in expected.items():
        response = client.get(f"/badges/{award.uuid}{suffix}")
        assert response.status_code == 200
        assert response.mimetype == mimetype
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment;") and disposition.endswith(f'{suffix}"')
        assert "sandbox" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/badges/{award.uuid}.json").json["id"] == award.credential_id


def test_every_download_verifies_through_the_api(client, issue):
    award = issue()
    for suffix, content_type in (
        (".json", "application/json"),
        (".jwt", "text/plain"),
        (".png", "image/png"),
        (".svg", "image/svg+xml"),
    ):
        body = client.get(f"/badges/{award.uuid}{suffix}").data
        report = client.post("/api/v1/verify", data=body, content_type=content_type).json
        assert report["verified"] is True, (suffix, report["checks"])
        assert report["credential"]["id"] == award.credential_id
        assert report["credential"]["format"] == ("jwt" if suffix == ".jwt" else "ldp")


def test_qr_codes_encode_the_verification_url(client, issue):
    award = issue()
    png = client.get(f"/badges/{award.uuid}/qr.png")
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))
    assert [r.text for r in decoded] == [f"{BASE}/verify/{award.uuid}"]
    svg = client.get(f"/badges/{award.uuid}/qr.svg?download=1")
    assert svg.mimetype == "image/svg+xml"
    assert svg.headers["Content-Disposition"].startswith("attachment;")
    page = client.get(f"/badges/{award.uuid}").data.decode()
    assert f"/badges/{award.uuid}/qr.svg" in page
    card = client.get(f"/badges/{award.uuid}/card").data.decode()
    assert f"/badges/{award.uuid}/qr.svg" in card and f"{BASE}/verify/{award.uuid}" in card


def test_recipient_check_compares_the_hashed_email_and_never_echoes_it(client, issue):
    award = issue(name="Ana Chen")
    path = f"/badges/{award.uuid}"
    token = _csrf(client, path)
    match = client.post(
        path, data={"email": "  ANA.chen@students.example.org ", "csrf_token": token}
    )
    assert 'data-recipient-check="match"' in match.data.decode()
    other = client.post(path, data={"email": "someone@example.org", "csrf_token": token})
    html = other.data.decode()
    assert 'data-recipient-check="no-match"' in html
    assert "someone@example.org" not in html
    assert client.post(path, data={"email": "nope", "csrf_token": token}).status_code == 422


def test_unknown_and_sequential_ids_are_not_found(client, issue):
    award = issue()
    assert client.get("/badges/6f1c1d1e-8d39-4c5b-9b43-2d3c8a4c2f10").status_code == 404
    assert client.get(f"/badges/{award.award_id}").status_code == 404
    assert client.get(f"/badges/{award.uuid}.exe").status_code == 404


def test_revoked_and_expired_badges_show_red_with_the_reason(client, issue):
    revoked = issue(name="Joseph Park", revoke_reason="CPR card had expired")
    html = client.get(f"/badges/{revoked.uuid}").data.decode()
    assert 'data-verdict="failed"' in html
    assert "revoked by its issuer" in html
    expired = issue(name="Old Timer", issued_at=datetime.now(UTC) - timedelta(days=365 * 3))
    html = client.get(f"/verify/{expired.uuid}").data.decode()
    assert 'data-verdict="failed"' in html and "Expired on" in html
    assert 'data-benefit="internship-placement-preference" data-eligible="false"' in html
