"""Hostile and malformed input is refused with a clear message, never a crash."""

import json
import struct
import zlib

import pytest

from verifier.inputs import (
    UnusableInput,
    extract_from_png,
    extract_from_svg,
    parse_bytes,
    parse_json,
    parse_text,
)
from verifier.limits import InputLimits

CREDENTIAL = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "type": ["VerifiableCredential"],
}


def png_with(*chunks: tuple[bytes, bytes]) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    return (
        b"\x89PNG\r\n\x1a\n"
        + header
        + b"".join(chunk(k, b) for k, b in chunks)
        + chunk(b"IEND", b"")
    )


def itxt(text: bytes, compressed: bool = False) -> tuple[bytes, bytes]:
    flag = b"\x01\x00" if compressed else b"\x00\x00"
    return b"iTXt", b"openbadgecredential\x00" + flag + b"\x00\x00" + text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": 1, "a": 2}', "key 'a' twice"),
        ('{"a": NaN}', "NaN is not allowed"),
        ('{"a": Infinity}', "Infinity is not allowed"),
        ('{"a": 1e999999}', "out of range"),
        ('{"a": ' + "1" * 500 + "}", "more than 40 characters"),
        ('{"a": "\\ud800"}', "lone surrogate"),
        ("[" * 100 + "]" * 100, "nested deeper than 32"),
        ('{"a": [' + ",".join(["1"] * 2000) + "]}", "more than 1000 items"),
        ('{"a": "' + "x" * 70000 + '"}', "longer than 65536"),
        ('{"a": ', "not valid JSON"),
    ],
)
def test_strict_json(text, message):
    with pytest.raises(UnusableInput, match=message):
        parse_json(text)


def test_deep_nesting_inside_strings_is_not_counted():
    value = parse_json(json.dumps({"s": "[" * 1000}))
    assert value == {"s": "[" * 1000}


def test_size_cap():
    with pytest.raises(UnusableInput, match="larger than 100 bytes"):
        parse_json(json.dumps({"x": "y" * 200}), InputLimits(max_credential_bytes=100))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no credential"),
        ("[1]", "not an array"),
        ("a.b.c.d.e", "JWE"),
        ("hello world", "neither a JSON credential nor a compact JWS"),
    ],
)
def test_unusable_text(text, message):
    with pytest.raises(UnusableInput, match=message):
        parse_text(text)


def test_a_jws_is_recognised():
    parsed = parse_text("eyJhbGciOiJFUzI1NiJ9.eyJ2YyI6e319.c2ln")
    assert parsed.kind == "jwt"


def test_baked_png_round_trip():
    parsed = parse_bytes(png_with(itxt(json.dumps(CREDENTIAL).encode())))
    assert (parsed.kind, parsed.source, parsed.credential) == ("ldp", "png", CREDENTIAL)


def test_compressed_itxt_is_refused_without_inflating():
    bomb = zlib.compress(b"{" + b" " * 10_000_000 + b"}")
    with pytest.raises(UnusableInput, match="compressed"):
        extract_from_png(png_with(itxt(bomb, compressed=True)))


def test_two_credentials_in_one_png_are_refused():
    body = json.dumps(CREDENTIAL).encode()
    with pytest.raises(UnusableInput, match="more than one"):
        extract_from_png(png_with(itxt(body), itxt(body)))


def test_png_chunk_count_is_capped():
    many = [(b"tEXt", b"k\x00v")] * 300
    with pytest.raises(UnusableInput, match="more than 256 chunks"):
        extract_from_png(png_with(*many))


def test_png_without_a_credential():
    with pytest.raises(UnusableInput, match="no openbadgecredential"):
        extract_from_png(png_with())


def test_truncated_png():
    with pytest.raises(UnusableInput, match="truncated"):
        extract_from_png(png_with(itxt(b"{}"))[:-20])


SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">'
    "<openbadges:credential><![CDATA[{}]]></openbadges:credential></svg>"
)


def test_baked_svg_round_trip():
    parsed = parse_bytes(SVG.format(json.dumps(CREDENTIAL)).encode())
    assert (parsed.source, parsed.credential) == ("svg", CREDENTIAL)


def test_baked_svg_jwt_in_the_verify_attribute():
    svg = SVG.replace("<openbadges:credential>", '<openbadges:credential verify="a.b.c">')
    assert extract_from_svg(svg.format("").encode()) == "a.b.c"


@pytest.mark.parametrize(
    "svg",
    [
        '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]><svg>&b;</svg>',
        '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg>&x;</svg>',
    ],
)
def test_svg_entities_are_refused(svg):
    with pytest.raises(UnusableInput, match="SVG refused"):
        extract_from_svg(svg.encode())


def test_malformed_svg():
    with pytest.raises(UnusableInput, match="well-formed"):
        extract_from_svg(b"<svg><unclosed></svg>")


def test_the_corpus_baked_samples_are_read():
    from tests.verifier.corpus_support import CORPUS

    for name in ("simple-json.png", "simple-json.svg", "simple-jwt.png", "simple-jwt.svg"):
        parsed = parse_bytes((CORPUS / "samples" / name).read_bytes())
        assert parsed.kind == ("jwt" if "jwt" in name else "ldp"), name


def test_limits_come_from_config():
    limits = InputLimits.from_config({"VERIFIER_MAX_JSON_DEPTH": "4", "OTHER": 1})
    assert limits.max_json_depth == 4
    assert limits.max_credential_bytes == InputLimits().max_credential_bytes
    with pytest.raises(UnusableInput, match="deeper than 4"):
        parse_json('{"a": {"b": {"c": {"d": {"e": 1}}}}}', limits)
