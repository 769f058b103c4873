"""Class 1, hostile input: body size, duplicate keys, NaN and 1e999999, lone surrogates and
deep nesting are refused as unusable input, whichever way they arrive (raw upload bytes, the
payload or header of a VC-JWT, a baked PNG, the ``credentials verify`` command), quickly and
before any JSON-LD, key or status-list work. The parser-level rules themselves are unit-tested
in tests/verifier/test_inputs.py."""

from __future__ import annotations

import base64
import json
import struct
import time
import zlib
from pathlib import Path

import pytest

from verifier.inputs import PNG_SIGNATURE, UnusableInput, parse_bytes
from verifier.limits import DEFAULT_LIMITS

DEEP = b'{"credentialSubject": ' + b"[" * 20_000 + b"]" * 20_000 + b"}"  # json.loads would recurse

# (attack, JSON text, exact refusal)
ATTACKS = [
    ("duplicate issuer", b'{"issuer": "did:web:badges.example.org", "issuer": "did:key:z6Mk"}',
     "JSON object has the key 'issuer' twice"),
    ("NaN", b'{"credentialSubject": {"result": NaN}}', "JSON number NaN is not allowed"),
    ("-Infinity", b'{"credentialSubject": {"result": -Infinity}}',
     "JSON number -Infinity is not allowed"),
    ("1e999999", b'{"credentialSubject": {"result": 1e999999}}', "JSON number out of range"),
    ("lone surrogate", b'{"name": "Health \\udc00 Badge"}',
     "JSON string contains an invalid Unicode code point (lone surrogate)"),
    ("lone surrogate key", b'{"\\ud83d": 1}',
     "JSON string contains an invalid Unicode code point (lone surrogate)"),
    ("deep nesting", DEEP, "JSON is nested deeper than 32 levels"),
]  # fmt: skip
IDS = [attack for attack, _, _ in ATTACKS]


def _refusal(data: bytes) -> tuple[str, float]:
    started = time.perf_counter()
    with pytest.raises(UnusableInput) as raised:
        parse_bytes(data)
    return str(raised.value), time.perf_counter() - started


@pytest.mark.parametrize(("attack", "text", "message"), ATTACKS, ids=IDS)
def test_an_uploaded_body_is_refused(attack, text, message):
    refused, elapsed = _refusal(text)
    assert refused == message
    assert elapsed < 0.5


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _jwt(header: bytes, payload: bytes) -> bytes:
    return f"{_b64(header)}.{_b64(payload)}.{_b64(b'signature')}".encode()


HEADER = b'{"alg": "ES256", "kid": "did:web:badges.example.org#p256-1"}'


@pytest.mark.parametrize(("attack", "text", "message"), ATTACKS, ids=IDS)
def test_the_same_attack_inside_a_vc_jwt_payload_is_refused(attack, text, message):
    payload = b'{"iss": "did:web:badges.example.org", "vc": ' + text + b"}"
    refused, elapsed = _refusal(_jwt(HEADER, payload))
    assert refused == f"the JWT payload is refused: {message}"
    assert elapsed < 0.5


def test_a_jwt_header_naming_alg_twice_is_refused():
    """Which ``alg`` would a JOSE library pick? Neither: the header is refused."""
    header = b'{"alg": "ES256", "alg": "none", "kid": "did:web:badges.example.org#p256-1"}'
    refused, _ = _refusal(_jwt(header, b'{"vc": {}}'))
    assert refused == "the JWT header is refused: JSON object has the key 'alg' twice"


def test_an_oversized_body_is_refused_before_it_is_parsed(monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("an oversized body must not reach the JSON parser")

    monkeypatch.setattr(json, "loads", never)
    body = b'{"name": "' + b"x" * DEFAULT_LIMITS.max_credential_bytes + b'"}'
    refused, _ = _refusal(body)
    assert refused == "credential is larger than 262144 bytes"


def test_bytes_that_are_not_utf8_are_refused():
    # A surrogate encoded in UTF-8 form (CESU-8): not valid UTF-8, refused before decoding JSON.
    refused, _ = _refusal(b'{"name": "\xed\xa0\x80"}')
    assert refused == "input is not UTF-8 text, a PNG or an SVG"


def _png_with(text: bytes) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    baked = b"openbadgecredential\x00\x00\x00\x00\x00" + text
    return PNG_SIGNATURE + chunk(b"iTXt", baked) + chunk(b"IEND", b"")


@pytest.mark.parametrize(("attack", "text", "message"), ATTACKS, ids=IDS)
def test_the_same_attack_baked_in_a_png_is_refused(attack, text, message):
    refused, elapsed = _refusal(_png_with(text))
    assert refused == message
    assert elapsed < 0.5


@pytest.fixture
def verify_cli(tmp_path: Path):
    """``flask --app wsgi credentials verify`` on an app with an empty SQLite database."""
    from wsgi import create_app

    app = create_app({
        "ENV_NAME": "test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite'}",
        "LOAD_BADGES_ON_START": False,
        "KEYS_DIR": str(tmp_path / "keys"),
        "KEY_SCRYPT_N": 2**10,
    })  # fmt: skip
    runner = app.test_cli_runner()

    def run(data: bytes, *options: str):
        path = tmp_path / "upload"
        path.write_bytes(data)
        return runner.invoke(args=["credentials", "verify", str(path), *options])

    return run


@pytest.mark.parametrize(("attack", "text", "message"), ATTACKS, ids=IDS)
def test_the_verify_command_exits_2_with_the_reason(verify_cli, attack, text, message):
    result = verify_cli(text)
    assert result.exit_code == 2
    assert result.output == f"Error: {message}\n"


def test_the_verify_command_reports_unusable_input_as_json(verify_cli):
    result = verify_cli(_jwt(HEADER, b'{"vc": {"a": 1, "a": 2}}'), "--json")
    assert result.exit_code == 2
    assert json.loads(result.output) == {
        "error": "unusable input",
        "detail": "the JWT payload is refused: JSON object has the key 'a' twice",
    }


def test_the_verify_command_does_not_read_past_its_cap(verify_cli):
    result = verify_cli(b" " * (DEFAULT_LIMITS.max_image_bytes + 10))
    assert result.exit_code == 2
    assert result.output == "Error: file is larger than 2097152 bytes\n"
