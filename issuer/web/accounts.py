"""Users' passwords by e-mailed link: accept an invitation (choose a first password), ask for
a reset link ("forgot your password"), choose a new password.

The reset form answers the same for known, unknown and disabled addresses and is rate
limited per address and per client. Links are single-use and expiring
(``issuer.services.links``); a link is used only when a valid password is posted, so a typo
in the form does not burn it.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from issuer import notifications
from issuer.database import get_session
from issuer.models import LinkPurpose, OneTimeLink, User
from issuer.services import links, users
from issuer.web import mail
from issuer.web.forms import EmailForm, PasswordForm

bp = Blueprint("accounts", __name__, url_prefix="/account")

REFUSALS = {
    links.Refusal.TAMPERED: (
        "The link was changed or cut short, perhaps when it was copied. Open it again from the "
        "e-mail.",
        400,
    ),
    links.Refusal.UNKNOWN: ("We have no record of this link.", 404),
    links.Refusal.USED: ("This link was already used: each link works only once.", 410),
    links.Refusal.EXPIRED: ("This link has expired.", 410),
}
DISABLED = ("This account is disabled. Ask the Alliance admin to re-enable it.", 403)


def _refused(purpose: LinkPurpose, reason: tuple[str, int]) -> tuple[str, int]:
    message, status = reason
    return render_template(
        "account/link_refused.html", message=message, invitation=purpose is LinkPurpose.USER_INVITE
    ), status


@bp.route("/reset", methods=("GET", "POST"))
def reset_request() -> Any:
    form = EmailForm(request.form if request.method == "POST" else None)
    if request.method == "GET" or not form.validate():
        status = 422 if request.method == "POST" else 200
        return render_template("account/reset_request.html", form=form), status
    email = (form.email.data or "").strip().lower()
    per_email, per_address = mail.rate_limits("PASSWORD_RESET")
    over = per_address.exceeded(f"password-reset:ip:{request.remote_addr or 'unknown'}")
    over = per_email.exceeded(f"password-reset:email:{email}") or over
    if over:
        return render_template("account/reset_request.html", form=form, rate_limited=True), 429
    db = get_session()
    user = users.find_user(db, email)
    if user is not None and user.active:
        notifications.queue_password_reset(db, user, site=mail.site(), now=mail.now())
        db.commit()
        mail.wake_delivery()
    return render_template("account/reset_sent.html", email=email)


def _password_page(token: str, purpose: LinkPurpose) -> Any:
    db = get_session()
    signer = mail.link_signer()
    try:
        link = links.check(db, signer, token, purpose=purpose, now=mail.now())
    except links.LinkRefused as exc:
        return _refused(purpose, REFUSALS[exc.refusal])
    user = db.get(User, link.user_id)
    if user is None or not user.active:
        return _refused(purpose, DISABLED)
    form = PasswordForm(request.form if request.method == "POST" else None)
    invitation = purpose is LinkPurpose.USER_INVITE
    if request.method == "GET" or not form.validate():
        status = 422 if request.method == "POST" else 200
        return render_template(
            "account/password.html", form=form, user=user, invitation=invitation
        ), status
    try:
        used: OneTimeLink = links.use(db, signer, token, purpose=purpose, now=mail.now())
    except links.LinkRefused as exc:
        db.rollback()
        return _refused(purpose, REFUSALS[exc.refusal])
    users.set_password(db, user, form.password.data or "", now=mail.now())
    if purpose is LinkPurpose.PASSWORD_RESET:  # one reset ends every other pending reset
        links.retire_unused(db, purpose=purpose, user_id=used.user_id or 0, now=mail.now())
    db.commit()
    flash("Your password is set. Sign in with it now.", "success")
    return redirect(url_for("auth.login"))


@bp.route("/invitation/<token>", methods=("GET", "POST"))
def invitation(token: str) -> Any:
    return _password_page(token, LinkPurpose.USER_INVITE)


@bp.route("/reset/<token>", methods=("GET", "POST"))
def reset(token: str) -> Any:
    return _password_page(token, LinkPurpose.PASSWORD_RESET)
