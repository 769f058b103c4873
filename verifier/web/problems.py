"""RFC 9457 problem details, and how unusable input maps onto HTTP status codes."""

from __future__ import annotations

from flask import Response, jsonify

from verifier.inputs import UnusableInput

PROBLEM_TYPE = "https://badges.linkedlearning.org/problems/"
_TITLES = {
    400: "Malformed input",
    404: "Not found",
    405: "Method not allowed",
    413: "Input too large",
    415: "Unsupported media type",
    422: "Not a credential",
    429: "Too many requests",
}
# Phrases of verifier.inputs' messages that say the bytes could not even be parsed.
_MALFORMED = (
    "not valid JSON",
    "nested deeper",
    "twice",
    "JSON number",
    "Unicode",
    "truncated",
    "well-formed",
    "SVG refused",
    "malformed",
    "has more than",
    "longer than",
    "not UTF-8",
    "compressed",
)


def problem(status: int, detail: str, *, slug: str | None = None) -> Response:
    """An ``application/problem+json`` response."""
    title = _TITLES.get(status, "Bad request")
    response = jsonify(
        {
            "type": PROBLEM_TYPE + (slug or title.lower().replace(" ", "-")),
            "title": title,
            "status": status,
            "detail": detail,
        }
    )
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def status_for(error: UnusableInput) -> int:
    """413 for size, 400 for bytes that do not parse, 422 for parsed input that is no
    credential."""
    message = str(error)
    if "larger than" in message:
        return 413
    if any(phrase in message for phrase in _MALFORMED):
        return 400
    return 422
