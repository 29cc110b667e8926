"""Concurrent load against gunicorn on PostgreSQL: officers saving answers and loading their dashboard.

    python -m bench.load --database-url URL_AT_FULL_SIZE [--officers 200] [--seconds 60]

Serves the database with gunicorn (2 workers x 4 threads, 127.0.0.1, a free port) in production
configuration (PORTAL_ENV=production: CSRF on, secure cookies, scrypt), behind a pretend TLS proxy
(TRUSTED_PROXY_COUNT=1, every request says X-Forwarded-Proto: https). Then, with one asyncio
httpx client per officer, each holding at most one request in flight (a closed loop: the load is
bounded by the number of officers):

1. set-up, not timed: every officer signs in and starts an exam they have not taken yet;
2. the timed window: each officer loops {GET /dashboard; POST the answers of page 1 (autosave)};
3. every officer submits the attempt (timed separately);
4. the same number of clients GET /healthz for the same window: the floor of this stack.

Besides throughput and latency, each window reports the CPU milliseconds a request cost gunicorn
and PostgreSQL (`server_cpu_ms_per_request`, bench/cpu.py): what "requests per core" is made of.

Any answer other than 2xx/3xx, or any exception, is an error; there must be none.
BENCH_LOAD_SECONDS shortens the window (default 60).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import httpx
import sqlalchemy as sa

from bench import cpu, databases
from bench.dataset import PASSWORD
from bench.report import emit, gated, latency_ms, load_average, quiet_start

ROOT = Path(__file__).resolve().parent.parent
WORKERS, THREADS = 2, 4
# A request still unanswered after this long counts as an error (a person would have given up).
# At saturation a request waits about officers / throughput, 10-40 s here depending on what else
# the machine runs, so a tighter limit would measure the queue, not failures.
TIMEOUT_S = 120.0


# --- the server ---------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn(app: str, port: int, log: Path, **env: str) -> subprocess.Popen:
    """gunicorn (WORKERS x THREADS) serving `app` on 127.0.0.1:`port`, with `env` added."""
    environment = dict(os.environ, **env)
    environment.pop("FLASK_DEBUG", None)
    command = [str(Path(sys.executable).with_name("gunicorn")), "--bind", f"127.0.0.1:{port}",
               "--workers", str(WORKERS), "--threads", str(THREADS), "--log-level", "warning", app]
    return subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log.open("wb"), stderr=subprocess.STDOUT)


def signing_keys(directory: Path) -> dict[str, str]:
    """Production refuses to start without certificate and credential signing keys: the bench's own."""
    from portal.certificates.credentials import write_key_file
    from portal.certificates.signing import write_demo_material

    key, chain = write_demo_material(directory)
    return dict(CERTIFICATE_SIGNING_KEY=str(key), CERTIFICATE_SIGNING_CERT=str(chain),
                CREDENTIAL_SIGNING_KEYS=str(write_key_file(directory / "jwks.json")))


def start_gunicorn(database_url: str, port: int, log: Path, **env: str) -> subprocess.Popen:
    return gunicorn("wsgi:app", port, log, PORTAL_ENV="production", SECRET_KEY=databases.BENCH_SECRET,
                    DATABASE_URL=database_url, PORTAL_BASE_URL="https://training.bench.example.gov",
                    TRUSTED_PROXY_COUNT="1", **signing_keys(log.parent), **env)


def wait_until_up(base: str, server: subprocess.Popen, log: Path, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited ({server.returncode}):\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer /healthz within {seconds:.0f} s")


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()


# --- who takes part -----------------------------------------------------------------------------

def candidates(database_url: str, count: int, minimum: int | None = None) -> list[tuple[str, int, int]]:
    """(email, class id, quiz id): officers of running classes with an open exam they have not
    attempted, the first such exam in course order each."""
    from portal.extensions import db
    from portal.quizzes.services import rules
    from portal.timeutil import today

    app = databases.bench_app(database_url)
    with app.app_context():
        on = today()
        rows = db.session.execute(sa.text(
            "SELECT e.id, u.email, e.class_id, c.start_date, c.course_id FROM enrollments e "
            "JOIN users u ON u.id = e.officer_id JOIN training_classes c ON c.id = e.class_id "
            "WHERE c.start_date <= :today AND c.start_date > :course_ago AND e.status IN ('enrolled', 'in_progress') "
            "ORDER BY e.id DESC"), dict(today=on, course_ago=on - timedelta(days=28))).all()
        taken = defaultdict(set)
        for enrollment_id, quiz_id in db.session.execute(sa.text(
                "SELECT enrollment_id, quiz_id FROM attempts WHERE enrollment_id IN "
                "(SELECT e.id FROM enrollments e JOIN training_classes c ON c.id = e.class_id WHERE c.start_date > :ago)"),
                dict(ago=on - timedelta(days=28))):
            taken[enrollment_id].add(quiz_id)
        quizzes = {}
        chosen = []
        for enrollment_id, email, class_id, start, course_id in rows:
            if course_id not in quizzes:
                quizzes[course_id] = [(q.id, q.week) for q in rules.course_quizzes(course_id)]
            open_untaken = [q for q, week in quizzes[course_id]
                            if start + timedelta(days=7 * (week - 1)) <= on and q not in taken[enrollment_id]]
            if open_untaken:
                chosen.append((email, class_id, open_untaken[0]))
            if len(chosen) == count:
                break
        db.engine.dispose()
    if len(chosen) < (count if minimum is None else minimum):
        raise SystemExit(f"only {len(chosen)} officers have an exam to start; {count} are needed (a full-size database?)")
    return chosen


# --- the client ---------------------------------------------------------------------------------

class FormReader(HTMLParser):
    """The CSRF token and a plausible answer for every field of an exam page."""

    def __init__(self):
        super().__init__()
        self.csrf = ""
        self.answers: dict[str, str] = {}
        self._textarea = self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name == "csrf_token":
            self.csrf = a.get("value", "")
        elif tag == "input" and name and name.startswith("q"):
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox"):
                self.answers.setdefault(name, a.get("value", ""))
            elif kind == "text":
                self.answers[name] = "42"
        elif tag == "textarea" and name and name.startswith("q"):
            self.answers[name] = "I would decline and consult my ICE supervisor, as the MOA requires."
        elif tag == "select" and name and name.startswith("q"):
            self._select = name
        elif tag == "option" and self._select and a.get("value"):
            self.answers.setdefault(self._select, a["value"])

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def read_form(html: str) -> FormReader:
    reader = FormReader()
    reader.feed(html)
    return reader


class Officer:
    """One simulated officer: an httpx client with its own cookies (the production session
    cookie is Secure and __Host-, which a client on plain http would otherwise not send back)."""

    def __init__(self, base: str, email: str, class_id: int, quiz_id: int, stats: Stats):
        self.email, self.class_id, self.quiz_id, self.stats = email, class_id, quiz_id, stats
        self.cookies: dict[str, str] = {}
        # A new connection per request, as from a reverse proxy such as nginx (HTTP/1.0 upstream by
        # default): reusing one lets gunicorn close it idle just as the next request goes out.
        self.client = httpx.AsyncClient(base_url=base, timeout=TIMEOUT_S, follow_redirects=False,
                                        limits=httpx.Limits(max_keepalive_connections=0),
                                        headers={"X-Forwarded-Proto": "https", "Referer": f"{base.replace('http:', 'https:')}/"})
        self.attempt_id = 0
        self.answers: dict[str, str] = {}
        self.csrf = ""

    async def call(self, label: str, method: str, path: str, timed: bool = True, **kwargs) -> httpx.Response | None:
        headers = kwargs.pop("headers", {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        try:
            response = await self.client.request(method, path, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            self.stats.error(label, f"{type(exc).__name__}: {exc}")
            return None
        elapsed = time.perf_counter() - started
        self.client.cookies.clear()
        for header in response.headers.get_list("set-cookie"):
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if "max-age=0" in header.lower() or "expires=thu, 01 jan 1970" in header.lower():
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        if response.status_code >= 400:
            self.stats.error(label, f"HTTP {response.status_code} on {method} {path}")
        elif timed:
            self.stats.record(label, elapsed)
        return response

    async def sign_in(self) -> bool:
        page = await self.call("setup", "GET", "/login", timed=False)
        if page is None:
            return False
        form = read_form(page.text)
        signed_in = await self.call("setup", "POST", "/login", timed=False,
                                    data={"csrf_token": form.csrf, "email": self.email, "password": PASSWORD})
        return signed_in is not None and signed_in.status_code == 302

    async def set_up(self) -> bool:
        if not await self.sign_in():
            return False
        exam = await self.call("setup", "GET", f"/classes/{self.class_id}/exams/{self.quiz_id}", timed=False)
        if exam is None:
            return False
        started = await self.call("setup", "POST", f"/classes/{self.class_id}/exams/{self.quiz_id}/start", timed=False,
                                  data={"csrf_token": read_form(exam.text).csrf})
        location = started.headers.get("location", "") if started is not None else ""
        if "/attempts/" not in location:
            return False
        self.attempt_id = int(location.split("/attempts/")[1].split("?")[0].split("/")[0])
        take = await self.call("setup", "GET", f"/attempts/{self.attempt_id}", timed=False)
        if take is None:
            return False
        form = read_form(take.text)
        self.csrf, self.answers = form.csrf, form.answers
        return True

    async def work(self, until: float) -> None:
        while time.monotonic() < until:
            await self.call("dashboard", "GET", "/dashboard")
            await self.call("save_answers", "POST", f"/attempts/{self.attempt_id}/save", headers={"X-Autosave": "1"},
                            data={"csrf_token": self.csrf, "page": "1", **self.answers})

    async def submit(self) -> None:
        await self.call("submit", "POST", f"/attempts/{self.attempt_id}/submit", data={"csrf_token": self.csrf})

    async def health(self, until: float) -> None:
        while time.monotonic() < until:
            await self.call("healthz", "GET", "/healthz")

    async def close(self) -> None:
        await self.client.aclose()


class Stats:
    def __init__(self):
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.samples: list[str] = []

    def record(self, label: str, seconds: float) -> None:
        self.times[label].append(seconds)

    def error(self, label: str, what: str) -> None:
        self.errors[label] += 1
        if len(self.samples) < 10:
            self.samples.append(f"{label}: {what}")

    def summary(self, labels: list[str], seconds: float) -> dict:
        times = [t for label in labels for t in self.times[label]]
        errors = sum(self.errors[label] for label in labels)
        if not times:
            return dict(requests=0, errors=errors)
        return dict(requests=len(times), errors=errors, seconds=round(seconds, 1),
                    requests_per_s=round(len(times) / seconds, 1), **latency_ms(times), max_ms=round(1000 * max(times), 1))


async def drive(base: str, people: list[tuple[str, int, int]], seconds: float, wanted: int,
                meter=lambda: {}) -> tuple[Stats, dict]:
    """`meter()`: the server's CPU seconds so far (cpu.server_cpu_s), read around each window."""
    stats = Stats()
    officers = [Officer(base, email, class_id, quiz_id, stats) for email, class_id, quiz_id in people]
    limit = asyncio.Semaphore(20)  # set-up: sign-ins are scrypt-expensive; do not stampede them

    async def set_up(officer):
        async with limit:
            return await officer.set_up()

    ready = [o for o, ok in zip(officers, await asyncio.gather(*(set_up(o) for o in officers)), strict=True) if ok][:wanted]
    setup_errors = stats.errors.pop("setup", 0)
    if len(ready) < wanted:
        raise SystemExit(f"only {len(ready)} of {wanted} officers could sign in and start an exam; "
                         f"first problems: {stats.samples}")
    cpu_before = meter()
    started = time.monotonic()
    await asyncio.gather(*(o.work(started + seconds) for o in ready))
    window = time.monotonic() - started
    cpu_portal = (cpu_before, meter())
    submit_started = time.monotonic()
    await asyncio.gather(*(o.submit() for o in ready))
    submit_window = time.monotonic() - submit_started
    cpu_before = meter()
    started = time.monotonic()
    health_seconds = min(seconds, 30.0)
    await asyncio.gather(*(o.health(started + health_seconds) for o in ready))
    health_window = time.monotonic() - started
    cpu_health = (cpu_before, meter())
    for officer in officers:
        await officer.close()
    return stats, dict(window=window, submit_window=submit_window, health_window=health_window,
                       setup_errors_skipped=setup_errors, cpu_portal=cpu_portal, cpu_health=cpu_health)


def run(database_url: str, officers: int, seconds: float) -> bool:
    start = quiet_start()
    people = candidates(database_url, officers + officers // 4)  # a margin for any that cannot start
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = Path(tempfile.mkdtemp(prefix="portal-bench-load-")) / "gunicorn.log"
    server = start_gunicorn(databases.plain(database_url), port, log)
    try:
        wait_until_up(base, server, log)
        database = sa.make_url(database_url).database or ""
        stats, windows = asyncio.run(drive(base, people, seconds, officers,
                                           meter=lambda: cpu.server_cpu_s(server.pid, database)))
    finally:
        stop(server)
    server_log = log.read_text(errors="replace")
    portal = stats.summary(["dashboard", "save_answers"], windows["window"])
    health = stats.summary(["healthz"], windows["health_window"])
    common = dict(officers=officers, gunicorn=f"{WORKERS} workers x {THREADS} threads", load_average=load_average())
    portal_cpu = cpu.per_request_ms(*windows["cpu_portal"], portal.get("requests", 0))
    health_cpu = cpu.per_request_ms(*windows["cpu_health"], health.get("requests", 0))
    emit(name="load_portal", **portal, dashboard=stats.summary(["dashboard"], windows["window"]),
         save_answers=stats.summary(["save_answers"], windows["window"]), server_cpu_ms_per_request=portal_cpu, **common)
    emit(name="load_submit", **stats.summary(["submit"], windows["submit_window"]), **common)
    emit(name="load_healthz", **health, server_cpu_ms_per_request=health_cpu, **common)
    ratio = round(portal.get("requests_per_s", 0) / health["requests_per_s"], 3) if health.get("requests_per_s") else None
    errors = sum(stats.errors.values())
    figure = gated(ratio, start)
    emit(name="load_summary", ok=errors == 0, errors=errors, error_samples=stats.samples,
         portal_vs_healthz_throughput=figure.pop("ratio"), target_ratio=0.35,
         portal_vs_healthz_server_cpu=(round(health_cpu["total"] / portal_cpu["total"], 3)
                                       if portal_cpu.get("total") else None), **figure, **start,
         server_tracebacks=server_log.count("Traceback"),
         worker_timeouts=server_log.count("WORKER TIMEOUT"), gunicorn_log=str(log) if errors else None)
    if errors:
        print(f"FAIL: {errors} errors under load, e.g. {stats.samples[:3]}; gunicorn's log: {log}", file=sys.stderr)
    else:
        shutil.rmtree(log.parent, ignore_errors=True)
    return errors == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database made by bench.generate --scale 1")
    parser.add_argument("--officers", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("BENCH_LOAD_SECONDS", "60")))
    args = parser.parse_args(argv)
    return 0 if run(args.database_url, args.officers, args.seconds) else 1


if __name__ == "__main__":
    raise SystemExit(main())
