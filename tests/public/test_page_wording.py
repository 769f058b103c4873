"""What a person reads on the public pages, phone first: a revoked badge says when it stopped
counting instead of a validity date (and its holder sees the reason on "my badges"), the holder's email check is answered in the holder's own
line (without a name the student did not agree to show), and the site has an icon."""

from __future__ import annotations

import re

from issuer.models import Award
from tests.wallets.support import sign_in
from verifier.verdict import parse_time, plain_date


def _csrf(client, path: str) -> str:
    html = client.get(path).data.decode()
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _verdict(html: str) -> str:
    return re.search(r'<section class="card verdict-card.*?</section>', html, re.S).group(0)


def _holder(html: str) -> str:
    line = re.search(r'data-field="holder">(.*?)</dd>', _verdict(html), re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", " ", line).split())


def test_a_revoked_badge_says_when_it_was_revoked_not_until_when_it_is_valid(client, issue):
    award = issue(name="Joseph Park", revoke_reason="Issued in error")
    for path in (f"/verify/{award.uuid}", f"/badges/{award.uuid}"):
        html = client.get(path).data.decode()
        verdict = _verdict(html)
        assert 'data-state="revoked"' in verdict
        assert "Valid until" not in verdict and 'data-field="valid-until"' not in verdict
        revoked = re.search(r'data-field="revoked">(.*?)</dd>', verdict, re.S).group(1)
        words = " ".join(re.sub(r"<[^>]+>", " ", revoked).split())
        assert words.startswith("On ") and "no longer counts" in words
        assert re.search(r"\d{1,2} [A-Z][a-z]+ 20\d\d", words)  # a date in words
    # The badge page's own facts: revoked on a date, no expiry date offered as if current.
    about = html.split('id="about-heading"')[1].split("</section>")[0]
    assert 'data-field="revoked"' in about and 'data-field="expires"' not in about
    # The printable card, still reachable by its address, says so too.
    card = client.get(f"/badges/{award.uuid}/card").data.decode()
    assert "valid until" not in card and 'data-field="revoked"><strong>Revoked on <time' in card


def test_an_active_badge_still_says_until_when_it_is_valid(client, issue):
    award = issue(name="Maria Lopez", consent=True)
    for path in (f"/verify/{award.uuid}", f"/badges/{award.uuid}"):
        verdict = _verdict(client.get(path).data.decode())
        assert 'data-field="valid-until"' in verdict and 'data-field="revoked"' not in verdict


def test_a_passed_email_check_confirms_the_address_in_the_holder_line(client, issue):
    """A student who did not consent: the line confirms the address, and still no name."""
    award = issue(name="Ana Chen", consent=False)
    for path in (f"/badges/{award.uuid}", f"/verify/{award.uuid}"):
        token = _csrf(client, path)
        before = client.get(path).data.decode()
        assert _holder(before) == "Name not shown: check the holder's email below"
        html = client.post(path, data={"email": award.email, "csrf_token": token}).data.decode()
        assert _holder(html) == (
            "✔ Awarded to the email address you entered (the holder chose not to show their name)"
        ), path
        assert "Ana Chen" not in html and award.email not in html
        other = client.post(path, data={"email": "x@example.org", "csrf_token": token})
        assert _holder(other.data.decode()) == "✘ Not awarded to the email address you entered"


def test_a_consenting_holders_name_stays_beside_the_email_confirmation(client, issue):
    award = issue(name="Maria Lopez", consent=True)
    path = f"/verify/{award.uuid}"
    html = client.post(
        path, data={"email": award.email, "csrf_token": _csrf(client, path)}
    ).data.decode()
    assert _holder(html) == "Maria Lopez ✔ Awarded to the email address you entered"


def test_favicon_is_served_with_the_static_files_year_long_cache(client):
    page = client.get("/").data.decode()
    icons = re.findall(
        r'<link rel="icon" href="(/static/favicon\.(?:svg|ico)\?v=[0-9a-f]{12})"', page
    )
    assert len(icons) == 2, "the layout names the icon"
    legacy = client.get("/favicon.ico")
    assert legacy.status_code == 301 and legacy.location in icons
    icon = client.get(legacy.location)
    assert icon.status_code == 200 and icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert icon.cache_control.max_age == 31536000 and icon.cache_control.immutable
    assert not icon.cache_control.no_cache  # no revalidation of a versioned file
    svg = client.get(icons[0])
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert svg.cache_control.max_age == 31536000


def test_dates_on_the_public_pages_read_in_words(client, issue):
    award = issue(name="Maria Lopez", consent=True)
    issued = parse_time(client.get(f"/badges/{award.uuid}.json").get_json()["validFrom"])
    html = client.get(f"/badges/{award.uuid}").data.decode()
    visible = re.sub(r"<[^>]+>", " ", html.split("<body>")[1])
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", visible)
    assert plain_date(issued) in visible


def test_the_holder_sees_when_and_why_their_badge_was_revoked(app, client, issue):
    revoked = issue(name="Joseph Park", revoke_reason="CPR card had expired")
    with app.app_context():
        session = app.extensions["sqlalchemy_sessionmaker"]()
        student_id = session.get(Award, revoked.award_id).student_id
        session.close()
    sign_in(client, app, student_id)
    page = client.get("/my/badges").text
    card = page[page.index(f'data-badge="{revoked.uuid}"') :]
    assert re.search(r"Revoked on <time[^>]*>\d{1,2} [A-Z][a-z]+ \d{4}</time>", card)
    assert '<p data-field="revocation-reason">Reason given: CPR card had expired</p>' in card
    assert "Active until" not in card


def test_the_email_check_is_explained_without_cryptography_words(client, issue):
    award = issue(name="Maria Lopez", consent=True)
    for path in (f"/badges/{award.uuid}", f"/verify/{award.uuid}"):
        html = client.get(path).data.decode()
        section = html.split("s email</h2>")[1].split("</section>")[0]
        assert "scrambled copy of the holder" in section, path
        assert not re.search(r"\b(hash|hashed|salt)\b", section), path
