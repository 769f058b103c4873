"""Attack tests, one module per hardening class. Every test here runs with the network
forbidden: any connection attempt (or DNS lookup) is recorded, refused, and fails the test,
so an attack can never be "handled" by quietly fetching something."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from tests.verifier.conftest import (  # noqa: F401 - fixtures for the modules here
    context,
    key_store,
    revoked_indexes,
    signer,
    status_list,
)
from verifier.report import VerificationReport


class NetworkAttempted(ConnectionRefusedError):
    """Raised instead of connecting; the test fails at teardown even if the code caught it."""


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    attempts: list[tuple[str, Any]] = []

    def refuse(name: str):
        def attempt(*args: Any, **kwargs: Any) -> Any:
            attempts.append((name, args[1:] if name.startswith("socket.") else args))
            raise NetworkAttempted(f"tests/security forbid the network ({name})")

        return attempt

    monkeypatch.setattr(socket.socket, "connect", refuse("socket.connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("socket.connect_ex"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    yield attempts
    assert attempts == [], f"outbound connection attempted: {attempts}"


def failed(report: VerificationReport) -> dict[str, str]:
    """The failed checks of a report, by id."""
    return {check.id: check.message for check in report.checks if check.status == "failed"}
