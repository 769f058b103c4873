"""Issue #8 item 10, the verifier's web rules: a chunked body over the cap is 413 (not cut
and parsed), HEAD /verify neither runs the POST path nor spends the rate limit, and an SVG
starting with a UTF-8 byte order mark is read (library, CLI and API)."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

from verifier.inputs import parse_bytes
from verifier.rate_limit import MemoryAttemptStore, RateLimit
from verifier.resolvers import OfflineResolver
from verifier.verification import VerificationContext, verify

BOM_SVG = Path(__file__).parents[1] / "vectors" / "interop-cases" / "12-svg-utf8-bom.svg"


def test_a_chunked_body_over_the_cap_is_413_not_cut_and_parsed(client):
    body = b'{"credential": "' + b"x" * (300 * 1024) + b'"}'
    answer = client.post(
        "/api/v1/verify",
        input_stream=io.BytesIO(body),
        content_type="application/json",
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},  # what WSGI servers set for chunked
    )
    assert answer.status_code == 413, answer.json
    assert answer.json["detail"] == "the request body is larger than 262144 bytes"


def test_a_chunked_body_under_the_cap_is_read_whole(client):
    answer = client.post(
        "/api/v1/verify",
        input_stream=io.BytesIO(b'{"credential": "a.b.c"}'),
        content_type="application/json",
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert answer.status_code != 413


def test_head_verify_neither_runs_the_post_path_nor_spends_the_rate_limit(app, client):
    store = MemoryAttemptStore()
    app.extensions["verify_rate_limit"] = RateLimit(store, limit=1, window_seconds=60)
    for _ in range(3):
        head = client.head("/verify")
        assert head.status_code == 200  # the form's headers; a POST without a token is 400
    assert store.count("verify:127.0.0.1", 60) == 0
    html = client.get("/verify").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    answer = client.post("/verify", data={"credential": "a.b.c", "csrf_token": token})
    assert answer.status_code != 429


def test_an_svg_with_a_utf8_byte_order_mark_verifies_in_the_library():
    """XML 1.0 §4.3.3 and Appendix F: a UTF-8 entity may begin with a byte order mark."""
    parsed = parse_bytes(BOM_SVG.read_bytes())
    assert parsed.source == "svg"
    context = VerificationContext(resolver=OfflineResolver(), now=lambda: datetime.now(UTC))
    report = verify(parsed, context)
    assert report.verified, [c for c in report.checks if c.status == "failed"]


def test_an_svg_with_a_utf8_byte_order_mark_verifies_through_the_cli(app):
    result = app.test_cli_runner().invoke(args=["credentials", "verify", str(BOM_SVG)])
    assert result.exit_code == 0, result.output


def test_an_svg_with_a_utf8_byte_order_mark_verifies_through_the_api(client):
    answer = client.post("/api/v1/verify", data=BOM_SVG.read_bytes(), content_type="image/svg+xml")
    assert answer.status_code == 200 and answer.json["verified"] is True, answer.json
