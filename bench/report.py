"""One JSON line per measurement: printed, and appended to bench/results.json (JSON Lines).

`make bench` empties the file first (`start_results`), so after a run it holds that run's lines.
"""
from __future__ import annotations

import json
import os
import platform
import statistics
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.json"


def start_results() -> None:
    RESULTS.write_text("")


def emit(**measurement) -> dict:
    line = json.dumps(measurement, default=str)
    print(line, flush=True)
    with RESULTS.open("a", encoding="utf-8") as results:
        results.write(line + "\n")
    return measurement


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def environment(database: str) -> dict:
    return dict(python=platform.python_version(), machine=platform.machine(), cpus=os.cpu_count(),
                database=database, load_average=load_average())


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def latency_ms(seconds: list[float]) -> dict:
    return dict(median_ms=round(1000 * statistics.median(seconds), 1), p95_ms=round(1000 * percentile(seconds, 0.95), 1))


QUIET_WAIT_S = float(os.environ.get("BENCH_QUIET_WAIT", "300"))


def quiet_start(wait_s: float = QUIET_WAIT_S) -> dict:
    """Wait (up to `wait_s`) until the 1-minute load average is at most the core count, then say
    whether it is: a ratio measured on a busier machine compares nothing and is not reported
    (unless BENCH_REPORT_LOADED=1, which reports it marked `quiet: false`)."""
    cores = os.cpu_count() or 1
    started = time.monotonic()
    while os.getloadavg()[0] > cores and time.monotonic() - started < wait_s:
        time.sleep(5)
    return dict(cores=cores, quiet=os.getloadavg()[0] <= cores, waited_s=round(time.monotonic() - started),
                load_average_at_start=load_average())


def gated(ratio: float | None, start: dict) -> dict:
    """The ratio as a figure to report, or its refusal when the run did not start quiet."""
    if start["quiet"] or os.environ.get("BENCH_REPORT_LOADED", "").strip().lower() in {"1", "true", "yes", "on"}:
        return dict(ratio=ratio)
    return dict(ratio=None, refused=f"load average {start['load_average_at_start'][0]} above "
                f"{start['cores']} cores after waiting {start['waited_s']} s: no ratio reported")
