"""Timing helpers shared by the benchmark scripts (run as scripts, this folder is on sys.path)."""

from __future__ import annotations

import math
import time

import numpy as np


def rate(step, units_per_call: int, seconds: float, sync=None) -> float:
    """Units per second of ``step()``: the fastest of the short chunks in a window of ``seconds``.

    On a shared machine a long window mostly measures how often other processes
    preempt this one; the fastest chunk of about a millisecond (``timeit``'s
    "take the minimum") is the uncontended cost, and it is measured the same way
    for every variant. Chunks grow until one takes at least 1 ms. ``sync()``, if
    given, runs at the end of each chunk (e.g. ``torch.cuda.synchronize``), so
    asynchronous devices are timed to completion.
    """
    sync = sync or (lambda: None)
    chunk = 1
    while True:
        start = time.perf_counter()
        for _ in range(chunk):
            step()
        sync()
        if time.perf_counter() - start >= 1e-3:
            break
        chunk *= 2
    best, window_start = math.inf, time.perf_counter()
    while time.perf_counter() - window_start < seconds:
        start = time.perf_counter()
        for _ in range(chunk):
            step()
        sync()
        best = min(best, time.perf_counter() - start)
    return chunk * units_per_call / best


def summary(values) -> dict[str, float]:
    """min/median/max of ``values``, to 4 significant digits (the benchmarks' JSON)."""
    values = np.asarray(values, dtype=np.float64)
    return {
        "min": float(f"{values.min():.4g}"),
        "median": float(f"{np.median(values):.4g}"),
        "max": float(f"{values.max():.4g}"),
    }
