"""`make bench` (python -m bench): the whole benchmark, on the local PostgreSQL.

1. two new PostgreSQL databases, seeded at 0.1 and at full size (bench.generate);
2. SQL statements per page at both sizes and latency at full size (bench.pages);
3. 200 officers against gunicorn on the full-size database (bench.load);
4. certificate issue time and ZIP figures on the full-size database (bench.certificates);
5. with BENCH_SQLITE=1, steps 1 and 2 again on SQLite, for comparison.

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
