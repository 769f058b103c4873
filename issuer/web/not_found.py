"""Answers for requests no route matches (404) or no method of a route matches (405).

A JSON client (``/api/…`` or one that prefers JSON) gets an RFC 9457 problem; a browser the
site's error page. The CSRF check lets these through untouched, so an unknown POST such as
``/credentials/verify`` answers 404, not "missing form token".
"""

from __future__ import annotations

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from issuer.web.admin.errors import TITLES
from verifier.web.problems import problem


def wants_json() -> bool:
    """``/api/…`` paths, and clients whose Accept prefers JSON to HTML."""
    if request.path.startswith("/api/"):
        return True
    accept = request.accept_mimetypes
    best = accept.best_match(["text/html", "application/json", "application/problem+json"])
    return best in ("application/json", "application/problem+json")


def render(error: HTTPException) -> Response | tuple[str, int]:
    code = error.code or 404
    if wants_json():
        detail = f"no {request.method} {request.path} here"
        return problem(code, detail, slug="not-found" if code == 404 else "method-not-allowed")
    return render_template(
        "admin/error.html", code=code, title=TITLES[code], description=error.description
    ), code


def init_app(app: Flask) -> None:
    app.register_error_handler(404, render)
    app.register_error_handler(405, render)
