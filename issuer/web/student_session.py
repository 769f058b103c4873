"""Students' sign-in state: who is signed in, and the guard for "my badges" pages.

Students have no password: they are signed in by a claim link or an e-mailed sign-in link
(``issuer.web.students``). This module is the one place that reads or writes the student's
entry in the session, so every student page agrees on who is signed in.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import redirect, request, session, url_for

STUDENT_SESSION_LIFETIME = timedelta(minutes=30)  # minors: short-lived, no "remember me"


def sign_in_student(student_id: int) -> None:
    """Start a fresh student session (any earlier session content is dropped)."""
    session.clear()
    session["student_id"] = student_id
    session["student_signed_in_at"] = datetime.now(UTC).isoformat()


def current_student_id() -> int | None:
    """The signed-in student's id, or None when nobody is signed in or the session is older
    than ``STUDENT_SESSION_LIFETIME``."""
    student_id = session.get("student_id")
    started = session.get("student_signed_in_at")
    if student_id is None or started is None:
        return None
    try:
        signed_in_at = datetime.fromisoformat(started)
    except (TypeError, ValueError):
        return None
    if datetime.now(UTC) - signed_in_at > STUDENT_SESSION_LIFETIME:
        sign_out_student()
        return None
    return int(student_id)


def sign_out_student() -> None:
    session.pop("student_id", None)
    session.pop("student_signed_in_at", None)


def student_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Send a visitor who is not signed in as a student to the sign-in-link form."""

    @functools.wraps(view)
    def wrapped(**kwargs: Any) -> Any:
        if current_student_id() is None:
            return redirect(url_for("students.sign_in", next=request.path))
        return view(**kwargs)

    return wrapped
