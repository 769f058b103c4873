"""Answers for requests no route matches (404) or no method of a route matches (405).

A JSON client (``/api/…`` or one that prefers JSON) gets an RFC 9457 problem; a browser the
site's error page (``error_pages``). The CSRF check lets these through untouched, so an unknown POST such as
``/credentials/verify`` answers 404, not "missing form token".
"""

from __future__ import annotations

from flask import Flask, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from issuer.web.error_pages import render_error
from verifier.web.problems import problem


def wants_json() -> bool:
    """``/api/…`` paths, and clients whose Accept prefers JSON to HTML."""
    if request.path.startswith("/api/"):
        return True
    accept = request.accept_mimetypes
    best = accept.best_match(["text/html", "application/json", "application/problem+json"])
    return best in ("application/json", "application/problem+json")


def render(error: HTTPException) -> Response | tuple[str, int]:
    """``error_pages`` answers browsers and ``/api/…``; a JSON client elsewhere (e.g. an unknown
    POST ``/credentials/verify`` from a script) gets the problem document too."""
    if request.path.startswith("/api/") or not wants_json():
        return render_error(error)
    code = error.code or 404
    detail = f"no {request.method} {request.path} here"
    response = problem(code, detail, slug="not-found" if code == 404 else "method-not-allowed")
    for name, value in error.get_headers():
        if name == "Allow":
            response.headers["Allow"] = value
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(404, render)
    app.register_error_handler(405, render)
