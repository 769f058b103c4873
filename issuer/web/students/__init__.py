"""The students' side (the ``students`` blueprint, under ``/my``): the claim link from the
award e-mail, the "send me a sign-in link" form and sign-out (:mod:`.views`), and "my badges"
(:mod:`.my_badges`). Students have no password; who is signed in lives in
``issuer.web.student_session``."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("students", __name__, url_prefix="/my")

from issuer.web.students import my_badges, views  # noqa: E402,F401 - register routes on bp
