"""``/``: what this site is, with the two ways in (verify a badge, sign in)."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> str:
    return render_template("public/home.html")
