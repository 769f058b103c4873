"""Badge baking (OB 3.0 §5.3): put a signed credential inside the badge image.

Pure: image bytes and the credential in, image bytes out.

* PNG (§5.3.1): one uncompressed ``iTXt`` chunk with keyword ``openbadgecredential`` just
  before ``IEND``; any chunk already carrying a credential is dropped first, so re-baking
  replaces rather than adds.
* SVG (§5.3.2): an ``<openbadges:credential>`` element right after the opening ``<svg>`` tag,
  the JSON-LD credential as CDATA text, or a VC-JWT in its ``verify`` attribute; an existing
  element is replaced.
"""

from __future__ import annotations

import json
import re
import struct
import zlib
from typing import Any

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_KEYWORD = b"openbadgecredential"
OPENBADGES_NS = "https://purl.imsglobal.org/ob/v3p0"

_SVG_OPEN_TAG = re.compile(rb"<svg\b[^>]*?(/?)>", re.DOTALL)
_EXISTING_SVG_CREDENTIAL = re.compile(
    rb"<openbadges:credential\b[^>]*?(?:/>|>.*?</openbadges:credential\s*>)\s*", re.DOTALL
)
_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$")


class BakingError(ValueError):
    """The image cannot carry a credential (not a PNG/SVG, or malformed)."""


def credential_text(credential: dict[str, Any] | str) -> str:
    """The text baked for ``credential``: compact JSON for JSON-LD, the token for a VC-JWT."""
    if isinstance(credential, str):
        token = credential.strip()
        if not _JWS.match(token):
            raise BakingError("a credential given as text must be a compact JWS (VC-JWT)")
        return token
    return json.dumps(credential, ensure_ascii=False, separators=(",", ":"))


def _chunk(chunk_type: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(chunk_type + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + chunk_type + body + struct.pack(">I", crc)


def _is_credential_chunk(chunk_type: bytes, body: bytes) -> bool:
    return chunk_type in (b"iTXt", b"tEXt", b"zTXt") and body.startswith(PNG_KEYWORD + b"\0")


def bake_png(image: bytes, credential: dict[str, Any] | str) -> bytes:
    """``image`` with ``credential`` in one uncompressed ``openbadgecredential`` iTXt chunk."""
    if not image.startswith(PNG_SIGNATURE):
        raise BakingError("not a PNG image")
    # iTXt: keyword \0, compression flag 0, method 0, empty language tag \0, empty
    # translated keyword \0, then the UTF-8 text.
    itxt = PNG_KEYWORD + b"\0\0\0\0\0" + credential_text(credential).encode("utf-8")
    out, offset = [PNG_SIGNATURE], len(PNG_SIGNATURE)
    while offset + 8 <= len(image):
        length, chunk_type = struct.unpack(">I4s", image[offset : offset + 8])
        end = offset + 12 + length
        if end > len(image):
            raise BakingError("PNG is truncated")
        body = image[offset + 8 : offset + 8 + length]
        if chunk_type == b"IEND":
            out += [_chunk(b"iTXt", itxt), image[offset:end]]
            return b"".join(out)
        if not _is_credential_chunk(chunk_type, body):
            out.append(image[offset:end])
        offset = end
    raise BakingError("PNG has no IEND chunk")


def _cdata(text: str) -> str:
    # "]]>" cannot occur inside CDATA: split it across two sections.
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _attribute(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def bake_svg(image: bytes, credential: dict[str, Any] | str) -> bytes:
    """``image`` with ``credential`` in an ``<openbadges:credential>`` element."""
    text = credential_text(credential)
    if isinstance(credential, str):
        element = f'<openbadges:credential verify="{_attribute(text)}"></openbadges:credential>'
    else:
        element = f"<openbadges:credential>{_cdata(text)}</openbadges:credential>"
    image = _EXISTING_SVG_CREDENTIAL.sub(b"", image)
    match = _SVG_OPEN_TAG.search(image)
    if match is None:
        raise BakingError("not an SVG image (no <svg> element)")
    if match.group(1):
        raise BakingError("the SVG is empty (<svg/>): there is nothing to bake into")
    tag = match.group(0)
    if b"xmlns:openbadges=" not in tag:
        tag = tag[:-1].rstrip() + f' xmlns:openbadges="{OPENBADGES_NS}">'.encode()
    return image[: match.start()] + tag + b"\n" + element.encode("utf-8") + image[match.end() :]
