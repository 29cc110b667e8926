"""Concurrent officer dashboards on SQLite against PostgreSQL, in the same run.

    python -m bench.concurrency --sqlite sqlite:///FILE --postgresql URL [--officers 16] [--seconds 30]

The two databases hold the same generated data (bench.generate at the same scale). Each is served
in turn by the same gunicorn (2 workers x 4 threads, production configuration, bench.load), and
`--officers` signed-in officers each loop GET /dashboard for `--seconds` (a closed loop, one
request in flight each): saturation throughput of a read page that every officer opens. With
BEGIN IMMEDIATE on every request, SQLite's two workers took turns; in WAL mode with deferred read
transactions they read side by side. Goal: SQLite's throughput within 15% of PostgreSQL's
(`sqlite_vs_postgresql` >= 0.85), reported only when the run starts on a quiet machine.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from bench import databases
from bench.load import Officer, Stats, free_port, start_gunicorn, stop, wait_until_up
from bench.report import emit, gated, load_average, quiet_start

GOAL = 0.85


def officer_emails(database_url: str, count: int) -> list[str]:
    from portal.extensions import db

    app = databases.bench_app(database_url)
    with app.app_context():
        emails = db.session.scalars(sa.text(
            "SELECT u.email FROM users u WHERE u.role = 'officer' AND u.active AND EXISTS "
            "(SELECT 1 FROM enrollments e WHERE e.officer_id = u.id) ORDER BY u.id LIMIT :n"), dict(n=count)).all()
        db.engine.dispose()
    if len(emails) < count:
        raise SystemExit(f"only {len(emails)} officers with an enrollment; {count} are needed")
    return list(emails)


async def dashboards(base: str, emails: list[str], seconds: float) -> tuple[Stats, float]:
    stats = Stats()
    officers = [Officer(base, email, 0, 0, stats) for email in emails]
    limit = asyncio.Semaphore(2)  # set-up: a sign-in hashes (scrypt) inside its write transaction

    async def sign_in(officer: Officer) -> bool:
        async with limit:
            return await officer.sign_in()

    signed_in = await asyncio.gather(*(sign_in(o) for o in officers))
    if not all(signed_in):
        raise SystemExit(f"{signed_in.count(False)} officers could not sign in: {stats.samples}")

    async def loop(officer: Officer, until: float) -> None:
        while time.monotonic() < until:
            await officer.call("dashboard", "GET", "/dashboard")

    started = time.monotonic()
    await asyncio.gather(*(loop(o, started + seconds) for o in officers))
    window = time.monotonic() - started
    for officer in officers:
        await officer.close()
    return stats, window


def serve_and_measure(database_url: str, emails: list[str], seconds: float) -> dict:
    port = free_port()
    log = Path(tempfile.mkdtemp(prefix="portal-bench-concurrency-")) / "gunicorn.log"
    server = start_gunicorn(databases.plain(database_url), port, log)
    try:
        wait_until_up(f"http://127.0.0.1:{port}", server, log)
        stats, window = asyncio.run(dashboards(f"http://127.0.0.1:{port}", emails, seconds))
    finally:
        stop(server)
    return dict(stats.summary(["dashboard"], window), error_samples=stats.samples, load_average=load_average())


def run(sqlite_url: str, postgresql_url: str, officers: int = 16, seconds: float = 30.0) -> bool:
    start = quiet_start()
    emails = officer_emails(postgresql_url, officers)
    measured = {}
    for database, url in (("sqlite", sqlite_url), ("postgresql", postgresql_url)):
        measured[database] = serve_and_measure(url, emails, seconds)
        emit(name="concurrent_dashboard", database=database, officers=officers, **measured[database])
    rates = [measured[d].get("requests_per_s", 0) for d in ("sqlite", "postgresql")]
    ratio = round(rates[0] / rates[1], 3) if rates[1] else None
    figure = gated(ratio, start)
    errors = sum(measured[d]["errors"] for d in measured)
    emit(name="concurrent_dashboard_summary", sqlite_vs_postgresql=figure.pop("ratio"), goal=GOAL,
         errors=errors, **figure, **start)
    return errors == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sqlite", required=True)
    parser.add_argument("--postgresql", required=True)
    parser.add_argument("--officers", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("BENCH_CONCURRENCY_SECONDS", "30")))
    args = parser.parse_args(argv)
    return 0 if run(args.sqlite, args.postgresql, args.officers, args.seconds) else 1


if __name__ == "__main__":
    raise SystemExit(main())
