"""The calibration workload: a fixed piece of pure-Python work whose CPU time says how fast
this machine runs Python, measured in every round beside the benchmarks and once where the
budgets were set (``perfgate budgets calibrate``). Budgets are then judged on values scaled by
reference / measured: a machine twice as slow doubles both, and the budget holds.

Standard library only: perfgate's pytest plugin imports it inside a side's environment, where
perfgate is not installed. Changing the workload changes every measurement: bump VERSION, and a
reference of another version is refused.
"""

from __future__ import annotations

import statistics
import time

VERSION = 1
CALLS = 25  # the median of 25 calls of about 1-2 ms: 50 ms a round


def _work() -> int:
    total = 0
    table: dict[int, int] = {}
    for i in range(4000):
        total += (i * i) % 7
        table[i % 97] = total
    return sum(sorted(table.values())) + total


def calibration_seconds(calls: int = CALLS) -> float:
    """The median CPU time (s) of one call of the workload in this process."""
    _work()  # warm-up
    times = []
    for _ in range(calls):
        began = time.process_time()
        _work()
        times.append(time.process_time() - began)
    return statistics.median(times)
