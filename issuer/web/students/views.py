"""Claim a badge from the award e-mail, ask for a sign-in link, sign out.

Links are opened in two steps: GET shows what the link does and a button; only the POST uses
the link. Mail scanners and link previews fetch links with GET, so a single-use link opened by
a scanner still works for the student.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from issuer import notifications
from issuer.database import get_session
from issuer.models import Award, AwardDelivery, LinkPurpose, OneTimeLink, Student
from issuer.recipients import normalise_email
from issuer.services import links
from issuer.web import mail
from issuer.web.forms import EmailForm
from issuer.web.student_session import current_student_id, sign_in_student, sign_out_student
from issuer.web.students import bp

REFUSALS = {
    links.Refusal.TAMPERED: (
        "This link is not valid",
        "The link was changed or cut short, perhaps when it was copied. Open it again from the "
        "e-mail, or ask for a new sign-in link below.",
        400,
    ),
    links.Refusal.UNKNOWN: (
        "This link is not valid",
        "We have no record of this link. Ask for a new sign-in link below.",
        404,
    ),
    links.Refusal.USED: (
        "This link was already used",
        "Each link works only once. Ask for a new sign-in link below: it reaches the same "
        "e-mail address.",
        410,
    ),
    links.Refusal.EXPIRED: (
        "This link has expired",
        "Links work for a limited time. Ask for a new sign-in link below.",
        410,
    ),
}
OTHER_STUDENT = (
    "This link is for another student",
    "You are signed in as someone else on this device. Sign out first, then open the link again.",
    403,
)


def _refused(reason: tuple[str, str, int]) -> tuple[str, int]:
    title, message, status = reason
    return render_template(
        "students/link_refused.html",
        title=title,
        message=message,
        form=EmailForm(),
        signed_in=current_student_id() is not None,
    ), status


def _checked(token: str, purpose: LinkPurpose) -> OneTimeLink | tuple[str, int]:
    try:
        link = links.check(
            get_session(), mail.link_signer(), token, purpose=purpose, now=mail.now()
        )
    except links.LinkRefused as exc:
        return _refused(REFUSALS[exc.refusal])
    signed_in = current_student_id()
    if signed_in is not None and signed_in != link.student_id:
        return _refused(OTHER_STUDENT)
    return link


def _use(token: str, purpose: LinkPurpose) -> OneTimeLink | tuple[str, int]:
    checked = _checked(token, purpose)
    if not isinstance(checked, OneTimeLink):
        return checked
    db = get_session()
    try:
        return links.use(db, mail.link_signer(), token, purpose=purpose, now=mail.now())
    except links.LinkRefused as exc:  # used by a concurrent request
        db.rollback()
        return _refused(REFUSALS[exc.refusal])


@bp.get("/claim/<token>")
def claim(token: str) -> Any:
    link = _checked(token, LinkPurpose.STUDENT_CLAIM)
    if not isinstance(link, OneTimeLink):
        return link
    award = get_session().get(Award, link.award_id)
    return render_template("students/claim.html", award=award, token=token)


@bp.post("/claim/<token>")
def claim_confirmed(token: str) -> Any:
    link = _use(token, LinkPurpose.STUDENT_CLAIM)
    if not isinstance(link, OneTimeLink):
        return link
    db = get_session()
    delivery = db.get(AwardDelivery, link.award_id) or AwardDelivery(award_id=link.award_id)
    if delivery.claimed_at is None:
        delivery.claimed_at = mail.now()
    db.add(delivery)
    student_id = link.student_id
    db.commit()
    sign_in_student(int(student_id))  # type: ignore[arg-type]
    flash("Your badge is claimed. Here are all your badges.", "success")
    return redirect(url_for("students.my_badges"))


@bp.route("/sign-in", methods=("GET", "POST"))
def sign_in() -> Any:
    """Ask for a sign-in link. The answer is the same whether or not the address belongs to a
    student, so the form cannot be used to find out who studies here."""
    form = EmailForm(request.form if request.method == "POST" else None)
    if request.method == "GET" or not form.validate():
        status = 422 if request.method == "POST" else 200
        return render_template("students/sign_in.html", form=form), status
    email = normalise_email(form.email.data or "")
    per_email, per_address = mail.rate_limits("STUDENT_SIGN_IN")
    address = request.remote_addr or "unknown"
    over = per_address.exceeded(f"student-sign-in:ip:{address}")
    over = per_email.exceeded(f"student-sign-in:email:{email}") or over
    if over:
        return render_template("students/sign_in.html", form=form, rate_limited=True), 429
    db = get_session()
    student = db.scalar(select(Student).where(Student.email == email))
    if student is not None:
        notifications.queue_student_sign_in(db, student, site=mail.site(), now=mail.now())
        db.commit()
        mail.wake_delivery()
    return render_template("students/link_sent.html", email=email)


@bp.get("/sign-in/<token>")
def sign_in_link(token: str) -> Any:
    link = _checked(token, LinkPurpose.STUDENT_SIGN_IN)
    if not isinstance(link, OneTimeLink):
        return link
    return render_template("students/sign_in_link.html", token=token)


@bp.post("/sign-in/<token>")
def sign_in_link_confirmed(token: str) -> Any:
    link = _use(token, LinkPurpose.STUDENT_SIGN_IN)
    if not isinstance(link, OneTimeLink):
        return link
    student_id = link.student_id
    get_session().commit()
    sign_in_student(int(student_id))  # type: ignore[arg-type]
    return redirect(url_for("students.my_badges"))


@bp.post("/sign-out")
def sign_out() -> Response:
    sign_out_student()
    flash("You are signed out.", "success")
    return redirect(url_for("students.sign_in"))
