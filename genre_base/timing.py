"""The one way benchmarks time a call: the median of ``runs`` calls after one warm-up."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_seconds(fn: Callable[[], object], runs: int) -> float:
    """Median wall seconds of ``fn()`` over ``runs`` calls, after one warm-up call (first calls
    allocate and pick kernels). On CUDA, ``fn`` must synchronise itself."""
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
