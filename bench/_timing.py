"""A reusable throughput measurement for the hand-run benchmarks in this folder."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Sequence
from typing import Any


def measure(fn: Callable[[Any], Any], items: Sequence[Any], seconds: float = 2.0) -> float:
    """Calls per second of ``fn`` cycling over ``items`` for about ``seconds`` (at least once
    over every item), after one warm-up call; garbage collection is left on, as in service."""
    if not items:
        raise ValueError("measure() needs at least one item")
    fn(items[0])
    gc.collect()
    calls = 0
    started = time.perf_counter()
    deadline = started + seconds
    while True:
        for item in items:
            fn(item)
        calls += len(items)
        now = time.perf_counter()
        if now >= deadline:
            return calls / (now - started)


def report(name: str, baseline: float, candidate: float, unit: str = "/s") -> str:
    """One line: both rates and the ratio candidate / baseline."""
    return f"{name:<44} {baseline:9.1f}{unit} {candidate:9.1f}{unit}   x{candidate / baseline:5.1f}"
