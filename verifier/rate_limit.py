"""Counting attempts per key in a time window: in this process, or shared through Redis.

One server process can keep its counts in memory; with several processes or hosts the counts
must be shared or each process would allow the full limit. ``store_from_url`` picks the store
from configuration: ``memory://`` or ``redis://host:port/db``.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol


class AttemptStore(Protocol):
    def hit(self, key: str, window_seconds: float, weight: int = 1) -> int:
        """Count ``weight`` attempts for ``key``; return the attempts within the window."""

    def count(self, key: str, window_seconds: float) -> int:
        """The attempts for ``key`` within the window."""

    def reset(self, key: str) -> None:
        """Forget ``key`` (after a successful sign-in)."""

    def marks(self, name: str) -> Marks:
        """Keys marked for a while (:class:`Marks`), kept where this store keeps its counts."""


class Marks(Protocol):
    def mark(self, key: str, seconds: float) -> None:
        """Mark ``key`` for the next ``seconds``."""

    def remaining(self, key: str) -> float:
        """Seconds ``key`` stays marked (0.0: not marked)."""


@dataclass
class MemoryAttemptStore:
    """Attempt times per key (a sliding window), in this process's memory, bounded in size.

    Each key keeps a queue of (time, weight) and their running sum, so counting a hit is
    constant time however hard one key is hammered (a flood of refused requests must stay
    cheap to refuse).
    """

    clock: Callable[[], float] = time.monotonic
    max_keys: int = 10_000
    _attempts: dict[str, tuple[deque[tuple[float, int]], list[int]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _recent(self, key: str, now: float, window_seconds: float):
        entry = self._attempts.get(key)
        if entry is None:
            return None
        times, total = entry
        while times and now - times[0][0] >= window_seconds:
            total[0] -= times.popleft()[1]
        return entry

    def hit(self, key: str, window_seconds: float, weight: int = 1) -> int:
        now = self.clock()
        with self._lock:
            entry = self._recent(key, now, window_seconds)
            if entry is None:
                entry = self._attempts[key] = (deque(), [0])
            times, total = entry
            times.append((now, max(1, weight)))
            total[0] += max(1, weight)
            if len(self._attempts) > self.max_keys:  # many keys tried: forget stale ones
                self._attempts = {
                    k: e for k, e in self._attempts.items() if now - e[0][-1][0] < window_seconds
                }
            return total[0]

    def count(self, key: str, window_seconds: float) -> int:
        now = self.clock()
        with self._lock:
            entry = self._recent(key, now, window_seconds)
            return 0 if entry is None else entry[1][0]

    def reset(self, key: str) -> None:
        with self._lock:
            self._attempts.pop(key, None)

    def marks(self, name: str) -> MarkedKeys:
        """Marks in this process's memory (``name`` is only for the shared stores)."""
        return MarkedKeys(clock=self.clock)


class RedisAttemptStore:
    """Fixed windows on Redis ``INCR`` + ``EXPIRE``, shared by every process using the server."""

    def __init__(
        self, client: Any, prefix: str = "badges:rate:", clock: Callable[[], float] = time.time
    ):
        self._client = client
        self._prefix = prefix
        self._clock = clock

    def _bucket(self, key: str, window_seconds: float) -> str:
        return f"{self._prefix}{key}:{int(self._clock() // window_seconds)}"

    def hit(self, key: str, window_seconds: float, weight: int = 1) -> int:
        bucket = self._bucket(key, window_seconds)
        pipeline = self._client.pipeline()
        pipeline.incrby(bucket, max(1, weight))
        pipeline.expire(bucket, int(window_seconds) + 1)
        count, _ = pipeline.execute()
        return int(count)

    def count(self, key: str, window_seconds: float) -> int:
        return int(self._client.get(self._bucket(key, window_seconds)) or 0)

    def reset(self, key: str) -> None:
        for bucket in self._client.scan_iter(f"{self._prefix}{key}:*", count=100):
            self._client.delete(bucket)

    def marks(self, name: str) -> RedisMarkedKeys:
        """Marks in the same Redis server, under ``<prefix>mark:<name>:``."""
        return RedisMarkedKeys(self._client, f"{self._prefix}mark:{name}:")


class RedisMarkedKeys:
    """Keys marked until a time, in Redis (``SET … PX`` and ``PTTL``), seen by every process
    using the server: a client one web worker marked is marked in all of them."""

    def __init__(self, client: Any, prefix: str) -> None:
        self._client = client
        self._prefix = prefix

    def mark(self, key: str, seconds: float) -> None:
        """Mark ``key`` for the next ``seconds`` (at least a millisecond)."""
        self._client.set(self._prefix + key, 1, px=max(1, int(seconds * 1000)))

    def remaining(self, key: str) -> float:
        """Seconds ``key`` stays marked (0.0: not marked; Redis answers -2 for no key)."""
        milliseconds = int(self._client.pttl(self._prefix + key))
        return milliseconds / 1000 if milliseconds > 0 else 0.0


def store_from_url(url: str) -> AttemptStore:
    """``memory://`` (one process) or ``redis://host:port/db`` (shared)."""
    if url in ("", "memory://"):
        return MemoryAttemptStore()
    if url.startswith(("redis://", "rediss://", "unix://")):
        import redis  # only deployments that share counts need the client

        return RedisAttemptStore(
            redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        )
    raise ValueError(f"RATE_LIMIT_STORAGE_URL must be memory:// or redis://…, not {url!r}")


@dataclass
class RateLimit:
    """At most ``limit`` hits per ``window_seconds`` for one key."""

    store: AttemptStore
    limit: int
    window_seconds: float

    def exceeded(self, key: str) -> bool:
        """Count this attempt; True when it is over the limit."""
        return self.store.hit(key, self.window_seconds) > self.limit

    def charge(self, key: str, extra: int) -> None:
        """Count ``extra`` more attempts for ``key`` (what an expensive request cost beyond
        the one attempt :meth:`exceeded` counted)."""
        if extra > 0:
            self.store.hit(key, self.window_seconds, weight=extra)


class ConcurrencyLimit:
    """At most ``per_client`` requests of one client, and ``total`` in all, at the same time,
    in this process (what runs at once is a property of one process).

    :meth:`enter` never waits: a request over either bound is refused at once, so one
    client's pile of expensive requests neither queues in front of others nor holds workers.
    """

    def __init__(self, per_client: int, total: int) -> None:
        if per_client < 1 or total < per_client:
            raise ValueError("need 1 <= per_client <= total")
        self.per_client = per_client
        self.total = total
        self._running: dict[str, int] = {}
        self._all = 0
        self._lock = threading.Lock()

    def enter(self, client: str) -> str | None:
        """Admit one request of ``client``: None, or why not ("client" or "total")."""
        with self._lock:
            if self._running.get(client, 0) >= self.per_client:
                return "client"
            if self._all >= self.total:
                return "total"
            self._running[client] = self._running.get(client, 0) + 1
            self._all += 1
            return None

    def leave(self, client: str) -> None:
        """The admitted request of ``client`` has finished."""
        with self._lock:
            left = self._running.get(client, 0) - 1
            if left > 0:
                self._running[client] = left
            else:
                self._running.pop(client, None)
            self._all = max(0, self._all - 1)

    def running(self, client: str | None = None) -> int:
        with self._lock:
            return self._all if client is None else self._running.get(client, 0)


class MarkedKeys:
    """Keys marked until a time, in this process's memory (at most ``max_keys``; expired marks
    go first when it is full, and a mark that finds no room is dropped).

    The verifier keeps two: clients refused by the rate limit until their ``Retry-After``
    (the penalty box, answered before any application work) and clients whose recent
    verifications were costly (sent to the quarantine lane).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic, max_keys: int = 10_000) -> None:
        self._clock = clock
        self._max_keys = max_keys
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()

    def mark(self, key: str, seconds: float) -> None:
        """Mark ``key`` for the next ``seconds``."""
        now = self._clock()
        with self._lock:
            if len(self._until) >= self._max_keys:
                self._until = {k: t for k, t in self._until.items() if t > now}
                if len(self._until) >= self._max_keys:
                    return
            self._until[key] = now + seconds

    def remaining(self, key: str) -> float:
        """Seconds ``key`` stays marked (0.0: not marked)."""
        until = self._until.get(key)
        if until is None:
            return 0.0
        left = until - self._clock()
        if left <= 0:
            with self._lock:
                if self._until.get(key) == until:
                    del self._until[key]
            return 0.0
        return left
