"""Issue #8 item 6: no input yields a server error.

``POST /api/v1/verify`` answers 200 with a report or a 4xx problem, never a 5xx and never an
exception (the app runs with TESTING, so an exception would propagate into the test). First the
inputs of the attack run, each named after the rule it breaks; then a fuzz test (hypothesis,
bounded examples) over the API and the JWT, PNG and SVG readers.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import json
import struct
import zlib
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verifier.inputs import UnusableInput, extract_from_png, extract_from_svg, parse_bytes
from verifier.status import StatusError, parse_entries
from verifier.verification import verify


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _post(client, body: Any, content_type: str = "application/json"):
    data = json.dumps(body) if isinstance(body, dict | list) else body
    return client.post("/api/v1/verify", data=data, content_type=content_type)


@pytest.fixture
def signed(client, issue) -> dict[str, Any]:
    award = issue()
    return json.loads(client.get(f"/badges/{award.uuid}.json").data)


@pytest.fixture
def unlimited(app):
    """The fuzz test sends more requests than one address may; lift the limit for it."""
    app.extensions["verify_rate_limit"].limit = 10**9
    return app


def _with(credential: dict[str, Any], change) -> dict[str, Any]:
    changed = copy.deepcopy(credential)
    change(changed)
    return changed


def _deep_endorsement_jwt() -> str:
    header = _b64(json.dumps({"alg": "EdDSA", "typ": "JWT"}).encode())
    payload = _b64(('{"vc":' + "[" * 20_000 + "]" * 20_000 + "}").encode())
    return f"{header}.{payload}.{_b64(bytes(64))}"


ATTACKS = {
    "@context a string": lambda c: c.__setitem__("@context", "string"),
    "@context with a relative entry": lambda c: c["@context"].append("../x"),
    "type an object": lambda c: c.__setitem__("type", {}),
    "type a list holding an object": lambda c: c.__setitem__("type", [{}]),
    "endorsementJwt nesting 20,000 arrays": lambda c: c.__setitem__(
        "endorsementJwt", [_deep_endorsement_jwt()]
    ),
    "statusListIndex superscript two": lambda c: c["credentialStatus"].__setitem__(
        "statusListIndex", "²"
    ),
    "statusListIndex Arabic-Indic three": lambda c: c["credentialStatus"].__setitem__(
        "statusListIndex", "٣"
    ),
    "issuer id an object": lambda c: c["issuer"].__setitem__("id", {}),
    "proof a string": lambda c: c.__setitem__("proof", "z123"),
    "proof @context an object": lambda c: c["proof"].__setitem__("@context", {"@vocab": "x:"}),
    "validFrom a number": lambda c: c.__setitem__("validFrom", 12),
    "credentialSubject a list of strings": lambda c: c.__setitem__("credentialSubject", ["x"]),
}


@pytest.mark.parametrize("change", ATTACKS.values(), ids=ATTACKS)
def test_hostile_shapes_get_a_report_not_a_server_error(client, signed, change):
    response = _post(client, _with(signed, change))
    assert response.status_code == 200, response.data
    report = response.json
    assert report["verified"] is False
    assert report["credential"].get("name") is None


def test_the_endorsement_jwt_is_read_by_the_strict_json_reader(client, signed):
    """An endorsement JWT whose payload repeats a key is refused like a presented one."""
    header = _b64(json.dumps({"alg": "EdDSA"}).encode())
    payload = _b64(b'{"vc": {}, "vc": {"type": ["VerifiableCredential"]}}')
    token = f"{header}.{payload}.{_b64(bytes(64))}"
    report = _post(client, _with(signed, lambda c: c.__setitem__("endorsementJwt", [token]))).json
    endorsements = next(c for c in report["checks"] if c["id"] == "endorsements")
    assert endorsements["status"] == "warning"
    assert "the key 'vc' twice" in endorsements["message"]


@pytest.mark.parametrize("index", ["²", "٣", "\uff13", "1e3", " 42", "42 ", "-1", "9" * 13])
def test_status_list_index_takes_ascii_digits_only(index):
    """Bitstring Status List §2.1: statusListIndex is an integer written as a string; only
    ASCII digits are read (``str.isdigit`` accepts "²", ``int`` reads "٣" and a full-width 3)."""
    credential = {
        "credentialStatus": {
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": index,
            "statusListCredential": "https://badges.example.org/status/1",
        }
    }
    with pytest.raises(StatusError, match="statusListIndex"):
        parse_entries(credential)


# -- fuzzing -------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _paths(value: Any, path: tuple = ()) -> list[tuple]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*path, index))
    return found


def _replace(document: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    copied = copy.deepcopy(document)
    target = copied
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return copied


FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(data=st.data())
def test_fuzz_api_verify_never_answers_5xx(client, signed, unlimited, data):
    """Any member of a real signed credential replaced by any JSON value."""
    path = data.draw(st.sampled_from(_paths(signed)))
    value = data.draw(JSON_VALUES)
    response = _post(client, _replace(signed, path, value))
    assert response.status_code < 500
    assert response.status_code in (200, 400, 413, 415, 422), response.data


@FUZZ
@given(text=st.text(max_size=300))
def test_fuzz_api_verify_text_bodies_never_answer_5xx(client, unlimited, text):
    for content_type in ("application/json", "text/plain"):
        assert _post(client, text, content_type).status_code < 500


@FUZZ
@given(header=JSON_VALUES, payload=JSON_VALUES, signature=st.binary(max_size=70))
def test_fuzz_jwt_reader_never_raises(header, payload, signature):
    token = ".".join(
        (_b64(json.dumps(header).encode()), _b64(json.dumps(payload).encode()), _b64(signature))
    )
    _read_and_verify(token.encode())


def _png(chunks: list[tuple[bytes, bytes]]) -> bytes:
    out = b"\x89PNG\r\n\x1a\n"
    for kind, body in chunks:
        out += struct.pack(">I", len(body)) + kind + body
        out += struct.pack(">I", zlib.crc32(kind + body))
    return out


@FUZZ
@given(
    chunks=st.lists(
        st.tuples(
            st.sampled_from([b"IHDR", b"iTXt", b"tEXt", b"IEND", b"zzzz"]), st.binary(max_size=40)
        ),
        max_size=5,
    ),
    text=st.text(max_size=60),
    cut=st.integers(0, 200),
)
def test_fuzz_png_reader_never_raises(chunks, text, cut):
    itxt = b"openbadgecredential\0\0\0\0\0" + text.encode("utf-8", "surrogatepass")
    data = _png([*chunks, (b"iTXt", itxt), (b"IEND", b"")])
    for candidate in (data, data[: len(data) - cut]):
        _read(extract_from_png, candidate)
        _read_and_verify(candidate)


@FUZZ
@given(inner=st.text(max_size=80), verify_attribute=st.text(max_size=40), bom=st.booleans())
def test_fuzz_svg_reader_never_raises(inner, verify_attribute, bom):
    escaped = verify_attribute.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" '
        'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">'
        f'<openbadges:credential verify="{escaped}"><![CDATA[{inner}]]></openbadges:credential>'
        "</svg>"
    ).encode("utf-8", "surrogatepass")
    data = (b"\xef\xbb\xbf" if bom else b"") + svg
    _read(extract_from_svg, data)
    _read_and_verify(data)


def _read(reader, data: bytes) -> None:
    with contextlib.suppress(UnusableInput):
        reader(data)


def _read_and_verify(data: bytes) -> None:
    from tests.verifier.conftest import NOW
    from verifier.resolvers import OfflineResolver
    from verifier.verification import VerificationContext

    try:
        parsed = parse_bytes(data)
    except UnusableInput:
        return
    verify(parsed, VerificationContext(resolver=OfflineResolver(), now=lambda: NOW))
