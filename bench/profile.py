"""Where an officer's request spends its time: cProfile over the officer dashboard, the lesson page and
the exam autosave.

    python -m bench.profile --database-url URL [--requests 200] [--top 12]

Requests go through the Flask test client (each in its own application context, as under
gunicorn), signed in as a completed officer of the largest class, as in bench.pages. One JSON line
per page: the worker's CPU milliseconds per request without the profiler (`cpu_ms_per_request`),
milliseconds per request under the profiler (inflated by it; compare shares, not times),
statements per request, and the share of the request's time spent in each part:

- `database`: executing statements and fetching rows (the DB-API cursor, inside SQLAlchemy);
- `pool_checkout`: taking a connection from the pool, including pool_pre_ping's round trip;
- `session_lookup`: `portal.auth.sessions.resolve` (the sign-in session, once per request);
- `templates`: rendering Jinja templates (`flask.render_template`);
- `markdown`: rendering a lesson's Markdown to safe HTML (`portal.markdown_render`);
- `orm`: SQLAlchemy compiling statements and building objects, outside the cursor calls;
plus the `top` functions by own time.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import time

from bench.load import read_form
from bench.pages import Site
from bench.report import emit, load_average

PARTS = {
    # (file suffix, function name): cumulative time of that function
    "session_lookup": [("portal/auth/sessions.py", "resolve")],
    "templates": [("flask/templating.py", "render_template")],
    "markdown": [("portal/markdown_render.py", "render_markdown")],
    "pool_checkout": [("sqlalchemy/pool/base.py", "_checkout")],
    "database": [("~", "<method 'execute' of 'sqlite3.Cursor' objects>"),
                 ("~", "<method 'fetchall' of 'sqlite3.Cursor' objects>"),
                 ("psycopg/cursor.py", "execute"), ("psycopg/cursor.py", "fetchall"),
                 ("psycopg/cursor.py", "fetchone"), ("psycopg/cursor.py", "fetchmany")],
    "orm_execute": [("sqlalchemy/orm/session.py", "execute"), ("sqlalchemy/orm/session.py", "scalars"),
                    ("sqlalchemy/orm/session.py", "scalar")],
}


def cumulative(stats: pstats.Stats, wanted: list[tuple[str, str]]) -> float:
    total = 0.0
    for (filename, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        for suffix, function in wanted:
            if name == function and filename.endswith(suffix):
                total += ct
    return total


def top_own_time(stats: pstats.Stats, count: int) -> list[dict]:
    rows = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)[:count]  # type: ignore[attr-defined]
    return [dict(function=f"{filename.split('site-packages/')[-1]}:{line}({name})", own_ms=round(1000 * tt, 1))
            for (filename, line, name), (_cc, _nc, tt, _ct, _callers) in rows]


def profile_page(site: Site, page: str, who: str, path: str, requests: int, top: int, method: str = "GET",
                 **kwargs) -> dict:
    site.request(who, method, path, **kwargs)  # warm-up: caches, first-use queries
    status, statements, _ = site.request(who, method, path, **kwargs)
    if status >= 400:
        raise SystemExit(f"{page}: HTTP {status} on {method} {path}")
    # The process's CPU time without the profiler: what a request costs a worker, waits excluded,
    # so a busy machine disturbs it far less than wall time.
    cpu_started = time.process_time()
    for _ in range(requests):
        site.request(who, method, path, **kwargs)
    cpu_ms = 1000 * (time.process_time() - cpu_started) / requests
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        site.request(who, method, path, **kwargs)
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = stats.total_tt  # type: ignore[attr-defined]
    shares = {part: round(cumulative(stats, wanted) / total, 3) for part, wanted in PARTS.items()}
    return dict(name="profile", page=page, path=path, requests=requests, statements=statements,
                cpu_ms_per_request=round(cpu_ms, 2), ms_per_request_profiled=round(1000 * total / requests, 2), share=shares,
                top=top_own_time(stats, top), load_average=load_average())


def run(url: str, requests: int = 200, top: int = 12) -> list[dict]:
    site = Site(url)
    facts = site.facts
    pages = [("officer_dashboard", "/dashboard"),
             ("lesson", f"/classes/{facts['largest_class']}/lessons/{facts['lesson']}")]
    database = url.split(":", 1)[0].split("+")[0]
    lines = [emit(database=database, **profile_page(site, page, facts["officer"], path, requests, top))
             for page, path in pages]
    # The exam autosave (every taker, every 30 s): an officer with the week 1 exam open, answering page 1.
    taker, attempt_id = site.fresh_attempts(1)[0]
    form = read_form(site.client(taker).get(f"/attempts/{attempt_id}").get_data(as_text=True))
    save = dict(data={"csrf_token": form.csrf, "page": "1", **form.answers}, headers={"X-Autosave": "1"})
    lines.append(emit(database=database, **profile_page(site, "exam_autosave", taker, f"/attempts/{attempt_id}/save",
                                                        requests, top, "POST", **save)))
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="a database made by bench.generate")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args(argv)
    run(args.database_url, args.requests, args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
