"""`make bench` (python -m bench): the whole benchmark, on the local PostgreSQL.

1. two new PostgreSQL databases, seeded at 0.1 and at full size (bench.generate);
2. SQL statements per page at both sizes and latency at full size (bench.pages);
3. 200 officers against gunicorn on the full-size database (bench.load);
4. the exam-day storm on the full-size database, rate limits in memory then in Redis (bench.storm);
5. where an officer's request spends its time (bench.profile, cProfile);
6. concurrent dashboards on SQLite against PostgreSQL at scale 0.1 (bench.concurrency);
7. certificate issue time and ZIP figures on the full-size database (bench.certificates);
8. with BENCH_SQLITE=1, steps 1 and 2 again on SQLite, for comparison.

Every figure is one JSON line, on the screen and in bench/results.json. The databases are dropped
at the end (BENCH_KEEP=1 keeps them and prints their URLs). Exit status 1 if a page's statement
count grows with the data, a page answers an error, or a request fails under load.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from bench import databases, pages
from bench.generate import generate
from bench.report import RESULTS, emit, environment, start_results

SMALL, FULL = 0.1, 1.0


def flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def sqlite_comparison(runs: int) -> bool:
    with tempfile.TemporaryDirectory(prefix="portal-bench-sqlite-") as tmp:
        small, full = (f"sqlite:///{Path(tmp) / name}" for name in ("small.db", "full.db"))
        generate(small, SMALL)
        generate(full, FULL)
        return pages.run(small, full, runs)


def storms(url: str) -> bool:
    """The exam-day storm, with the rate limits in memory, then in Redis (BENCH_REDIS_URL)."""
    from bench import storm

    officers = int(os.environ.get("BENCH_STORM_OFFICERS", "500"))
    scale = float(os.environ.get("BENCH_STORM_TIME_SCALE", "1"))
    minutes = float(os.environ.get("BENCH_STORM_EXAM_MINUTES", "20"))
    ok = storm.run(url, officers, scale, minutes)
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
    if not storm.redis_reachable(redis_url):
        emit(name="storm_skipped", rate_limits="redis", reason=f"no Redis answers at {redis_url}")
        return ok
    return storm.run(url, officers, scale, minutes, redis_url) and ok


def concurrency_comparison(postgresql_small: str) -> bool:
    """Concurrent dashboards on SQLite and PostgreSQL holding the same data (scale 0.1)."""
    from bench import concurrency

    with tempfile.TemporaryDirectory(prefix="portal-bench-sqlite-") as tmp:
        sqlite_small = f"sqlite:///{Path(tmp) / 'small.db'}"
        generate(sqlite_small, SMALL)
        return concurrency.run(sqlite_small, postgresql_small)


def main() -> int:
    started = time.perf_counter()
    start_results()
    emit(name="environment", **environment("postgresql"))
    keep = flag("BENCH_KEEP")
    runs = int(os.environ.get("BENCH_PAGE_RUNS", "20"))
    problems = []
    with ExitStack() as stack:
        small = stack.enter_context(databases.fresh("s01", keep=keep))
        full = stack.enter_context(databases.fresh("s10", keep=keep))
        generate(small, SMALL)
        generate(full, FULL)
        if not pages.run(small, full, runs):
            problems.append("pages (statement counts or errors)")
        from bench import load

        if not load.run(full, officers=int(os.environ.get("BENCH_OFFICERS", "200")),
                        seconds=float(os.environ.get("BENCH_LOAD_SECONDS", "60"))):
            problems.append("load (errors)")
        if not storms(full):
            problems.append("storm (errors or answers lost)")
        from bench import profile

        profile.run(full)
        if not concurrency_comparison(small):
            problems.append("concurrent dashboards (errors)")
        os.environ["BENCH_DATABASE_URL"] = full
        from bench import certificates

        certificates.main()
        if keep:
            print(f"kept: {small}\nkept: {full}", file=sys.stderr)
    if flag("BENCH_SQLITE") and not sqlite_comparison(runs):
        problems.append("pages on SQLite")
    emit(name="bench_total", seconds=round(time.perf_counter() - started, 1), ok=not problems, problems=problems,
         load_average=[round(x, 2) for x in os.getloadavg()])
    print(f"results: {RESULTS}", file=sys.stderr)
    if problems:
        print(f"FAIL: {'; '.join(problems)}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
