import struct
from pathlib import Path

import pytest

from issuer.baking import BakingError, bake_png, bake_svg
from tests.verifier.conftest import make_credential
from verifier.inputs import extract_from_png, extract_from_svg, parse_bytes

ARTWORK = Path(__file__).parents[2] / "static" / "img" / "health-care-industry-badge"


@pytest.fixture(scope="module")
def png() -> bytes:
    with open(f"{ARTWORK}.png", "rb") as handle:
        return handle.read()


@pytest.fixture(scope="module")
def svg() -> bytes:
    with open(f"{ARTWORK}.svg", "rb") as handle:
        return handle.read()


def _chunk_types(image: bytes) -> list[bytes]:
    offset, types = 8, []
    while offset < len(image):
        length, chunk_type = struct.unpack(">I4s", image[offset : offset + 8])
        types.append(chunk_type)
        offset += 12 + length
    return types


def test_png_carries_the_credential_in_one_uncompressed_itxt_chunk_before_iend(png):
    credential = make_credential(name="Ana's badge ]]> ünïcode")
    baked = bake_png(png, credential)
    assert parse_bytes(baked).credential == credential
    types = _chunk_types(baked)
    assert types[-2:] == [b"iTXt", b"IEND"]
    assert b"openbadgecredential\x00\x00\x00" in baked  # compression flag 0, method 0


def test_baking_a_baked_png_again_replaces_the_credential(png):
    first = bake_png(png, make_credential(name="First"))
    again = bake_png(first, make_credential(name="Second"))
    assert _chunk_types(again).count(b"iTXt") == 1
    assert parse_bytes(again).credential["name"] == "Second"


def test_png_can_carry_a_vc_jwt(png):
    token = "eyJhbGciOiJFUzI1NiJ9.eyJ2YyI6e319.c2ln"
    assert extract_from_png(bake_png(png, token)) == token


def test_svg_carries_json_ld_as_cdata_and_a_jwt_in_verify(svg):
    credential = make_credential(name="Tricky ]]> name <b>")
    baked = bake_svg(svg, credential)
    assert b'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"' in baked
    assert b"<![CDATA[" in baked
    assert parse_bytes(baked).credential == credential
    token = "eyJhbGciOiJFUzI1NiJ9.eyJ2YyI6e319.c2ln"
    assert extract_from_svg(bake_svg(svg, token)) == token


def test_baking_a_baked_svg_again_replaces_the_credential(svg):
    again = bake_svg(bake_svg(svg, make_credential(name="First")), make_credential(name="Second"))
    assert again.count(b"<openbadges:credential") == 1
    assert parse_bytes(again).credential["name"] == "Second"


def test_images_that_cannot_carry_a_credential_are_refused(png):
    with pytest.raises(BakingError, match="not a PNG"):
        bake_png(b"GIF89a", make_credential())
    with pytest.raises(BakingError, match="no IEND"):
        bake_png(png[:-12], make_credential())
    with pytest.raises(BakingError, match="not an SVG"):
        bake_svg(b"<html></html>", make_credential())
    with pytest.raises(BakingError, match="compact JWS"):
        bake_png(png, "not a token")
