"""Error pages in the site's layout for the sign-in and admin blueprints, so a refused or
missing page (or a rejected form token) still explains itself."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed",
    413: "File too large",
    429: "Too many requests",
}


def render(error: HTTPException) -> tuple[str | Response, int]:
    code = error.code or 500
    if request.accept_mimetypes.best == "application/json":
        return jsonify(error=error.description), code
    return render_template(
        "admin/error.html",
        code=code,
        title=TITLES.get(code, "Error"),
        description=error.description,
    ), code


def register(blueprint: Blueprint) -> None:
    for code in TITLES:
        blueprint.register_error_handler(code, render)
