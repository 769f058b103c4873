"""Work budgets count the thread's own work, not the garbage collector's pauses."""

import gc
import time

from schemas.cpu_time import work_time


def test_a_full_collection_is_not_counted_as_work():
    cycles = []
    for _ in range(300_000):  # a large heap of reference cycles, for the collector to walk
        node: list = []
        node.append(node)
        cycles.append(node)
    del cycles
    started_work, started_cpu = work_time(), time.thread_time()
    gc.collect()
    spent_cpu = time.thread_time() - started_cpu
    assert spent_cpu > 0.005  # the collection did take CPU time in this thread
    assert work_time() - started_work < spent_cpu / 5  # none of it counted as work
