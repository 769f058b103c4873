"""Delivery of awards and e-mails, as the admin sees it: "resend" an award e-mail (a fresh
claim link) or any other student message, and ``delivery_of(award)`` for the templates
(e-mail sent / failed, claimed, added to a wallet)."""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, flash, g, redirect, request, url_for

from issuer import notifications, permissions
from issuer.database import get_session
from issuer.models import Award, OutboundMessage, Student
from issuer.notifications import status
from issuer.notifications.delivery import requeue
from issuer.web.admin import access, bp, context


def _back(student: Student) -> str:
    """Where the form came from (a page under /admin/), else the student's page."""
    target = request.form.get("next", "")
    if target.startswith("/admin/") and "\\" not in target:
        return target
    return url_for("admin.student_page", slug=student.pathway.slug, student_id=student.id)


@bp.post("/awards/<int:award_id>/resend")
@access.roles(*access.MANAGERS)
def resend_award(award_id: int) -> Any:
    """Queue the award e-mail again, with a new claim link."""
    award = access.managed_award(award_id)
    db = get_session()
    notifications.queue_award_issued(db, award, site=context.site(), now=context.now())
    db.commit()
    flash(f"The badge e-mail to {award.student.name} is queued again, with a new link.", "success")
    return redirect(_back(award.student))


@bp.post("/messages/<int:message_id>/resend")
@access.roles(*access.MANAGERS)
def resend_message(message_id: int) -> Any:
    """Send a student message again (award messages get a fresh claim link)."""
    db = get_session()
    message = db.get(OutboundMessage, message_id)
    student = db.get(Student, message.student_id) if message and message.student_id else None
    if (
        message is None
        or student is None
        or not permissions.can_manage_pathway(access.principal(), student.pathway_id)
    ):
        abort(404, description=access.NOT_YOURS)
    award = db.get(Award, message.award_id) if message.award_id else None
    if message.kind == notifications.messages.AWARD_ISSUED and award is not None:
        notifications.queue_award_issued(db, award, site=context.site(), now=context.now())
    else:
        requeue(db, message, now=context.now())
    db.commit()
    flash(f"“{message.subject}” is queued again for {student.name}.", "success")
    return redirect(_back(student))


def delivery_of(award: Award) -> status.AwardDeliveryState:
    """The award's delivery state, read once per request for all awards asked about."""
    cache = g.setdefault("award_delivery_states", {})
    if award.id not in cache:
        cache.update(status.award_delivery_states(get_session(), [award.id]))
    return cache[award.id]


def messages_of_student(student_id: int) -> list[OutboundMessage]:
    return status.student_messages(get_session(), student_id)


def latest_user_message(user_id: int) -> OutboundMessage | None:
    return status.latest_user_message(get_session(), user_id)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["delivery_of"] = delivery_of
    app.jinja_env.globals["messages_of_student"] = messages_of_student
    app.jinja_env.globals["latest_user_message"] = latest_user_message
