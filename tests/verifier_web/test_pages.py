import io
import json
import re

from keys.did import did_key_for
from keys.keypairs import KeyPair
from keys.proofs import create_proof
from tests.verifier.conftest import make_credential


def _token(client):
    html = client.get("/verify").data.decode()
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _checks(html):
    return dict(re.findall(r'data-check="([\w-]+)" data-status="(\w+)"', html))


def test_the_form_is_offered(client):
    html = client.get("/verify").data.decode()
    assert 'name="credential"' in html and 'type="file"' in html


def test_pasted_json_shows_every_named_check_in_plain_language(client, issue):
    award = issue()
    body = client.get(f"/badges/{award.uuid}.json").data.decode()
    response = client.post("/verify", data={"credential": body, "csrf_token": _token(client)})
    html = response.data.decode()
    assert response.status_code == 200
    assert 'data-verdict="verified"' in html
    assert _checks(html)["proof"] == "passed"
    assert "Digital signature" in html and "Not revoked" in html
    assert 'data-benefit="internship-placement-preference" data-eligible="true"' in html


def test_uploaded_baked_svg_with_a_recipient_email(client, issue):
    award = issue()
    svg = client.get(f"/badges/{award.uuid}.svg").data
    response = client.post(
        "/verify",
        data={
            "file": (io.BytesIO(svg), "badge.svg"),
            "email": award.email,
            "csrf_token": _token(client),
        },
        content_type="multipart/form-data",
    )
    html = response.data.decode()
    assert _checks(html)["recipient"] == "passed"
    assert award.email not in html


def test_unusable_input_is_a_form_message(client):
    response = client.post("/verify", data={"credential": "{oops", "csrf_token": _token(client)})
    assert response.status_code == 400
    assert "not valid JSON" in response.data.decode()
    empty = client.post("/verify", data={"credential": " ", "csrf_token": _token(client)})
    assert empty.status_code == 422 and "paste one or choose a file" in empty.data.decode()


def test_every_value_from_a_credential_is_escaped(client):
    """A foreign issuer's correctly signed credential carrying hostile names."""
    key_pair = KeyPair.generate()
    did = did_key_for(key_pair.public_key)
    credential = make_credential(
        name="<script>alert(1)</script>",
        issuer={"id": did, "type": ["Profile"], "name": '"><img src=x onerror=alert(2)>'},
        credential_status=None,
    )
    signed = create_proof(
        credential,
        key_pair,
        f"{did}#{key_pair.public_key.to_multikey()}",
        created="2026-01-01T00:00:00Z",
    )
    response = client.post(
        "/verify", data={"credential": json.dumps(signed), "csrf_token": _token(client)}
    )
    html = response.data.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html


def test_qr_landing_page_shows_the_stored_verdict_benefits_and_contacts(client, issue):
    award = issue(consent=False, name="Priya Singh")
    html = client.get(f"/verify/{award.uuid}").data.decode()
    assert 'data-verdict="verified"' in html
    assert "Priya Singh" not in html
    assert html.count("data-eligible=") == 3
    assert "mailto:scholarships@sutterhealth.org" in html
    assert f'href="/badges/{award.uuid}"' in html
    assert client.get(f"/verify/urn:uuid:{award.uuid}").status_code == 200


def test_qr_landing_page_of_a_revoked_badge_is_red(client, issue):
    award = issue(revoke_reason="Issued in error")
    html = client.get(f"/verify/{award.uuid}").data.decode()
    assert 'data-verdict="failed"' in html and "revoked by its issuer" in html
    assert _checks(html)["status"] == "failed"
    assert 'data-eligible="true"' not in html


def test_unknown_ids_are_not_found(client):
    assert client.get("/verify/6f1c1d1e-8d39-4c5b-9b43-2d3c8a4c2f10").status_code == 404
    assert client.get("/verify/1").status_code == 404


def test_an_oversized_upload_gets_the_page_with_a_message(client, app):
    html = client.get("/verify").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    huge = io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\0" * (app.config["MAX_CONTENT_LENGTH"] + 10))
    response = client.post(
        "/verify",
        data={"file": (huge, "badge.png"), "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "That is too large to be a badge" in response.get_data(as_text=True)


def test_a_badge_signed_by_a_stranger_shows_none_of_its_claims(client):
    """#8 item 7: proof by the attacker's own key, issuer check failed: the page shows the
    verdict and the checks but not the forged issuer name, badge name or "active"."""
    from tests.security.test_nothing_shown_unless_verified import forged_by_a_stranger

    forged, _ = forged_by_a_stranger()
    html = client.post(
        "/verify", data={"credential": json.dumps(forged), "csrf_token": _token(client)}
    ).data.decode()
    assert 'data-verdict="failed"' in html
    assert "Linked Learning Alliance" not in html
    assert "Health Care Industry Badge" not in html
    assert 'data-field="status"' not in html and "active" not in html
    assert 'data-field="withheld"' in html
    api = client.post("/api/v1/verify", json=forged).json
    assert api["credential"]["issuer_name"] is None and api["credential"]["name"] is None
    assert api["credential"]["status"] == "unknown"
