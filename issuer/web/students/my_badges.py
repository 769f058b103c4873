"""PLACEHOLDER for "my badges" (``/my/badges``), so the claim and sign-in flows have a page
to land on. The student-wallets engineer replaces this module with the real page (status,
downloads, QR, consent, wallets); keep the endpoint name ``students.my_badges``."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import select

from issuer.database import get_session
from issuer.models import Award, Student
from issuer.web.student_session import current_student_id, student_required
from issuer.web.students import bp


@bp.get("/badges")
@student_required
def my_badges() -> str:
    db = get_session()
    student = db.get(Student, current_student_id())
    awards = db.scalars(
        select(Award).where(Award.student_id == current_student_id()).order_by(Award.issued_at)
    )
    return render_template("students/my_badges.html", student=student, awards=list(awards))
