"""A reusable throughput measurement for the hand-run benchmarks in this folder.

Rates are calls per second of this process's CPU time (``time.process_time``), so other work
on the machine (a shared CI box, other engineers' test runs) does not skew a ratio measured in
the same run; for a single-threaded CPU-bound call that is also its wall-clock rate on an idle
machine.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Sequence
from typing import Any


def measure(fn: Callable[[Any], Any], items: Sequence[Any], seconds: float = 2.0) -> float:
    """Calls per CPU-second of ``fn`` cycling over ``items`` for about ``seconds`` of CPU time
    (at least once over every item), after one warm-up call."""
    if not items:
        raise ValueError("measure() needs at least one item")
    fn(items[0])
    gc.collect()
    calls = 0
    started = time.process_time()
    while True:
        for item in items:
            fn(item)
        calls += len(items)
        spent = time.process_time() - started
        if spent >= seconds:
            return calls / spent


def compare(
    baseline: Callable[[Any], Any],
    candidate: Callable[[Any], Any],
    items: Sequence[Any],
    seconds: float = 2.0,
    rounds: int = 3,
) -> tuple[float, float]:
    """Best rates of ``baseline`` and ``candidate`` over interleaved rounds on the same items."""
    best_baseline = best_candidate = 0.0
    for _ in range(rounds):
        best_baseline = max(best_baseline, measure(baseline, items, seconds / rounds))
        best_candidate = max(best_candidate, measure(candidate, items, seconds / rounds))
    return best_baseline, best_candidate


def report(name: str, baseline: float, candidate: float, unit: str = "/s") -> str:
    """One line: both rates and the ratio candidate / baseline."""
    return f"{name:<48} {baseline:8.1f}{unit} {candidate:8.1f}{unit}   x{candidate / baseline:5.1f}"
