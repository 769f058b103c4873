"""Students' own pages (the ``students`` blueprint): "my badges" (:mod:`.my_badges`); the
sign-in and claim pages join it from the student sign-in work."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("students", __name__, url_prefix="/my")

from issuer.web.students import my_badges  # noqa: E402,F401 - registers its routes on bp
