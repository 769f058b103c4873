"""Make pyld's module-level context caches safe to share between threads.

pyld 3.3 keeps resolved contexts and inverse contexts in two ``cachetools.LRUCache`` objects
at module level, and each cached ``ResolvedContext`` holds one more. LRUCache is not thread-safe: ``get`` checks ``key in cache`` and then reads
it, so another thread's eviction in between raises ``KeyError`` (the key is a context's
``_uuid``), and two evictions at once raise "OrderedDict mutated during iteration", out of the
middle of expansion or compaction. A threaded server verifying several
credentials at once hit exactly that. The caches (and the class ResolvedContext
builds its cache from) are swapped for the same LRU behind a lock before any processing; pyld
reads these module attributes at call time.
"""

from __future__ import annotations

import threading
from typing import Any

from cachetools import LRUCache
from pyld import jsonld, resolved_context


class LockedLRUCache(LRUCache):
    """An LRUCache whose every read and write holds one re-entrant lock."""

    def __init__(self, maxsize: int) -> None:
        super().__init__(maxsize)
        self._lock = threading.RLock()

    def __getitem__(self, key: Any) -> Any:
        with self._lock:
            return super().__getitem__(key)

    def __setitem__(self, key: Any, value: Any) -> None:
        with self._lock:
            super().__setitem__(key, value)

    def __delitem__(self, key: Any) -> None:
        with self._lock:
            super().__delitem__(key)

    def __contains__(self, key: Any) -> bool:
        with self._lock:
            return super().__contains__(key)

    def get(self, key: Any, default: Any = None) -> Any:
        with self._lock:
            return super().get(key, default)

    def pop(self, key: Any, *default: Any) -> Any:
        with self._lock:
            return super().pop(key, *default)

    def setdefault(self, key: Any, default: Any = None) -> Any:
        with self._lock:
            return super().setdefault(key, default)


def install() -> None:
    """Replace pyld's shared caches (idempotent); runs when ``schemas`` is first imported."""
    if not isinstance(jsonld._resolved_context_cache, LockedLRUCache):
        jsonld._resolved_context_cache = LockedLRUCache(jsonld.RESOLVED_CONTEXT_CACHE_MAX_SIZE)
    if not isinstance(jsonld._inverse_context_cache, LockedLRUCache):
        jsonld._inverse_context_cache = LockedLRUCache(jsonld.INVERSE_CONTEXT_CACHE_MAX_SIZE)
    # Each cached ResolvedContext keeps its own LRU of processed contexts, shared as well.
    resolved_context.LRUCache = LockedLRUCache


install()
