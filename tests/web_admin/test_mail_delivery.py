"""Issue #10 item 1: the award e-mail travels over real SMTP (an aiosmtpd sink on a free
port) with its one claim link; a mail server that is down or hangs never fails or slows an
issuance; retries back off and end in "failed" with the reason; a restart loses nothing and
sends nothing twice."""

from __future__ import annotations

import re
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from issuer.models import AwardDelivery, MessageStatus, OutboundMessage, Student
from issuer.notifications.delivery import (
    DeliveryWorker,
    MailSettings,
    SmtpTransport,
    claim_due,
    deliver_batch,
    email_message,
)
from issuer.services import badges, criteria, students
from tests.web_admin.data import BADGE, CRITERIA, LINCOLN

URL = re.compile(r"https?://\S+")


def _ready_student(app: Any, name: str, email: str) -> int:
    """A Lincoln student who has met every criterion."""
    with app.app_context():
        session = app.extensions["sqlalchemy_sessionmaker"]()
        now = datetime.now(UTC)
        from issuer.models import Pathway

        pathway = session.scalar(select(Pathway).where(Pathway.slug == "lincoln-health"))
        student = students.create_student(
            session,
            pathway=pathway,
            name=name,
            email=email,
            graduation_year=2027,
            name_display_consent=True,
            actor=None,
            now=now,
        )
        badge = badges.find_badge(session, BADGE)
        for key in CRITERIA:
            criteria.record_result(
                session,
                student=student,
                badge=badge,
                criterion_key=key,
                met=True,
                actor=None,
                now=now,
            )
        session.commit()
        student_id = student.id
        session.close()
        return student_id


def _issue(web: Any, student_id: int, token: str = "t" * 32) -> Any:
    return web.post(
        f"/admin/pathways/lincoln-health/students/{student_id}/issue",
        {"badge": BADGE, "issue_token": token},
    )


@pytest.mark.parametrize(
    ("name", "email"),
    [
        ("José Ñúñez", "jose.nunez@students.example.org"),
        ("李小龍", "li.xiaolong@students.example.org"),
    ],
)
def test_issued_badge_arrives_over_smtp_with_one_claim_link_that_signs_the_student_in(
    app, web, db, deliver, smtp_sink, name, email
):
    student_id = _ready_student(app, name, email)
    web.login(LINCOLN)
    assert _issue(web, student_id).status_code == 302

    assert deliver().sent == 2  # this award's e-mail, and Maria's from the network
    [received] = [m for m in smtp_sink.messages if email in m.envelope_to]
    message = received.message
    assert "Health Care Industry Badge" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert f"Hello {name}," in text and f"Hello {name}," in html  # UTF-8 intact, both parts
    assert "Lincoln High Health Academy" in text
    assert "Internship placement preference" in text  # what it unlocks
    links = URL.findall(text)
    assert len(links) == 1 and "/my/claim/" in links[0]  # one link: the claim link
    assert "<img" not in html  # no tracking pixels, no remote content
    assert html.count('href="') == 1

    student_device = app.test_client()
    path = links[0].removeprefix("https://badges.example.org")
    page = student_device.get(path)
    assert page.status_code == 200 and "Claim my badge" in page.get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    claimed = student_device.post(path, data={"csrf_token": csrf})
    assert claimed.status_code == 302 and claimed.location.endswith("/my/badges")
    badges_page = student_device.get("/my/badges").get_data(as_text=True)
    assert name in badges_page and "Health Care Industry Badge" in badges_page

    db.expire_all()
    award_id = db.scalar(
        select(OutboundMessage.award_id).where(OutboundMessage.student_id == student_id)
    )
    assert db.get(AwardDelivery, award_id).claimed_at is not None
    admin_page = web.get(f"/admin/pathways/lincoln-health/students/{student_id}")
    body = admin_page.get_data(as_text=True)
    assert "E-mail sent" in body and "Claimed" in body and "/badges/" in body


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # nothing listens once the probe closes


class HangingServer:
    """Accepts connections and never says a word (not even the SMTP greeting)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(connection)

    def close(self) -> None:
        self.sock.close()
        for connection in self.held:
            connection.close()


@pytest.mark.parametrize("server", ["down", "hanging"])
def test_a_down_or_hanging_mail_server_neither_fails_nor_slows_issuance(
    app, web, db, deliver, server
):
    hanging = HangingServer() if server == "hanging" else None
    port = hanging.port if hanging else _closed_port()
    settings = MailSettings(
        host="127.0.0.1", port=port, timeout=0.5, retry_seconds=0.01, max_attempts=3
    )
    worker = DeliveryWorker(
        app.extensions["sqlalchemy_sessionmaker"],
        SmtpTransport(settings),
        settings,
        poll_seconds=0.05,
    )
    worker.start()  # the development thread, delivering while the admin issues
    try:
        web.login(LINCOLN)
        student_ids = [
            _ready_student(app, f"Student {i}", f"student{i}@students.example.org")
            for i in range(3)
        ]
        started = time.monotonic()
        for i, student_id in enumerate(student_ids):
            assert _issue(web, student_id, token=f"{i}" * 32).status_code == 302
        assert time.monotonic() - started < 3 * 1.5  # well under the SMTP timeouts stacked up
    finally:
        worker.stop()

    # Keep delivering with the clock moved past each back-off until every try is used.
    clock = [datetime.now(UTC)]
    for _ in range(6):
        clock[0] += timedelta(hours=1)
        deliver(clock=lambda: clock[0], host="127.0.0.1", port=port, timeout=0.5, max_attempts=3)
    if hanging:
        hanging.close()
    db.expire_all()
    rows = db.scalars(
        select(OutboundMessage).where(OutboundMessage.student_id.in_(student_ids))
    ).all()
    assert len(rows) == 3
    reason = "did not answer in time" if hanging else "refused the connection"
    for row in rows:
        assert row.status is MessageStatus.FAILED and row.attempts == 3
        assert reason in row.last_error
    page = web.get(f"/admin/pathways/lincoln-health/students/{student_ids[0]}")
    body = page.get_data(as_text=True)
    assert "E-mail failed" in body and reason in body and "Resend" in body


def test_failed_attempts_back_off_exponentially(app, web, db, deliver):
    student_id = _ready_student(app, "Back Off", "back.off@students.example.org")
    web.login(LINCOLN)
    _issue(web, student_id)
    port = _closed_port()
    start = datetime.now(UTC)
    deliver(clock=lambda: start, host="127.0.0.1", port=port, retry_seconds=60)
    db.expire_all()
    row = db.scalar(select(OutboundMessage).where(OutboundMessage.student_id == student_id))
    assert row.status is MessageStatus.QUEUED and row.attempts == 1
    assert row.next_attempt_at - start == timedelta(seconds=60)
    # not due yet: nothing is tried
    assert (
        deliver(clock=lambda: start + timedelta(seconds=59), host="127.0.0.1", port=port).claimed
        == 0
    )
    second = start + timedelta(seconds=60)
    deliver(clock=lambda: second, host="127.0.0.1", port=port, retry_seconds=60)
    db.expire_all()
    row = db.get(OutboundMessage, row.id)
    assert row.attempts == 2 and row.next_attempt_at - second == timedelta(seconds=120)


def test_resend_queues_the_award_email_again_with_a_new_claim_link(
    app, web, db, deliver, smtp_sink
):
    student_id = _ready_student(app, "Resend Me", "resend.me@students.example.org")
    web.login(LINCOLN)
    _issue(web, student_id)
    deliver()
    award_id = db.scalar(
        select(OutboundMessage.award_id).where(OutboundMessage.student_id == student_id)
    )
    assert web.post(f"/admin/awards/{award_id}/resend").status_code == 302
    deliver()
    texts = [
        m.message.get_body(("plain",)).get_content()
        for m in smtp_sink.messages
        if "resend.me@students.example.org" in m.envelope_to
    ]
    assert len(texts) == 2
    first, second = (URL.findall(t)[0] for t in texts)
    assert first != second  # a fresh single-use link


def _queue(app: Any, count: int) -> list[int]:
    from issuer.notifications import queue_message

    with app.app_context():
        session = app.extensions["sqlalchemy_sessionmaker"]()
        ids = [
            queue_message(
                session, kind="test", to=f"r{i}@example.org", subject=f"Message {i}", text="Hi"
            ).id
            for i in range(count)
        ]
        session.commit()
        session.close()
    return ids


def test_a_worker_that_dies_after_claiming_loses_nothing_and_nothing_is_sent_twice(
    app, db, smtp_sink
):
    ids = _queue(app, 3)
    factory = app.extensions["sqlalchemy_sessionmaker"]
    settings = MailSettings(host=smtp_sink.host, port=smtp_sink.port, lease_seconds=300)
    now = datetime.now(UTC)

    with factory() as session:  # worker A claims the batch, commits its lease, then dies
        assert len(claim_due(session, owner="worker-a", settings=settings, now=now)) == 3
        session.commit()

    restarted = SmtpTransport(settings)
    early = deliver_batch(factory, restarted, settings, owner="worker-b", clock=lambda: now)
    assert early.claimed == 0  # A's leases still hold: B does not double-send
    late = now + timedelta(seconds=301)
    result = deliver_batch(factory, restarted, settings, owner="worker-b", clock=lambda: late)
    assert result.sent == 3
    again = deliver_batch(
        factory, restarted, settings, owner="worker-c", clock=lambda: late + timedelta(days=1)
    )
    assert again.claimed == 0  # sent rows are never taken again

    subjects = sorted(str(m.message["Subject"]) for m in smtp_sink.messages)
    assert subjects == ["Message 0", "Message 1", "Message 2"]  # each exactly once
    db.expire_all()
    assert {db.get(OutboundMessage, i).status for i in ids} == {MessageStatus.SENT}


def test_a_late_worker_cannot_record_over_a_message_someone_else_took(app, db, smtp_sink):
    """Worker A's lease ran out while it was stuck; B took and sent the message. A's late
    outcome is not recorded over B's."""
    from issuer.notifications.delivery import record_failure

    [message_id] = _queue(app, 1)
    factory = app.extensions["sqlalchemy_sessionmaker"]
    settings = MailSettings(host=smtp_sink.host, port=smtp_sink.port, lease_seconds=10)
    now = datetime.now(UTC)
    with factory() as session:
        [stuck] = claim_due(session, owner="worker-a", settings=settings, now=now)
        session.commit()
    later = now + timedelta(seconds=11)
    assert (
        deliver_batch(
            factory, SmtpTransport(settings), settings, owner="b", clock=lambda: later
        ).sent
        == 1
    )
    with factory() as session:
        record_failure(
            session,
            stuck,
            owner="worker-a",
            reason="late",
            permanent=True,
            settings=settings,
            now=later,
        )
        session.commit()
    db.expire_all()
    row = db.get(OutboundMessage, message_id)
    assert row.status is MessageStatus.SENT and row.last_error is None


def test_a_resent_duplicate_keeps_its_message_id(app, db):
    """The remaining window (the server accepted, the worker died before recording "sent")
    resends the row: it carries the same Message-ID, so mail software can drop the copy."""
    [message_id] = _queue(app, 1)
    row = db.get(OutboundMessage, message_id)
    first = email_message(row, "Badges <badges@example.org>")
    row.attempts += 1
    second = email_message(row, "Badges <badges@example.org>")
    assert first["Message-ID"] == second["Message-ID"]
    assert first["Message-ID"].endswith("@example.org>")


def test_revocation_sends_its_own_short_message(app, web, db, deliver, smtp_sink):
    web.login("admin@oakland.example.org")
    award_id = web.net.award_ids["Maria Lopez"]
    response = web.post(
        f"/admin/awards/{award_id}/revoke", {"reason": "Card expired before issue."}
    )
    assert response.status_code == 302
    deliver()
    [revoked] = [m for m in smtp_sink.messages if "revoked" in str(m.message["Subject"])]
    text = revoked.message.get_body(("plain",)).get_content()
    assert "Card expired before issue." in text and not URL.findall(text)


def test_expiring_sweep_tells_each_student_once(app, web, db):
    """``flask mail expiring`` queues one "expires on …" message per award ending within 30
    days, however often it runs; awards ending later are left alone."""
    from issuer.models import Award

    award = db.get(Award, web.net.award_ids["Maria Lopez"])
    award.valid_until = datetime.now(UTC) + timedelta(days=10)
    db.commit()
    runner = app.test_cli_runner()
    assert "Queued 1" in runner.invoke(args=["mail", "expiring"]).output
    assert "Queued 0" in runner.invoke(args=["mail", "expiring"]).output
    db.expire_all()
    [message] = db.scalars(
        select(OutboundMessage).where(OutboundMessage.kind == "award.expiring")
    ).all()
    assert message.award_id == award.id and "expires on" in message.subject
    assert f"{award.valid_until:%B %Y}" in message.subject  # a plain-language date


def test_mail_settings_refuse_an_unknown_tls_mode():
    with pytest.raises(ValueError, match="MAIL_TLS"):
        MailSettings(tls="maybe")


def test_dev_outbox_shows_the_message_and_is_refused_in_production(
    app, web, db, database_url, tmp_path
):
    student = db.scalar(select(Student).where(Student.name == "Maria Lopez"))
    page = web.get("/dev/outbox")
    assert page.status_code == 200 and "You earned the Health Care Industry Badge" in page.get_data(
        as_text=True
    )
    message_id = db.scalar(
        select(OutboundMessage.id).where(OutboundMessage.student_id == student.id)
    )
    one = web.get(f"/dev/outbox/{message_id}").get_data(as_text=True)
    assert "Hello Maria Lopez," in one
    html = web.get(f"/dev/outbox/{message_id}.html")
    assert html.headers["Content-Security-Policy"].startswith("default-src 'none'")

    from wsgi import create_app

    production = create_app(
        {
            "ENV_NAME": "production",
            "DATABASE_URL": database_url,
            "SECRET_KEY": "x" * 40,
            "KEY_PASSPHRASE": "y" * 20,
            "KEYS_DIR": str(tmp_path / "prod-keys"),
            "LOAD_BADGES_ON_START": False,
        }
    )
    assert production.test_client().get("/dev/outbox").status_code == 404


def test_the_development_thread_delivers_without_anyone_running_a_command(app, web, db, smtp_sink):
    """With MAIL_DELIVERY_THREAD on (the development default) the app starts the worker on
    its first request; a sign-in link asked for on the site arrives by itself."""
    app.config.update(
        MAIL_DELIVERY_THREAD=True,
        MAIL_HOST=smtp_sink.host,
        MAIL_PORT=smtp_sink.port,
        MAIL_POLL_SECONDS=0.2,
    )
    try:
        page = web.get("/my/sign-in")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
        email = web.net.student_emails["Ana Chen"]
        web.client.post("/my/sign-in", data={"csrf_token": csrf.group(1), "email": email})
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not any(
            email in m.envelope_to for m in smtp_sink.messages
        ):
            time.sleep(0.1)
        assert any(email in m.envelope_to for m in smtp_sink.messages)
    finally:
        worker = app.extensions.get("mail_delivery_worker")
        if worker is not None:
            worker.stop()


def test_a_message_that_cannot_be_built_fails_at_once_and_injects_no_header(
    app, db, smtp_sink, deliver
):
    """An address carrying CR/LF (a header-injection attempt) is never sent: the message
    fails with the reason on the first try, and the rest of the batch still goes out."""
    from issuer.notifications import queue_message

    with app.app_context():
        session = app.extensions["sqlalchemy_sessionmaker"]()
        bad = queue_message(
            session, kind="test", to="victim@example.org\r\nBcc: all@example.org",
            subject="Hi", text="x",
        ).id  # fmt: skip
        good = queue_message(session, kind="test", to="ok@example.org", subject="Ok", text="x").id
        session.commit()
        session.close()
    result = deliver()
    assert (result.sent, result.failed) == (1, 1)
    db.expire_all()
    row = db.get(OutboundMessage, bad)
    assert row.status is MessageStatus.FAILED and row.attempts == 1
    assert "could not be built" in row.last_error
    assert db.get(OutboundMessage, good).status is MessageStatus.SENT
    assert [m.envelope_to for m in smtp_sink.messages] == [["ok@example.org"]]
