"""One JSON line per measurement: printed, and appended to bench/results.json (JSON Lines).

`make bench` empties the file first (`start_results`), so after a run it holds that run's lines.
"""
from __future__ import annotations

import json
import os
import platform
import statistics
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
