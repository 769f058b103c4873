"""Read a credential out of an HTTP request: JSON, a VC-JWT as text, or a baked image
(raw or as a multipart upload), each within its own size cap."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Request
from werkzeug.exceptions import RequestEntityTooLarge

from verifier.inputs import ParsedInput, UnusableInput, parse_bytes, parse_json, parse_text
from verifier.limits import InputLimits

JSON_TYPES = {"application/json", "application/ld+json", "application/vc+ld+json", "application/vc"}
TEXT_TYPES = {"text/plain", "application/vc+jwt", "application/jwt", "application/vc+jose"}
IMAGE_TYPES = {"image/png", "image/svg+xml", "application/octet-stream"}
MULTIPART_OVERHEAD = 64 * 1024  # boundaries, headers and the email field


class UnsupportedMedia(ValueError):
    """The request's Content-Type is none the verifier reads (HTTP 415)."""


@dataclass(frozen=True)
class Submission:
    parsed: ParsedInput
    email: str | None = None


def _email(value: object) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 320 or "@" not in value:
        raise UnusableInput("email must be an email address")
    return value


def from_json(body: bytes, limits: InputLimits) -> Submission:
    """The credential (and optional email) of a JSON body: the credential itself, or
    ``{"credential": …, "email": …}``. UnusableInput when it is neither."""
    try:
        text = body.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise UnusableInput("the JSON body is not UTF-8 text") from None
    if not text.strip():
        raise UnusableInput("no credential was given")
    value = parse_json(text, limits)
    if not isinstance(value, dict):
        raise UnusableInput("a credential must be a JSON object")
    if "credential" in value and "@context" not in value:
        unknown = set(value) - {"credential", "email"}
        if unknown:
            raise UnusableInput(f"unknown member {sorted(unknown)[0]!r}: send credential and email")
        credential = value["credential"]
        if isinstance(credential, dict):
            parsed = ParsedInput("ldp", credential)
        elif isinstance(credential, str):
            parsed = parse_text(credential, limits)
        else:
            raise UnusableInput("credential must be a JSON object or a VC-JWT string")
        return Submission(parsed, _email(value.get("email")))
    return Submission(ParsedInput("ldp", value))


def _cap(request: Request, limit: int) -> None:
    # Flask >= 3.1: a per-request cap; reading more raises 413 RequestEntityTooLarge.
    request.max_content_length = limit


def read_body(request: Request, limit: int) -> bytes:
    """The body, at most ``limit`` bytes, or 413.

    A declared Content-Length over the cap is refused before reading. A chunked body (no
    Content-Length) is read up to one byte past the cap: werkzeug's stream stops silently at
    ``max_content_length``, which would hand a truncated body to the parser.
    """
    _cap(request, limit + 1)
    try:
        data = request.get_data(cache=False)
    finally:
        request.max_content_length = limit  # what a 413 message states
    if len(data) > limit:
        raise RequestEntityTooLarge()
    return data


BODY_TYPES = JSON_TYPES | TEXT_TYPES | IMAGE_TYPES
"""Content types whose whole body is the credential (not a multipart form)."""


def body_cap(mimetype: str, limits: InputLimits) -> int:
    """The most bytes a body of ``mimetype`` may have (a baked image may be larger than a
    credential's text)."""
    return limits.max_image_bytes if mimetype in IMAGE_TYPES else limits.max_credential_bytes


def submission_from_body(mimetype: str, limits: InputLimits, body: bytes) -> Submission:
    """The credential (and optional email) of a body of a :data:`BODY_TYPES` type already read
    (JSON, a VC-JWT as text, a baked image). Raises UnusableInput when it is not one, and
    UnsupportedMedia for any other type. Module-level and picklable with its first two
    arguments bound (``functools.partial``), so the quarantine lane's worker can run it."""
    if mimetype in JSON_TYPES:
        return from_json(body, limits)
    if mimetype in TEXT_TYPES:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise UnusableInput("the body is not UTF-8 text") from None
        return Submission(parse_text(text.removeprefix("\ufeff"), limits))
    if mimetype in IMAGE_TYPES:
        return Submission(parse_bytes(body, limits))
    raise unsupported(mimetype)


def unsupported(mimetype: str | None) -> UnsupportedMedia:
    """The 415 error for a request of ``mimetype``."""
    return UnsupportedMedia(
        f"Content-Type {mimetype or '(none)'} is not accepted: send application/json, "
        "text/plain (a VC-JWT), image/png, image/svg+xml or multipart/form-data"
    )


def read_api_request(request: Request, limits: InputLimits) -> Submission:
    """The credential (and optional email) of a ``POST /api/v1/...`` request."""
    mimetype = request.mimetype
    if mimetype == "multipart/form-data":
        return read_form(request, limits)
    if mimetype not in BODY_TYPES:
        raise unsupported(mimetype)
    return submission_from_body(mimetype, limits, read_body(request, body_cap(mimetype, limits)))


def read_form(request: Request, limits: InputLimits) -> Submission:
    """A multipart or urlencoded form: a ``file`` upload or ``credential`` text, and ``email``."""
    _cap(request, limits.max_image_bytes + MULTIPART_OVERHEAD)
    email = _email(request.form.get("email", "").strip())
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        data = upload.stream.read(limits.max_image_bytes + 1)
        if len(data) > limits.max_image_bytes:
            raise UnusableInput(f"image is larger than {limits.max_image_bytes} bytes")
        if not data:
            raise UnusableInput("the uploaded file is empty")
        return Submission(parse_bytes(data, limits), email)
    text = request.form.get("credential", "")
    if len(text) > limits.max_credential_bytes:
        raise UnusableInput(f"credential is larger than {limits.max_credential_bytes} bytes")
    if not text.strip():
        raise UnusableInput("no credential was given: paste one or choose a file")
    return Submission(parse_text(text, limits), email)
