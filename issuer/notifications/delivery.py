"""Delivery: claim due messages under a lease, send them over SMTP, record the outcome.

Why a lease rather than a lock held while sending: a message must never wait on a slow mail
server inside a database transaction, and a worker that dies must not strand its messages.

1. **Claim** (one short transaction): due rows (``queued``, ``next_attempt_at`` reached, no
   live lease) are selected (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two workers never
   pick the same rows) and each is taken by a conditional UPDATE that writes the lease
   (``lease_owner``, ``lease_expires_at``) and counts the attempt. Committed before sending.
2. **Send** outside any transaction, with ``timeout`` seconds per SMTP operation.
3. **Record** (one short transaction, only while this worker still owns the lease): ``sent``;
   or, on failure, ``queued`` again with ``next_attempt_at`` backed off exponentially
   (``retry_seconds * 2 ** (attempt - 1)``); after ``max_attempts``, ``failed`` with the reason.
   A permanent refusal (SMTP 5xx) fails at once.

Across a restart: a claimed row whose worker died is taken again once its lease has run out,
so nothing is lost. The one remaining window for a duplicate is between the server accepting
the message and step 3's commit (a crash there, or the database going away): the row is sent
again after the lease. Each row keeps one ``Message-ID`` across attempts, so a receiving
server or mail client can recognise the duplicate.
"""

from __future__ import annotations

import logging
import os
import smtplib
import socket
import ssl
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr
from typing import Any, Protocol

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from issuer.models import MessageStatus, OutboundMessage

log = logging.getLogger(__name__)

TLS_MODES = ("none", "starttls", "ssl")


@dataclass(frozen=True)
class MailSettings:
    """The ``MAIL_*`` settings. ``host`` empty: no server, messages wait in the outbox."""

    host: str = ""
    port: int = 25
    tls: str = "none"  # none | starttls | ssl (implicit TLS, port 465)
    user: str = ""
    password: str = ""
    sender: str = "Linked Learning Badges <badges@localhost>"
    timeout: float = 10.0  # seconds per SMTP operation (connect, each command)
    max_attempts: int = 5
    retry_seconds: float = 60.0  # first back-off; doubles on each further failure
    lease_seconds: float = 300.0  # longer than one batch can take to send
    batch_size: int = 20

    def __post_init__(self) -> None:
        if self.tls not in TLS_MODES:
            raise ValueError(f"MAIL_TLS must be one of {', '.join(TLS_MODES)}, not {self.tls!r}")
        if self.max_attempts < 1:
            raise ValueError("MAIL_MAX_ATTEMPTS must be at least 1")

    @classmethod
    def from_config(cls, config: Any) -> MailSettings:
        return cls(
            host=str(config.get("MAIL_HOST") or ""),
            port=int(config.get("MAIL_PORT", 25)),
            tls=str(config.get("MAIL_TLS", "none")).lower(),
            user=str(config.get("MAIL_USER") or ""),
            password=str(config.get("MAIL_PASSWORD") or ""),
            sender=str(config.get("MAIL_SENDER") or cls.sender),
            timeout=float(config.get("MAIL_TIMEOUT_SECONDS", 10)),
            max_attempts=int(config.get("MAIL_MAX_ATTEMPTS", 5)),
            retry_seconds=float(config.get("MAIL_RETRY_SECONDS", 60)),
            lease_seconds=float(config.get("MAIL_LEASE_SECONDS", 300)),
            batch_size=int(config.get("MAIL_BATCH_SIZE", 20)),
        )

    def backoff(self, attempts: int) -> timedelta:
        """The wait before attempt ``attempts + 1``."""
        return timedelta(seconds=self.retry_seconds * 2 ** max(attempts - 1, 0))


def email_message(row: OutboundMessage, sender: str) -> EmailMessage:
    """The MIME message for a row: plain text, plus HTML as the alternative; UTF-8 headers
    encoded per RFC 2047 by the stdlib's ``email`` package. The Message-ID is derived from
    the row, so a resent duplicate carries the same one."""
    message = EmailMessage(policy=SMTP)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message["Subject"] = row.subject
    message["From"] = sender
    message["To"] = Address(addr_spec=row.to_address)
    message["Date"] = format_datetime(row.created_at)
    message["Message-ID"] = f"<outbox-{row.id}-{int(row.created_at.timestamp())}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    message.set_content(row.body_text)
    if row.body_html:
        message.add_alternative(row.body_html, subtype="html")
    return message


class PermanentFailure(Exception):
    """The server refused the message for good (SMTP 5xx): no point in retrying."""


class Connection(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class Transport(Protocol):
    def connect(self) -> Any:  # a context manager giving a Connection
        ...


class _SmtpConnection:
    def __init__(self, client: smtplib.SMTP) -> None:
        self.client = client

    def send(self, message: EmailMessage) -> None:
        try:
            self.client.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentFailure(_describe(exc)) from exc
        except smtplib.SMTPNotSupportedError as exc:  # e.g. a UTF-8 address, no SMTPUTF8
            raise PermanentFailure(f"The mail server cannot take this message: {exc}") from exc
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            if 500 <= exc.smtp_code < 600:
                raise PermanentFailure(_describe(exc)) from exc
            raise


@dataclass(frozen=True)
class SmtpTransport:
    """Real SMTP through the standard library's ``smtplib`` (RFC 5321), with STARTTLS or
    implicit TLS and a timeout on every operation."""

    settings: MailSettings

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        s = self.settings
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if s.tls == "ssl":
            client = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
        else:
            client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            if s.tls == "starttls":
                client.starttls(context=context)
            if s.user:
                client.login(s.user, s.password)
            yield _SmtpConnection(client)
        finally:
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                client.close()


def _describe(exc: BaseException) -> str:
    """A short reason for the admin: what failed, never a traceback."""
    if isinstance(exc, PermanentFailure):
        return str(exc)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [
            f"{code} {reply.decode(errors='replace')}" for code, reply in exc.recipients.values()
        ]
        return "The mail server refused the address: " + "; ".join(codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        reply = (
            exc.smtp_error.decode(errors="replace")
            if isinstance(exc.smtp_error, bytes)
            else exc.smtp_error
        )
        return f"The mail server answered {exc.smtp_code} {reply}"
    if isinstance(exc, smtplib.SMTPServerDisconnected) and "timed out" in str(exc):
        return "The mail server did not answer in time."  # smtplib wraps a read timeout
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return "The mail server did not answer in time."
    if isinstance(exc, ConnectionRefusedError):
        return "The mail server refused the connection (is it running?)."
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return "The mail server closed the connection."
    if isinstance(exc, OSError):
        return f"Could not reach the mail server: {exc.strerror or exc}"
    return f"{type(exc).__name__}: {exc}"


@dataclass(frozen=True)
class BatchResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def claimed(self) -> int:
        return self.sent + self.retrying + self.failed


def claim_due(
    session: Session, *, owner: str, settings: MailSettings, now: datetime
) -> list[OutboundMessage]:
    """Take up to ``batch_size`` due messages for ``owner`` (lease written, attempt counted).
    The caller commits before sending."""
    live_lease = or_(
        OutboundMessage.lease_expires_at.is_(None), OutboundMessage.lease_expires_at <= now
    )
    due = (
        select(OutboundMessage.id)
        .where(
            OutboundMessage.status == MessageStatus.QUEUED,
            OutboundMessage.next_attempt_at <= now,
            live_lease,
        )
        .order_by(OutboundMessage.next_attempt_at, OutboundMessage.id)
        .limit(settings.batch_size)
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite serialises writers anyway
    )
    claimed = []
    for message_id in session.scalars(due).all():
        result = session.execute(
            update(OutboundMessage)
            .where(
                OutboundMessage.id == message_id,
                OutboundMessage.status == MessageStatus.QUEUED,
                live_lease,
            )
            .values(
                lease_owner=owner,
                lease_expires_at=now + timedelta(seconds=settings.lease_seconds),
                attempts=OutboundMessage.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            claimed.append(message_id)
    session.flush()
    rows = [session.get(OutboundMessage, i, populate_existing=True) for i in claimed]
    return [row for row in rows if row is not None]


def record_sent(session: Session, row: OutboundMessage, *, owner: str, now: datetime) -> bool:
    """Mark ``row`` sent if ``owner`` still holds its lease (False: someone else took it)."""
    result = session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id == row.id, OutboundMessage.lease_owner == owner)
        .values(
            status=MessageStatus.SENT,
            sent_at=now,
            last_error=None,
            lease_owner=None,
            lease_expires_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def record_failure(
    session: Session,
    row: OutboundMessage,
    *,
    owner: str,
    reason: str,
    permanent: bool,
    settings: MailSettings,
    now: datetime,
) -> MessageStatus:
    """Back off and queue again, or (last attempt, or ``permanent``) mark failed."""
    final = permanent or row.attempts >= settings.max_attempts
    values: dict[str, Any] = {
        "last_error": reason[:1000],
        "lease_owner": None,
        "lease_expires_at": None,
    }
    if final:
        values["status"] = MessageStatus.FAILED
    else:
        values["next_attempt_at"] = now + settings.backoff(row.attempts)
    session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id == row.id, OutboundMessage.lease_owner == owner)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return MessageStatus.FAILED if final else MessageStatus.QUEUED


def requeue(session: Session, row: OutboundMessage, *, now: datetime) -> OutboundMessage:
    """Send ``row`` again from scratch (the admin's "resend" of a message without a link):
    a new row with the same content, so the first one's record stays as it was."""
    copy = OutboundMessage(
        kind=row.kind,
        to_address=row.to_address,
        subject=row.subject,
        body_text=row.body_text,
        body_html=row.body_html,
        status=MessageStatus.QUEUED,
        attempts=0,
        next_attempt_at=now,
        student_id=row.student_id,
        user_id=row.user_id,
        award_id=row.award_id,
        created_at=now,
    )
    session.add(copy)
    session.flush()
    return copy


def deliver_batch(
    session_factory: Callable[[], Session],
    transport: Transport,
    settings: MailSettings,
    *,
    owner: str | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> BatchResult:
    """Claim, send and record one batch; owns its transactions. Returns the counts."""
    owner = owner or new_owner()
    with session_factory() as session:
        rows = claim_due(session, owner=owner, settings=settings, now=clock())
        session.commit()
        if not rows:
            return BatchResult()
        session.expunge_all()
    outcomes: list[tuple[OutboundMessage, str | None, bool]] = []
    try:
        with transport.connect() as connection:
            for row in rows:
                try:
                    message = email_message(row, settings.sender)
                except (ValueError, TypeError, MessageError) as exc:  # e.g. CR/LF in a header
                    outcomes.append((row, f"The message could not be built: {exc}", True))
                    continue
                try:
                    connection.send(message)
                except PermanentFailure as exc:
                    outcomes.append((row, str(exc), True))
                except (smtplib.SMTPException, OSError) as exc:
                    outcomes.append((row, _describe(exc), False))
                    if isinstance(exc, (OSError, smtplib.SMTPServerDisconnected)):
                        break  # the connection is gone: the rest wait for the next batch
                else:
                    outcomes.append((row, None, False))
                    # record each success at once: a crash later in the batch resends less
                    with session_factory() as session:
                        record_sent(session, row, owner=owner, now=clock())
                        session.commit()
    except (smtplib.SMTPException, OSError) as exc:  # connect, STARTTLS or login failed
        reason = _describe(exc)
        done = {row.id for row, _, _ in outcomes}
        outcomes += [(row, reason, False) for row in rows if row.id not in done]
    done = {row.id for row, _, _ in outcomes}
    unsent = [row for row in rows if row.id not in done]  # after a broken connection
    sent = retrying = failed = 0
    with session_factory() as session:
        for row, reason, permanent in outcomes:
            if reason is None:
                sent += 1
                continue
            status = record_failure(
                session,
                row,
                owner=owner,
                reason=reason,
                permanent=permanent,
                settings=settings,
                now=clock(),
            )
            if status is MessageStatus.FAILED:
                failed += 1
            else:
                retrying += 1
        for row in unsent:  # not tried: give the lease back and the attempt too
            session.execute(
                update(OutboundMessage)
                .where(OutboundMessage.id == row.id, OutboundMessage.lease_owner == owner)
                .values(
                    lease_owner=None,
                    lease_expires_at=None,
                    attempts=OutboundMessage.attempts - 1,
                )
                .execution_options(synchronize_session=False)
            )
        session.commit()
    if retrying or failed:
        log.warning("mail delivery: %d sent, %d to retry, %d failed", sent, retrying, failed)
    return BatchResult(sent=sent, retrying=retrying, failed=failed)


def deliver_all_due(
    session_factory: Callable[[], Session],
    transport: Transport,
    settings: MailSettings,
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> BatchResult:
    """Batches until nothing is due now; the totals."""
    total = BatchResult()
    owner = new_owner()
    while True:
        result = deliver_batch(session_factory, transport, settings, owner=owner, clock=clock)
        if result.claimed == 0:
            return total
        total = BatchResult(
            total.sent + result.sent,
            total.retrying + result.retrying,
            total.failed + result.failed,
        )


def new_owner() -> str:
    """A lease owner name: host, process and a random part."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class DeliveryWorker:
    """Delivers in a background thread every ``poll_seconds`` (and when woken): the
    development default, started by the app. Production runs ``flask --app wsgi mail deliver
    --loop`` as its own process instead."""

    def __init__(
        self,
        session_factory: Callable[[], Session],
        transport: Transport,
        settings: MailSettings,
        *,
        poll_seconds: float = 5.0,
    ) -> None:
        self.session_factory, self.transport, self.settings = session_factory, transport, settings
        self.poll_seconds = poll_seconds
        self._stop, self._wake = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._run, name="mail-delivery", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                deliver_all_due(self.session_factory, self.transport, self.settings)
            except Exception:  # the database may be down: keep the thread alive, try later
                log.exception("mail delivery: batch failed")
            self._wake.wait(self.poll_seconds)
            self._wake.clear()
