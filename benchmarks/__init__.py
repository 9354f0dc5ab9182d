"""perfgate's own benchmarks: shared workloads, the pytest-benchmark suite `nox -s perf` runs,
and stand-alone measurement scripts."""
