"""The delivery worker killed part-way (``os._exit``, as SIGKILL would), then started again:
every message reaches the SMTP server exactly once. Real processes, a real SMTP sink."""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from issuer.models import MessageStatus, OutboundMessage
from issuer.notifications import queue_message
from issuer.notifications.sink import SmtpSink
from tests.faults.conftest import ROOT, cli_environment

DIE_AFTER = Path(__file__).with_name("mail_deliver_then_die.py")
FLASK = Path(sys.executable).with_name("flask")


@pytest.fixture
def sink():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.mark.parametrize(
    ("commits_before_death", "sent_before_death"),
    [(1, 0), (3, 2)],
    ids=["killed-after-claiming", "killed-after-two-sent"],
)
def test_a_killed_delivery_worker_loses_nothing_and_sends_nothing_twice(
    world, database_url, tmp_path, sink, commits_before_death, sent_before_death
):
    session = world.session
    for i in range(5):
        queue_message(
            session, kind="test", to=f"student{i}@example.org", subject=f"Message {i}",
            text="Hello", now=world.now,
        )  # fmt: skip
    session.commit()
    environment = {
        **cli_environment(database_url, tmp_path / "keys"),
        "BADGES_MAIL_HOST": sink.host,
        "BADGES_MAIL_PORT": str(sink.port),
        "BADGES_MAIL_LEASE_SECONDS": "1",
    }

    killed = subprocess.run(
        [sys.executable, str(DIE_AFTER), str(commits_before_death)],
        env=environment, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert killed.returncode == 137, killed.stderr
    assert len(sink.messages) == sent_before_death
    session.expire_all()
    statuses = Counter(m.status for m in session.scalars(select(OutboundMessage)))
    assert statuses[MessageStatus.SENT] == sent_before_death

    time.sleep(1.2)  # the dead worker's leases run out
    restarted = subprocess.run(
        [str(FLASK), "--app", "wsgi", "mail", "deliver"],
        env=environment, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert restarted.returncode == 0, restarted.stderr
    assert f"Sent {5 - sent_before_death}," in restarted.stdout
    received = Counter(str(m.message["Subject"]) for m in sink.messages)
    assert received == Counter(f"Message {i}" for i in range(5))  # each exactly once
    session.expire_all()
    assert {m.status for m in session.scalars(select(OutboundMessage))} == {MessageStatus.SENT}
