"""A local SMTP sink for development and tests: a real SMTP server (aiosmtpd) on
127.0.0.1 that keeps what it receives in memory instead of delivering it.

``flask --app wsgi demo run`` starts one so the demo's e-mails really travel over SMTP; the
tests read messages back from it. It never relays anything anywhere.
"""

from __future__ import annotations

import email
import socket
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Received:
    envelope_from: str
    envelope_to: list[str]
    message: EmailMessage


@dataclass
class _Handler:
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.original_content, policy=default)
        with self.lock:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), parsed)  # type: ignore[arg-type]
            )
        return "250 Message accepted for delivery"


class SmtpSink:
    """Start with :meth:`start`, read :attr:`messages`, stop with :meth:`stop`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._handler = _Handler()
        self._controller = Controller(
            self._handler, hostname=host, port=port or _free_port(host), enable_SMTPUTF8=True
        )
        self.host = host
        self.port = self._controller.port

    def start(self) -> SmtpSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    @property
    def messages(self) -> list[Received]:
        with self._handler.lock:
            return list(self._handler.received)

    def clear(self) -> None:
        with self._handler.lock:
            self._handler.received.clear()


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])
