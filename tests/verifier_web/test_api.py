import io
import json
import struct
import zlib
from pathlib import Path

import pytest

from issuer.baking import bake_png
from tests.verifier.conftest import make_credential

CORPUS = Path(__file__).parents[1] / "vectors" / "1edtech-validator-corpus" / "samples"
ARTWORK = Path(__file__).parents[2] / "static" / "img" / "health-care-industry-badge"
PROBLEM = "application/problem+json"


def _post(client, body, content_type="application/json"):
    if isinstance(body, dict | list):
        body = json.dumps(body)
    return client.post("/api/v1/verify", data=body, content_type=content_type)


def _problem(response, status, phrase):
    assert response.status_code == status, response.data
    assert response.mimetype == PROBLEM
    problem = response.json
    assert problem["status"] == status and problem["title"] and problem["type"]
    assert phrase in problem["detail"], problem["detail"]


def _ours(client, award, suffix=".json"):
    return client.get(f"/badges/{award.uuid}{suffix}").data


def test_a_verified_credential_gives_the_cli_report(client, issue, app):
    award = issue()
    response = _post(client, _ours(client, award))
    assert response.status_code == 200 and response.mimetype == "application/json"
    report = response.json
    assert report["verified"] is True
    assert [c["id"] for c in report["checks"]][:3] == ["format", "context", "type"]
    assert set(report) == {"verified", "checks", "credential"}


def test_a_tampered_credential_is_200_and_not_verified(client, issue):
    credential = json.loads(_ours(client, issue()))
    credential["name"] = "Brain Surgery Badge"
    report = _post(client, credential).json
    assert report["verified"] is False
    assert {c["id"]: c["status"] for c in report["checks"]}["proof"] == "failed"


def test_email_wrapper_checks_the_recipient(client, issue):
    award = issue(name="Ana Chen")
    credential = json.loads(_ours(client, award))
    good = _post(client, {"credential": credential, "email": award.email}).json
    assert {c["id"]: c["status"] for c in good["checks"]}["recipient"] == "passed"
    bad = _post(client, {"credential": credential, "email": "x@example.org"}).json
    assert bad["verified"] is False
    jwt = _ours(client, award, ".jwt").decode()
    assert _post(client, {"credential": jwt, "email": award.email}).json["verified"] is True


def test_jwt_as_text_and_images_raw_or_as_multipart(client, issue):
    award = issue()
    assert _post(client, _ours(client, award, ".jwt"), "application/vc+jwt").json["verified"]
    png = _ours(client, award, ".png")
    upload = client.post(
        "/api/v1/verify",
        data={"file": (io.BytesIO(png), "badge.png"), "email": award.email},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 200 and upload.json["verified"] is True


def test_unknown_context_is_a_failed_check_not_an_error(client):
    credential = make_credential()
    credential["@context"].append("https://evil.example/context.json")
    report = _post(client, credential).json
    context = next(c for c in report["checks"] if c["id"] == "context")
    assert context["status"] == "failed" and "Unknown @context" in context["message"]


def _png_with(chunk_type: bytes, body: bytes, png: bytes | None = None) -> bytes:
    """``png`` (default: the plain artwork) with one more chunk before IEND."""
    png = png or ARTWORK.with_suffix(".png").read_bytes()
    crc = struct.pack(">I", zlib.crc32(chunk_type + body) & 0xFFFFFFFF)
    chunk = struct.pack(">I", len(body)) + chunk_type + body + crc
    return png[:-12] + chunk + png[-12:]


@pytest.mark.parametrize(
    ("body", "content_type", "status", "phrase"),
    [
        ('{"@context": [', "application/json", 400, "not valid JSON"),
        ('{"a":' * 40 + "1" + "}" * 40, "application/json", 400, "nested deeper than 32"),
        ('{"id": 1, "id": 2}', "application/json", 400, "key 'id' twice"),
        ('{"n": NaN}', "application/json", 400, "NaN is not allowed"),
        ("[1, 2]", "application/json", 422, "must be a JSON object"),
        ("", "application/json", 422, "no credential was given"),
        ('{"credential": 5}', "application/json", 422, "credential must be"),
        ('{"credential": {}, "extra": 1}', "application/json", 422, "unknown member 'extra'"),
        ("a.b.c.d.e", "text/plain", 422, "JWE"),
        ("hello there", "text/plain", 422, "neither a JSON credential nor a compact JWS"),
        (b"\xff\xfe junk", "text/plain", 400, "not UTF-8"),
        ("<a/>", "application/xml", 415, "Content-Type application/xml is not accepted"),
        ("x" * (256 * 1024 + 1), "application/json", 413, "larger than 262144 bytes"),
        ("x" * (256 * 1024 + 1), "text/plain", 413, "larger than 262144 bytes"),
        (
            b"\x89PNG\r\n\x1a\n" + struct.pack(">I4s", 1000, b"IHDR") + b"\0" * 10,
            "image/png",
            400,
            "truncated",
        ),
        (
            '<!DOCTYPE svg [<!ENTITY x "boom">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>',
            "image/svg+xml",
            400,
            "SVG refused",
        ),
        (
            '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "image/svg+xml",
            422,
            "carries no Open Badges credential",
        ),
        ("<svg", "image/svg+xml", 400, "not a well-formed SVG"),
    ],
)
def test_unusable_input_is_a_problem(client, body, content_type, status, phrase):
    _problem(_post(client, body, content_type), status, phrase)


def test_png_without_a_credential_and_a_compressed_bomb_are_refused(client):
    plain = ARTWORK.with_suffix(".png").read_bytes()
    _problem(_post(client, plain, "image/png"), 422, "no openbadgecredential iTXt chunk")
    bomb = zlib.compress(b"{" + b" " * 50_000_000 + b"}", 9)
    png = _png_with(b"iTXt", b"openbadgecredential\0\x01\x00\0\0" + bomb)
    _problem(_post(client, png, "image/png"), 400, "compressed openbadgecredential")
    baked = bake_png(plain, make_credential())
    twice = _png_with(b"iTXt", b"openbadgecredential\0\0\0\0\0{}", baked)
    _problem(_post(client, twice, "image/png"), 422, "more than one Open Badges credential")


def test_images_over_the_upload_cap_are_413(client):
    big = b"\x89PNG\r\n\x1a\n" + b"\0" * (2 * 1024 * 1024 + 10)
    _problem(_post(client, big, "image/png"), 413, "larger than")


def test_multipart_without_a_file_or_text(client):
    response = client.post("/api/v1/verify", data={"email": ""}, content_type="multipart/form-data")
    _problem(response, 422, "no credential was given")


@pytest.mark.parametrize(
    "name",
    sorted(p.name for p in CORPUS.glob("*.png")) + sorted(p.name for p in CORPUS.glob("*.svg")),
)
def test_corpus_baked_samples_are_read_through_the_api(client, name):
    data = (CORPUS / name).read_bytes()
    content_type = "image/png" if name.endswith(".png") else "image/svg+xml"
    raw = _post(client, data, content_type)
    assert raw.status_code == 200
    report = raw.json
    assert report["checks"][0] == {**report["checks"][0], "id": "format", "status": "passed"}
    assert report["credential"]["format"] == ("jwt" if "jwt" in name else "ldp")
    # Their issuers' keys need the network (off under test), so nothing they claim is shown.
    proof = next(c for c in report["checks"] if c["id"] == "proof")
    assert proof["status"] == "failed" and "offline" in proof["message"]
    assert report["credential"]["name"] is None
    upload = client.post(
        "/api/v1/verify",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )
    assert upload.json == report


def test_openapi_document(client):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.")
    assert {"/api/v1/verify", "/api/v1/benefits", "/api/v1/credentials/{id}/benefits"} <= set(
        document["paths"]
    )


def test_the_api_needs_no_csrf_token_but_the_pages_do(client, issue):
    body = _ours(client, issue())
    assert _post(client, body).status_code == 200
    assert client.post("/verify", data={"credential": body.decode()}).status_code == 400
