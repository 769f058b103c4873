""" "My badges": a signed-in student sees every badge they hold and only theirs, with its
status in plain words, link, QR, downloads and LinkedIn; the name-display consent and hiding
a badge's public page take effect on the next request everywhere public, and are audited."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from issuer.models import AuditEvent, Award, Student, WalletOffer
from tests.wallets.support import sign_in


def _student(db, issued) -> Student:
    return db.get(Award, issued.award_id).student


def _token(client, path: str = "/my/badges") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def _post(client, path: str, **data):
    return client.post(path, data={"csrf_token": _token(client), **data})


def test_a_visitor_who_is_not_signed_in_is_sent_to_the_sign_in_form(app, client):
    if "students.sign_in" not in app.view_functions:
        pytest.skip("the student sign-in form arrives with the accounts-mail branch")
    response = client.get("/my/badges")
    assert response.status_code == 302
    assert (
        "next=%2Fmy%2Fbadges" in response.headers["Location"]
        or "next=/my/badges" in (response.headers["Location"])
    )


def test_each_badge_with_its_status_in_plain_words(app, client, db, issue):
    active = issue(name="Ana Chen")
    sign_in(client, app, _student(db, active).id)
    page = client.get("/my/badges").text
    card = page[page.index(f'data-badge="{active.uuid}"') :]
    assert 'data-state="active"' in page
    assert re.search(r"Active until <time[^>]*>\d{1,2} [A-Z][a-z]+ \d{4}</time>", card)
    assert f'value="https://badges.example.org/badges/{active.uuid}"' in card  # copy link
    assert "readonly" in card
    assert f"/badges/{active.uuid}/qr.svg" in card
    for suffix in (".png", ".svg", ".json", ".jwt"):
        assert f"/badges/{active.uuid}{suffix}" in card
    assert "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME" in card

    revoked = issue(name="Joseph Park", revoke_reason="CPR card had expired")
    sign_in(client, app, _student(db, revoked).id)
    page = client.get("/my/badges").text
    assert 'data-state="revoked"' in page
    assert re.search(r"Revoked on <time[^>]*>\d{1,2} [A-Z][a-z]+ \d{4}</time>", page)
    assert "linkedin.com" not in page  # nothing to brag about
    assert "Learner Credential Wallet</button>" not in page  # a revoked badge is not offered

    expired = issue(name="Sam Ortiz", issued_at=datetime.now(UTC) - timedelta(days=800))
    sign_in(client, app, _student(db, expired).id)
    page = client.get("/my/badges").text
    assert 'data-state="expired"' in page
    assert re.search(r"Expired on <time[^>]*>\d{1,2} [A-Z][a-z]+ \d{4}</time>", page)


def test_a_student_sees_and_changes_only_their_own_badges(app, client, db, issue):
    mine, theirs = issue(name="Ana Chen"), issue(name="Ben Ode")
    sign_in(client, app, _student(db, theirs).id)
    _post(client, f"/my/badges/{theirs.uuid}/wallet", protocol="vcapi")
    their_offer = db.scalar(select(WalletOffer.offer_id))

    sign_in(client, app, _student(db, mine).id)
    page = client.get("/my/badges").text
    assert mine.uuid in page and theirs.uuid not in page and "Ben Ode" not in page
    for path, data in (
        (f"/my/badges/{theirs.uuid}/public-page", {"hidden": "yes"}),
        (f"/my/badges/{theirs.uuid}/wallet", {"protocol": "oid4vci"}),
    ):
        assert _post(client, path, **data).status_code == 404
    assert client.get(f"/my/badges/{theirs.uuid}/wallet/{their_offer}").status_code == 404
    assert client.get(f"/my/badges/{mine.uuid}/wallet/{their_offer}").status_code == 404
    db.expire_all()
    assert db.get(Award, theirs.award_id).public_page_hidden is False
    assert db.scalar(select(WalletOffer).where(WalletOffer.protocol == "oid4vci")) is None


def _public_texts(client, uuid: str) -> dict[str, str]:
    """Everything public that could carry the holder's name."""
    return {
        "badge page": client.get(f"/badges/{uuid}").text,
        "card": client.get(f"/badges/{uuid}/card").text,
        "QR landing": client.get(f"/verify/{uuid}").text,
        "benefits API": client.get(f"/api/v1/credentials/{uuid}/benefits").text,
        "credential": client.get(f"/badges/{uuid}.json").text,
    }


def test_name_display_consent_is_off_by_default_and_takes_effect_at_once(app, client, db, issue):
    issued = issue(name="Ana Chen")
    public = app.test_client()  # an employer, not signed in
    assert not any("Ana Chen" in text for text in _public_texts(public, issued.uuid).values())

    sign_in(client, app, _student(db, issued).id)
    assert 'data-name-display="hidden"' in client.get("/my/badges").text
    assert _post(client, "/my/badges/name-display", show_name="yes").status_code == 302
    texts = _public_texts(public, issued.uuid)
    assert "Ana Chen" in texts["badge page"] and "Ana Chen" in texts["card"]
    assert 'content="Ana Chen earned' in texts["badge page"]  # the link preview too

    _post(client, "/my/badges/name-display", show_name="no")
    for where, text in _public_texts(public, issued.uuid).items():
        assert "Ana Chen" not in text, where
    events = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "student.name_consent_changed")
    ).all()
    assert [e.details["name_display_consent"] for e in events] == [True, False]
    assert {e.actor_label for e in events} == {f"student {_student(db, issued).id}"}


def test_a_hidden_page_is_not_found_but_the_credential_still_verifies(app, client, db, issue):
    issued = issue(name="Ana Chen", consent=True)
    public = app.test_client()
    credential = public.get(f"/badges/{issued.uuid}.json").data  # saved earlier by an employer
    sign_in(client, app, _student(db, issued).id)
    _post(client, f"/my/badges/{issued.uuid}/public-page", hidden="yes")

    for path in (
        f"/badges/{issued.uuid}",
        f"/badges/{issued.uuid}.json",
        f"/badges/{issued.uuid}.png",
        f"/badges/{issued.uuid}/card",
        f"/badges/{issued.uuid}/qr.svg",
        f"/verify/{issued.uuid}",
        f"/api/v1/credentials/{issued.uuid}/benefits",
    ):
        assert public.get(path).status_code == 404, path
    verified = public.post("/api/v1/verify", data=credential, content_type="application/json")
    assert verified.json["verified"] is True
    # the student still reaches everything, and is told the page is hidden
    assert client.get(f"/badges/{issued.uuid}").status_code == 200
    assert client.get(f"/badges/{issued.uuid}.json").status_code == 200
    assert 'data-field="visibility"' in client.get("/my/badges").text

    _post(client, f"/my/badges/{issued.uuid}/public-page", hidden="no")
    assert public.get(f"/badges/{issued.uuid}").status_code == 200
    events = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "award.public_page_changed")
    ).all()
    assert [e.details["public_page_hidden"] for e in events] == [True, False]


def test_unusable_choices_get_a_message_not_an_error(app, client, db, issue):
    issued = issue()
    sign_in(client, app, _student(db, issued).id)
    for path, data in (
        ("/my/badges/name-display", {"show_name": "maybe"}),
        (f"/my/badges/{issued.uuid}/public-page", {"hidden": ""}),
        (f"/my/badges/{issued.uuid}/wallet", {"protocol": "carrier-pigeon"}),
    ):
        response = _post(client, path, **data)
        assert response.status_code == 302, path
        assert "Choose" in client.get(response.headers["Location"]).text
    assert db.scalar(select(WalletOffer)) is None


def test_a_revoked_badge_is_not_offered_to_a_wallet(app, client, db, issue):
    issued = issue(revoke_reason="entered in error")
    sign_in(client, app, _student(db, issued).id)
    response = _post(client, f"/my/badges/{issued.uuid}/wallet", protocol="oid4vci")
    assert (
        "was revoked, so it cannot be added to a wallet"
        in client.get(response.headers["Location"]).text
    )
    assert db.scalar(select(WalletOffer)) is None


def test_the_wallet_page_says_when_the_offer_is_used_or_expired(app, client, db, issue):
    issued = issue()
    sign_in(client, app, _student(db, issued).id)
    created = _post(client, f"/my/badges/{issued.uuid}/wallet", protocol="oid4vci")
    page = client.get(created.headers["Location"]).text
    assert 'data-offer-state="open"' in page and 'data-field="tx-code"' in page
    offer = db.scalar(select(WalletOffer))
    offer.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    db.commit()
    page = client.get(created.headers["Location"]).text
    assert 'data-offer-state="closed"' in page and "tx-code" not in page
