"""Mail commands: ``flask --app wsgi mail deliver [--loop]`` and ``mail expiring``.

Production runs ``mail deliver --loop`` as its own process (any number of them: leases keep
them from sending the same message), and ``mail expiring`` once a day (cron or a systemd
timer) to tell students whose badge expires within 30 days.
"""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import AppGroup

from issuer.database import get_session
from issuer.notifications import messages
from issuer.notifications.delivery import MailSettings, SmtpTransport, deliver_all_due

mail_cli = AppGroup("mail")  # registered, with its help, by wsgi.create_app


@mail_cli.command("deliver")
@click.option("--loop", is_flag=True, help="Keep delivering until stopped (Ctrl-C, SIGTERM).")
@click.option("--poll", default=5.0, show_default=True, help="Seconds between looks at the outbox.")
def deliver_command(loop: bool, poll: float) -> None:
    """Send the messages that are due now (with --loop: forever)."""
    settings = MailSettings.from_config(current_app.config)
    if not settings.host:
        raise click.ClickException("MAIL_HOST is not set: there is no mail server to send to")
    factory = current_app.extensions["sqlalchemy_sessionmaker"]
    transport = SmtpTransport(settings)
    while True:
        result = deliver_all_due(factory, transport, settings)
        if result.claimed or not loop:
            click.echo(f"Sent {result.sent}, to retry {result.retrying}, failed {result.failed}.")
        if not loop:
            return
        time.sleep(poll)


@mail_cli.command("expiring")
@click.option("--days", default=30, show_default=True, help="Tell students this many days ahead.")
def expiring_command(days: int) -> None:
    """Queue an "expires soon" message for every active badge ending within DAYS (once each)."""
    from datetime import UTC, datetime

    session = get_session()
    now = datetime.now(UTC)
    awards = messages.awards_expiring(session, now=now, within_days=days)
    for award in awards:
        messages.queue_award_expiring(session, award, now=now)
    session.commit()
    click.echo(f"Queued {len(awards)} expiry message(s).")
