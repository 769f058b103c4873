"""Turn untrusted bytes into a credential to verify: JSON-LD, a compact JWS, or a baked image.

Parsing is strict because the verifier takes input from anyone on the internet: sizes, depth,
counts are capped; duplicate keys, NaN/Infinity, absurd numbers and lone surrogates are refused.
Every refusal is an :class:`UnusableInput` with a message for the person who sent it.
"""

from __future__ import annotations

import base64
import json
import re
import struct
import zlib
from dataclasses import dataclass
from typing import Any, Literal

from defusedxml import ElementTree as SafeElementTree
from defusedxml.common import DefusedXmlException

from keys.proofs.jose import without_registered_claims
from verifier.limits import DEFAULT_LIMITS, InputLimits

InputKind = Literal["ldp", "jwt"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BAKED_PNG_KEYWORD = b"openbadgecredential"
OPENBADGES_NS = "https://purl.imsglobal.org/ob/v3p0"
_JWS_PATTERN = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class UnusableInput(ValueError):
    """The input cannot be read as a credential at all (HTTP 4xx, CLI exit status 2)."""


@dataclass(frozen=True)
class ParsedInput:
    kind: InputKind
    credential: dict[str, Any] | None  # the JSON-LD credential (None for a JWT until decoded)
    token: str | None = None  # the compact JWS, for kind == "jwt"
    source: str = "text"  # "text", "png" or "svg"


def _reject_constant(name: str) -> Any:
    raise UnusableInput(f"JSON number {name} is not allowed")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise UnusableInput(f"JSON object has the key {key!r} twice")
        result[key] = value
    return result


def parse_json(text: str, limits: InputLimits = DEFAULT_LIMITS) -> Any:
    """Parse JSON strictly and within ``limits``."""
    if len(text.encode("utf-8", "surrogatepass")) > limits.max_credential_bytes:
        raise UnusableInput(f"credential is larger than {limits.max_credential_bytes} bytes")
    _check_nesting(text, limits.max_json_depth)

    def parse_number(raw: str) -> float | int:
        if len(raw) > limits.max_number_digits:
            raise UnusableInput(f"JSON number with more than {limits.max_number_digits} characters")
        value = float(raw) if any(c in raw for c in ".eE") else int(raw)
        if isinstance(value, float) and value in (float("inf"), float("-inf")):
            raise UnusableInput("JSON number out of range")
        return value

    try:
        value = json.loads(
            text,
            object_pairs_hook=_no_duplicate_keys,
            parse_constant=_reject_constant,
            parse_float=parse_number,
            parse_int=parse_number,
        )
    except json.JSONDecodeError as error:
        raise UnusableInput(
            f"not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from None
    _check_values(value, limits)
    return value


# A JSON string as the nesting scan reads it: a quote, then escaped or plain characters, up to
# the closing quote or the end of the text (an unterminated string hides what follows it).
_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)|[\[\]{}]', re.DOTALL)


def _check_nesting(text: str, max_depth: int) -> None:
    """Refuse deep nesting before json.loads recurses into it: brackets are counted outside
    strings only (the regular expression skips each string whole, in C, instead of a Python
    loop over every character)."""
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        char = match.group()
        if char in "[{":
            depth += 1
            if depth > max_depth:
                raise UnusableInput(f"JSON is nested deeper than {max_depth} levels")
        elif char in "]}":
            depth -= 1


def _check_values(root: Any, limits: InputLimits) -> None:
    stack, count = [root], 0
    while stack:
        value = stack.pop()
        count += 1
        if count > limits.max_json_values:
            raise UnusableInput(f"JSON has more than {limits.max_json_values} values")
        if isinstance(value, dict):
            for key, item in value.items():
                _check_string(key, limits)
                stack.append(item)
        elif isinstance(value, list):
            if len(value) > limits.max_array_items:
                raise UnusableInput(f"a JSON array has more than {limits.max_array_items} items")
            stack.extend(value)
        elif isinstance(value, str):
            _check_string(value, limits)


def _check_string(value: str, limits: InputLimits) -> None:
    """Per-string caps: ``max_string_chars`` for text, ``max_data_uri_chars`` for an image
    embedded as a data URI (OB 3.0 App. B Image.id "URI or data URI"); the whole document
    stays under ``max_credential_bytes`` either way, which is what bounds memory."""
    cap = limits.max_string_chars
    if len(value) > cap and value[:11].lower() == "data:image/":
        cap = limits.max_data_uri_chars
    if len(value) > cap:
        raise UnusableInput(f"a JSON string is longer than {cap} characters")
    if _LONE_SURROGATE.search(value):
        raise UnusableInput("JSON string contains an invalid Unicode code point (lone surrogate)")


def parse_text(
    text: str, limits: InputLimits = DEFAULT_LIMITS, source: str = "text"
) -> ParsedInput:
    """A JSON-LD credential or a compact JWS, from text."""
    stripped = text.strip()
    if not stripped:
        raise UnusableInput("no credential was given")
    if stripped.startswith("{"):
        credential = parse_json(stripped, limits)
        if not isinstance(credential, dict):
            raise UnusableInput("a credential must be a JSON object")
        return ParsedInput("ldp", credential, None, source)
    if stripped.startswith("["):
        raise UnusableInput("a credential must be a JSON object, not an array")
    if len(stripped) > limits.max_credential_bytes:
        raise UnusableInput(f"credential is larger than {limits.max_credential_bytes} bytes")
    if stripped.count(".") == 4:
        raise UnusableInput("encrypted JWTs (JWE) are not accepted")
    if not _JWS_PATTERN.match(stripped):
        raise UnusableInput("input is neither a JSON credential nor a compact JWS")
    check_jws_json(stripped, limits)
    return ParsedInput("jwt", None, stripped, source)


def check_jws_json(token: str, limits: InputLimits = DEFAULT_LIMITS) -> None:
    """Hold a JWS's header and payload to the same strict JSON rules as a JSON-LD credential.

    Raises UnusableInput naming the refused part. Run on every compact JWS the verifier reads:
    presented ones here, endorsement JWTs and any other by :func:`verifier.verification.verify`.

    The proof layer parses them with plain ``json.loads``, which takes duplicate keys (which
    one wins?), NaN and 1e999999, and recurses without limit on deep nesting. A segment that
    is not base64url JSON at all is left to the verifier's ``format`` check.
    """
    for name, part in zip(("header", "payload"), token.split(".")[:2], strict=True):
        try:
            text = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            continue
        if text.lstrip().startswith(("{", "[")):
            try:
                parse_json(text, limits)
            except UnusableInput as error:
                raise UnusableInput(f"the JWT {name} is refused: {error}") from None


def parse_bytes(data: bytes, limits: InputLimits = DEFAULT_LIMITS) -> ParsedInput:
    """Sniff ``data``: a baked PNG, a baked SVG, or credential text."""
    if data.startswith(PNG_SIGNATURE):
        return parse_text(extract_from_png(data, limits), limits, source="png")
    # XML 1.0 §4.3.3 / Appendix F: a UTF-8 document may start with a byte order mark.
    head = data[:1024].removeprefix(b"\xef\xbb\xbf").lstrip()
    if head.startswith(b"<"):
        return parse_text(extract_from_svg(data, limits), limits, source="svg")
    if len(data) > limits.max_credential_bytes:
        raise UnusableInput(f"credential is larger than {limits.max_credential_bytes} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise UnusableInput("input is not UTF-8 text, a PNG or an SVG") from None
    return parse_text(text.removeprefix("\ufeff"), limits)


def extract_from_png(data: bytes, limits: InputLimits = DEFAULT_LIMITS) -> str:
    """The credential in a baked PNG's ``iTXt`` chunk keyword ``openbadgecredential`` (OB 3.0 §5.3.1).

    Chunks are walked without decoding the image; a compressed iTXt is refused rather than
    inflated (a decompression bomb needs no image data at all), and so is a second credential.
    """
    if len(data) > limits.max_image_bytes:
        raise UnusableInput(f"image is larger than {limits.max_image_bytes} bytes")
    if not data.startswith(PNG_SIGNATURE):
        raise UnusableInput("not a PNG image")
    offset, chunks, found, ended = len(PNG_SIGNATURE), 0, [], False
    while offset + 8 <= len(data):
        length, chunk_type = struct.unpack(">I4s", data[offset : offset + 8])
        body = data[offset + 8 : offset + 8 + length]
        crc = data[offset + 8 + length : offset + 12 + length]
        if len(body) != length or len(crc) != 4:
            raise UnusableInput("PNG is truncated")
        # PNG §5.3: every chunk's CRC covers its type and data; a wrong one is a damaged file
        if struct.unpack(">I", crc)[0] != zlib.crc32(chunk_type + body):
            raise UnusableInput(f"PNG chunk {chunk_type!r} is damaged (its CRC does not match)")
        chunks += 1
        if chunks > limits.max_png_chunks:
            raise UnusableInput(f"PNG has more than {limits.max_png_chunks} chunks")
        if chunk_type == b"iTXt" and body.startswith(BAKED_PNG_KEYWORD + b"\0"):
            rest = body[len(BAKED_PNG_KEYWORD) + 1 :]
            if rest[:1] != b"\0":
                raise UnusableInput("compressed openbadgecredential chunks are not accepted")
            # iTXt: compression flag, method, language tag\0, translated keyword\0, text
            parts = rest[2:].split(b"\0", 2)
            if len(parts) != 3:
                raise UnusableInput("malformed iTXt chunk")
            found.append(parts[2])
        if chunk_type == b"IEND":
            ended = True
            break
        offset += 12 + length
    if not ended:
        # PNG §5.6: IEND ends every PNG; without it the file was cut (or something appended
        # will be read by another tool), so neither reading of it is trusted.
        raise UnusableInput("PNG is truncated (it does not end with an IEND chunk)")
    if not found:
        raise UnusableInput(
            "the PNG carries no Open Badges credential (no openbadgecredential iTXt chunk)"
        )
    if len(found) > 1:
        raise UnusableInput("the PNG carries more than one Open Badges credential")
    try:
        return found[0].decode("utf-8")
    except UnicodeDecodeError:
        raise UnusableInput("the baked credential is not UTF-8 text") from None


def extract_from_svg(data: bytes, limits: InputLimits = DEFAULT_LIMITS) -> str:
    """The credential in a baked SVG's ``openbadges:credential`` element (OB 3.0 §5.3.2).

    Parsed with defusedxml: entity declarations and external references are refused. A plain
    DOCTYPE naming the SVG 1.1 DTD (as badge tools write) is accepted; it is never loaded.
    """
    if len(data) > limits.max_image_bytes:
        raise UnusableInput(f"image is larger than {limits.max_image_bytes} bytes")
    try:
        root = SafeElementTree.fromstring(
            data, forbid_dtd=False, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException as error:
        raise UnusableInput(
            f"SVG refused: {type(error).__name__} (DTD entities or external references)"
        ) from None
    except SafeElementTree.ParseError as error:
        raise UnusableInput(f"not a well-formed SVG: {error}") from None
    elements = list(root.iter(f"{{{OPENBADGES_NS}}}credential"))
    if not elements:
        raise UnusableInput(
            "the SVG carries no Open Badges credential (no openbadges:credential element)"
        )
    if len(elements) > 1:
        raise UnusableInput("the SVG carries more than one Open Badges credential")
    element = elements[0]
    # A VC-JWT is baked in the `verify` attribute; a JSON-LD credential as the element's text.
    token, inner = (element.get("verify") or "").strip(), (element.text or "").strip()
    if token and inner:
        _check_svg_agrees(token, inner, limits)
    text = token or inner
    if not text:
        raise UnusableInput("the openbadges:credential element is empty")
    return text


def _check_svg_agrees(token: str, inner: str, limits: InputLimits) -> None:
    """An SVG carrying both a ``verify=`` JWT and a JSON credential is read only when both are
    the same credential: two readers (ours takes the JWT, another tool the text) must not see
    two different credentials."""
    parsed = parse_text(token, limits)
    if parsed.kind != "jwt" or parsed.token is None:
        raise UnusableInput("the SVG's verify attribute is not a VC-JWT")
    payload_part = parsed.token.split(".")[1]
    try:
        payload = parse_json(
            base64.urlsafe_b64decode(payload_part + "=" * (-len(payload_part) % 4)).decode(),
            limits,
        )
    except (ValueError, UnicodeDecodeError):
        raise UnusableInput("the SVG's verify attribute is not a readable VC-JWT") from None
    signed = None
    if isinstance(payload, dict):  # the credential a VC-JWT secures, in any of its shapes
        signed = payload["vc"] if "vc" in payload else without_registered_claims(payload)
    shown = parse_json(inner, limits) if inner.startswith("{") else None
    if signed != shown:
        raise UnusableInput(
            "the SVG carries two different credentials: the JWT in its verify attribute and "
            "the JSON inside the element disagree"
        )
