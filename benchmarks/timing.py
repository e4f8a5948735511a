"""Wall-clock samples for the benchmarks: the minimum and the median of repeated calls
(these machines are noisy, so every figure is reported as min / median)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def min_median(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """Seconds, min and median, of ``runs`` calls of ``fn``."""
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return min(samples), statistics.median(samples)
