"""The guard every attack test here relies on really refuses, and records, a connection."""

from __future__ import annotations

import socket

import pytest

from tests.security.conftest import NetworkAttempted


def test_a_connection_attempt_is_refused_and_recorded(no_network):
    with pytest.raises(NetworkAttempted):
        socket.create_connection(("192.0.2.1", 443), timeout=0.1)
    with pytest.raises(NetworkAttempted), socket.socket() as raw:
        raw.connect(("127.0.0.1", 9))
    with pytest.raises(NetworkAttempted):
        socket.getaddrinfo("badges.example.org", 443)
    assert [name for name, _ in no_network] == [
        "create_connection", "socket.connect", "getaddrinfo"
    ]  # fmt: skip
    no_network.clear()  # expected here; anywhere else the fixture fails the test
