"""Mail on the web side: the development delivery thread and the development-only outbox
page (``/dev/outbox``), where a newcomer reads the e-mails a student or user would get.

In production the outbox page does not exist (404) and delivery runs as its own process,
``flask --app wsgi mail deliver --loop``.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, render_template
from sqlalchemy import select

from issuer.database import get_session
from issuer.models import OutboundMessage
from issuer.notifications.delivery import DeliveryWorker, MailSettings, SmtpTransport
from issuer.services.issuance import IssuerSite
from issuer.services.links import LinkSigner
from verifier.rate_limit import RateLimit

bp = Blueprint("dev_outbox", __name__, url_prefix="/dev/outbox")
_start_lock = threading.Lock()


def site() -> IssuerSite:
    return IssuerSite.from_config(current_app.config)


def link_signer() -> LinkSigner:
    return LinkSigner(str(current_app.config["SECRET_KEY"]))


def now() -> datetime:
    return datetime.now(UTC)


def rate_limits(prefix: str) -> tuple[RateLimit, RateLimit]:
    """(per email, per client address) limits for ``prefix`` ("STUDENT_SIGN_IN" or
    "PASSWORD_RESET"), counted in the shared rate-limit store (memory or Redis)."""
    store = current_app.extensions["rate_limit_store"]
    limit = int(current_app.config[f"{prefix}_RATE_LIMIT"])
    window = float(current_app.config[f"{prefix}_RATE_WINDOW_SECONDS"])
    return RateLimit(store, limit, window), RateLimit(store, limit * 4, window)


def wake_delivery() -> None:
    """Ask the development delivery thread (if any) to look at the outbox now."""
    worker = current_app.extensions.get("mail_delivery_worker")
    if worker is not None:
        worker.wake()


def start_delivery_thread(app: Flask) -> DeliveryWorker | None:
    """Start the background delivery thread once, when ``MAIL_DELIVERY_THREAD`` is on and a
    ``MAIL_HOST`` is configured (idempotent)."""
    with _start_lock:
        if app.extensions.get("mail_delivery_worker") is not None:
            return app.extensions["mail_delivery_worker"]
        if not app.config.get("MAIL_DELIVERY_THREAD") or not app.config.get("MAIL_HOST"):
            app.extensions["mail_delivery_worker"] = None  # decided: no thread in this app
            return None
        settings = MailSettings.from_config(app.config)
        worker = DeliveryWorker(
            app.extensions["sqlalchemy_sessionmaker"],
            SmtpTransport(settings),
            settings,
            poll_seconds=float(app.config.get("MAIL_POLL_SECONDS", 5)),
        )
        app.extensions["mail_delivery_worker"] = worker
        worker.start()
        return worker


def _outbox_enabled() -> None:
    config = current_app.config
    if config.get("ENV_NAME") == "production" or not config.get("DEV_OUTBOX_ENABLED"):
        abort(404)


@bp.get("")
def outbox() -> str:
    _outbox_enabled()
    messages = get_session().scalars(
        select(OutboundMessage).order_by(OutboundMessage.id.desc()).limit(100)
    )
    return render_template(
        "dev/outbox.html", messages=list(messages), mail_host=current_app.config["MAIL_HOST"]
    )


@bp.get("/<int:message_id>")
def message(message_id: int) -> str:
    _outbox_enabled()
    row = get_session().get(OutboundMessage, message_id)
    if row is None:
        abort(404)
    return render_template("dev/message.html", message=row)


@bp.get("/<int:message_id>.html")
def message_html(message_id: int) -> Response:
    """The HTML part as the mail client would show it; nothing in it may load or run."""
    _outbox_enabled()
    row = get_session().get(OutboundMessage, message_id)
    if row is None or not row.body_html:
        abort(404)
    response = Response(row.body_html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; frame-ancestors 'none'; form-action 'none'"
    )
    return response


def init_app(app: Flask) -> None:
    """The outbox page outside production; the delivery thread on the first request."""
    from issuer.web.admin import deliveries

    deliveries.init_app(app)
    if app.config.get("ENV_NAME") != "production":
        app.register_blueprint(bp)

    @app.before_request
    def _deliver_in_background() -> Any:
        if "mail_delivery_worker" not in app.extensions:
            start_delivery_thread(app)
        return None
