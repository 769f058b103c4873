"""The calling thread's CPU time less what the garbage collector spent in it (seconds).

Work budgets (:mod:`schemas.work_budget`, :mod:`schemas._canon_budget`) count the CPU time a
request's own work takes. A full collection of a large heap can take a good part of a second
and runs in whichever thread happens to allocate at that moment: counted, it would refuse a
legitimate credential as "too complex" at random. ``gc.callbacks`` time each collection in the
thread that runs it, and :func:`work_time` leaves that out.
"""

from __future__ import annotations

import gc
import threading
import time
from typing import Any

_thread = threading.local()


def _time_collections(phase: str, _info: dict[str, Any]) -> None:
    if phase == "start":
        _thread.started = time.thread_time()
    elif (started := getattr(_thread, "started", None)) is not None:
        _thread.collected = getattr(_thread, "collected", 0.0) + time.thread_time() - started
        _thread.started = None


gc.callbacks.append(_time_collections)


def work_time() -> float:
    """CPU seconds of the calling thread so far, garbage collections excluded (a clock for
    differences only, like ``time.thread_time``)."""
    return time.thread_time() - getattr(_thread, "collected", 0.0)
