from urllib.parse import urlsplit

BASE = "https://badges.example.org"


def test_did_document_is_the_signers(client, app):
    response = client.get("/.well-known/did.json")
    assert response.status_code == 200
    assert response.json == app.extensions["signer"].did_document()
    assert response.json["id"] == "did:web:badges.example.org"


def test_issuer_profile_and_achievement_are_json_ld_at_their_ids(client, issue):
    award = issue()
    credential = client.get(f"/badges/{award.uuid}.json").json
    profile = client.get("/issuer")
    assert profile.mimetype == "application/ld+json"
    assert profile.json["id"] == credential["issuer"]["id"]
    assert profile.json["name"] == "Linked Learning Alliance"
    achievement = credential["credentialSubject"]["achievement"]
    path = urlsplit(achievement["id"]).path
    assert path == "/achievements/health-care-industry-badge"
    served = client.get(path).json
    assert served["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert {k: v for k, v in served.items() if k != "@context"} == achievement
    missing = client.get("/achievements/no-such-badge")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"


def test_status_list_is_served_where_credentials_point_and_cached_at_most_a_minute(client, issue):
    award = issue()
    status = client.get(f"/badges/{award.uuid}.json").json["credentialStatus"]
    url = status["statusListCredential"]
    assert url.startswith(BASE)
    response = client.get(urlsplit(url).path)
    assert response.status_code == 200
    assert response.json["id"] == url
    assert response.json["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert "proof" in response.json
    max_age = int(response.headers["Cache-Control"].split("max-age=")[1])
    assert 0 < max_age <= 60
    assert client.get("/status-lists/999").status_code == 404


def test_revocation_is_visible_in_the_served_list_and_to_the_verifier(client, issue, app):
    kept = issue(name="Ana Chen")
    gone = issue(name="Joseph Park", revoke_reason="Issued in error")
    from verifier.status import bit_is_set, decode_bitstring

    listed = client.get("/status-lists/1").json["credentialSubject"]["encodedList"]
    bits = decode_bitstring(listed)
    indexes = {
        a.uuid: int(
            client.get(f"/badges/{a.uuid}.json").json["credentialStatus"]["statusListIndex"]
        )
        for a in (kept, gone)
    }
    assert not bit_is_set(bits, indexes[kept.uuid])
    assert bit_is_set(bits, indexes[gone.uuid])
    report = client.post(
        "/api/v1/verify",
        data=client.get(f"/badges/{gone.uuid}.json").data,
        content_type="application/json",
    ).json
    assert report["verified"] is False
    assert report["credential"]["status"] == "revoked"
