"""Error pages for the whole site: a page in the site's layout for browsers, an RFC 9457
problem (``application/problem+json``) under ``/api/``.

Blueprints with their own handlers keep them (the admin pages, the verifier API and the
``/verify`` form answer their own errors); these catch the rest: unknown addresses, methods
not allowed, rejected form tokens on public pages, oversized bodies and server errors.
"""

from __future__ import annotations

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from verifier.web.problems import problem

# (title, what to say when the code raising it gave no description of its own)
PAGES: dict[int, tuple[str, str]] = {
    400: ("Something was wrong with that request", "Go back, reload the page and try again."),
    403: ("Not allowed", "You cannot open this page."),
    404: (
        "Page not found",
        "There is no page at this address. Check the link, or scan the badge's QR code again.",
    ),
    405: ("Not allowed", "This page cannot be used that way. Go back and use its form."),
    413: (
        "That is too large",
        "What you sent is larger than this site accepts. A badge image can be at most 2 MB.",
    ),
    429: ("Too many requests", "Too many requests from your address. Wait a minute and try again."),
    500: (
        "Something went wrong on our side",
        "The page could not be shown. Go back and try again in a moment; if it keeps "
        "happening, tell the badge's issuer what you were doing.",
    ),
}


def _description(error: HTTPException, default: str) -> str:
    """The description the code that raised ``error`` gave, else ours in plain words
    (Werkzeug's class defaults speak of "the server" and "the browser")."""
    explicit = error.description and error.description != type(error).description
    return str(error.description) if explicit else default


def render_error(error: HTTPException) -> tuple[str, int] | Response:
    """The page (or, under ``/api/``, the problem document) for ``error``."""
    code = error.code or 500
    if request.path.startswith("/api/"):
        response = problem(code, str(error.description or error.name))
        if code == 405 and (allowed := getattr(error, "valid_methods", None)):
            response.headers["Allow"] = ", ".join(allowed)
        return response
    title, default = PAGES.get(code, ("Something went wrong", "Go back and try again."))
    description = _description(error, default)
    return render_template("error.html", code=code, title=title, description=description), code


def init_app(app: Flask) -> None:
    """Register the pages; 500 also catches any unhandled exception (as Flask wraps it)."""
    for code in PAGES:
        app.register_error_handler(code, render_error)
