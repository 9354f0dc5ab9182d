"""perfgate.monitor: measurements, counters, budgets at run time, memory, threads, the no-op
mode, and export to a file that `perfgate check` judges."""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path

import pytest

from perfgate import monitor
from perfgate.monitor import BudgetEvent, Monitor, budget_status
from tests.helpers import run_cli, write_config


def test_measure_and_timed_record_every_call() -> None:
    m = Monitor(enabled=True)
    for _ in range(5):
        with m.measure("sleep"):
            time.sleep(0.002)

    @m.timed
    def square(x: int) -> int:
        return x * x

    @m.timed("named")
    def cube(x: int) -> int:
        return x * x * x

    assert [square(3), cube(2)] == [9, 8]
    stats = m.summary()
    assert stats["sleep"].count == 5
    assert stats["sleep"].p50 >= 0.002
    assert stats["sleep"].p50 <= stats["sleep"].p95 <= stats["sleep"].max
    assert stats["sleep"].total == pytest.approx(5 * stats["sleep"].mean)
    assert stats[f"{__name__}.test_measure_and_timed_record_every_call.<locals>.square"].count == 1
    assert stats["named"].count == 1
    assert stats["sleep"].rss_delta_max is None  # memory not sampled


def test_an_exception_is_recorded_and_re_raised() -> None:
    m = Monitor(enabled=True)
    with pytest.raises(KeyError), m.measure("lookup"):
        raise KeyError("x")
    with m.measure("lookup"):
        pass
    assert m.summary()["lookup"].count == 2
    assert m.summary()["lookup"].errors == 1


def test_counters_and_measurements_from_many_threads_are_all_kept() -> None:
    m = Monitor(enabled=True)

    def work() -> None:
        for _ in range(2_000):
            m.count("hits")
            with m.measure("op"):
                pass

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert m.counters() == {"hits": 16_000}
    assert m.summary()["op"].count == 16_000


def test_budget_status_limits() -> None:
    limits = (1.0, 1.2, 1.5)
    assert budget_status(0.9, limits) == (None, 1.0)
    assert budget_status(1.1, limits) == ("slow", 1.0)
    assert budget_status(1.3, limits) == ("warning", 1.2)
    assert budget_status(1.6, limits) == ("critical", 1.5)


def test_budgets_at_run_time(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    events: list[BudgetEvent] = []
    m = Monitor(enabled=True)
    config = write_config(tmp_path, 'version: 1\nbudgets:\n  "load *":\n    target: 1ms\n')
    m.configure(config=config, on_critical=events.append)
    with m.measure("load catalogue"):  # from perfgate.yml: 1 ms, critical at 1.5 ms
        time.sleep(0.01)
    with m.measure("other"):  # no budget
        time.sleep(0.01)
    with caplog.at_level(logging.WARNING, logger="perfgate.monitor"), m.measure("quick", "10s"):
        pass
    assert [(e.name, e.status) for e in events] == [("load catalogue", "critical")]
    assert events[0].limit == pytest.approx(0.0015)
    assert events[0].seconds >= 0.01
    assert caplog.records == []  # within budget: silent
    # the default reaction to critical is an error in the log
    plain = Monitor(enabled=True)
    with caplog.at_level(logging.WARNING, logger="perfgate.monitor"), plain.measure("x", 1e-9):
        time.sleep(0.001)
    assert "x took" in caplog.text
    assert "critical limit" in caplog.text


def test_memory_growth_and_peak() -> None:
    m = Monitor(enabled=True)
    with m.measure("allocate", memory=True):
        block = bytearray(64 * 1024 * 1024)
        block[::4096] = b"x" * len(block[::4096])  # touch every page
    stats = m.summary()["allocate"]
    assert stats.rss_delta_max is not None
    assert stats.rss_delta_max >= 48 * 1024 * 1024
    assert stats.peak_rss is not None
    assert stats.peak_rss >= 64 * 1024 * 1024
    del block


def test_disabled_is_a_no_op(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERFGATE_MONITOR", "0")
    m = Monitor()
    with m.measure("x"):
        pass
    m.count("y")

    @m.timed
    def f() -> int:
        return 1

    assert f() == 1
    assert m.summary() == {}
    assert m.counters() == {}


def test_the_module_level_monitor() -> None:
    monitor.reset()
    with monitor.measure("module-level"):
        pass
    monitor.count("module-level")
    assert monitor.summary()["module-level"].count == 1
    assert monitor.counters() == {"module-level": 1}
    monitor.reset()
    assert monitor.summary() == {}


def test_exported_metrics_are_checked_by_perfgate_check(tmp_path: Path) -> None:
    m = Monitor(enabled=True)
    for _ in range(80):
        with m.measure("startup", memory=True):
            time.sleep(0.002)
        m.count("items")
    path = m.export(tmp_path / "app.json")
    config = write_config(
        tmp_path,
        "version: 1\nbudgets:\n"
        '  "startup":\n    target: 0.5ms\n'  # every sample sleeps 2 ms: critical
        '  "startup (peak rss)":\n    target: 100GB\n',
    )
    done = run_cli("check", path, "--config", config, "--format", "json")
    assert done.returncode == 1, done.stderr
    report = {b["name"]: b for b in json.loads(done.stdout)["benchmarks"]}
    assert report["startup"]["budget"]["status"] == "critical"
    assert report["startup"]["head"]["n"] == 80
    assert report["startup (peak rss)"]["unit"] == "B"
    assert report["startup (peak rss)"]["budget"]["status"] == "ok"
    assert report["items (count)"]["head"]["value"] == 80
