"""SQL statements per request, and latency, for the portal's main pages.

    python -m bench.pages --small URL_AT_0.1 --full URL_AT_1.0 [--runs 20]

Each page is requested through the Flask test client, signed in through the real login form, with
a counter on the engine's `before_cursor_execute` event. The count at full size must equal the
count at a tenth of the size: a page whose count grows runs a query per row. Latency (median and
p95 of --runs requests after one warm-up) is measured on the full-size database.

Exit status 1 (and a line `"name": "pages_flat", "ok": false` naming the pages) if any count grows.
"""
from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta

import sqlalchemy as sa
from flask.testing import FlaskClient

from bench import databases
from bench.dataset import (
    ADMIN_EMAIL,
    PASSWORD,
    coordinator_email,
    instructor_email,
    verification_code,
)
from bench.report import emit, latency_ms, load_average

MIN_RUNS = 3
PAGE_BUDGET_S = 8.0


class FreshContextClient(FlaskClient):
    """Each request in its own application context, as under gunicorn: nothing cached in `g` or the
    session's identity map carries over from one request to the next."""

    def open(self, *args, **kwargs):
        from portal.extensions import db

        with self.application.app_context():
            response = super().open(*args, **kwargs)
            db.session.remove()
        return response


class StatementCounter:
    def __init__(self, engine: sa.Engine):
        self.count = 0
        sa.event.listen(engine, "before_cursor_execute", self.on_execute)

    def on_execute(self, *_args, **_kwargs) -> None:
        self.count += 1


class Site:
    """One database: the app, signed-in clients per role, and the ids the page URLs need."""

    def __init__(self, url: str):
        from portal.extensions import db

        self.app = databases.bench_app(url)
        self.app.test_client_class = FreshContextClient
        with self.app.app_context():
            self.counter = StatementCounter(db.engine)
            self.facts = self.look_up()
        self.clients: dict[str, FlaskClient] = {}

    def look_up(self) -> dict:
        from portal.extensions import db

        one = lambda sql, **params: db.session.execute(sa.text(sql), params).scalar()  # noqa: E731
        largest_class = one("SELECT class_id FROM enrollments GROUP BY class_id ORDER BY count(*) DESC, class_id LIMIT 1")
        course_id = one("SELECT course_id FROM training_classes WHERE id = :c", c=largest_class)
        officer = one("SELECT u.email FROM enrollments e JOIN users u ON u.id = e.officer_id "
                      "WHERE e.class_id = :c AND e.status = 'completed' ORDER BY e.id LIMIT 1", c=largest_class)
        lesson = one("SELECT l.id FROM lessons l JOIN modules m ON m.id = l.module_id WHERE m.course_id = :c "
                     "ORDER BY m.week, m.position, l.position LIMIT 1", c=course_id)
        week_one_exam = one("SELECT q.id FROM quizzes q JOIN modules m ON m.id = q.module_id "
                            "WHERE q.course_id = :c AND m.week = 1 ORDER BY q.position LIMIT 1", c=course_id)
        serial = one("SELECT serial FROM certificates WHERE revoked_at IS NULL ORDER BY id LIMIT 1")
        if officer is None or serial is None:
            raise SystemExit("this database has no completed officer in its largest class: was it made by bench.generate?")
        return dict(largest_class=largest_class, officer=officer, lesson=lesson, week_one_exam=week_one_exam,
                    verify_code=verification_code(serial))

    def client(self, email: str | None) -> FlaskClient:
        if email not in self.clients:
            client = self.app.test_client()
            if email is not None:
                response = client.post("/login", data={"email": email, "password": PASSWORD})
                if response.status_code != 302:
                    raise SystemExit(f"could not sign in as {email}: HTTP {response.status_code}")
            self.clients[email] = client
        return self.clients[email]

    def request(self, email: str | None, method: str, path: str, **kwargs) -> tuple[int, int, float]:
        """(status, statements, seconds) of one request (`kwargs`: the test client's, e.g. data)."""
        client = self.client(email)
        before = self.counter.count
        started = time.perf_counter()
        response = client.open(path, method=method, **kwargs)
        elapsed = time.perf_counter() - started
        return response.status_code, self.counter.count - before, elapsed

    def fresh_attempts(self, how_many: int) -> list[tuple[str, int]]:
        """Officers who have not taken the week 1 exam of a class in its first week: for each, an
        attempt started through the portal (outside the measurement), ready to submit."""
        from portal.extensions import db
        from portal.timeutil import today

        with self.app.app_context():
            rows = db.session.execute(sa.text(
                "SELECT u.email, e.class_id FROM enrollments e JOIN users u ON u.id = e.officer_id "
                "JOIN training_classes c ON c.id = e.class_id "
                "WHERE c.start_date > :week_ago AND c.start_date <= :today AND e.status IN ('enrolled', 'in_progress') "
                "AND NOT EXISTS (SELECT 1 FROM attempts a WHERE a.enrollment_id = e.id AND a.quiz_id = :quiz) "
                "ORDER BY e.id LIMIT :n"),
                dict(week_ago=today() - timedelta(days=7), today=today(), quiz=self.facts["week_one_exam"], n=how_many),
            ).all()
        if len(rows) < how_many:
            raise SystemExit(f"only {len(rows)} officers can start the week 1 exam; {how_many} are needed")
        started = []
        for email, class_id in rows:
            response = self.client(email).post(f"/classes/{class_id}/exams/{self.facts['week_one_exam']}/start")
            location = response.headers.get("Location", "")
            if response.status_code != 302 or "/attempts/" not in location:
                raise SystemExit(f"{email} could not start the week 1 exam: HTTP {response.status_code} {location}")
            started.append((email, int(location.rstrip("/").split("/attempts/")[1].split("/")[0].split("?")[0])))
        return started


def page_list(facts: dict) -> list[tuple[str, str | None, str]]:
    """(page, who, path): who is an email, or None for the public."""
    lead = instructor_email(0)
    c, officer = facts["largest_class"], facts["officer"]
    return [
        ("officer_dashboard", officer, "/dashboard"),
        ("lesson", officer, f"/classes/{c}/lessons/{facts['lesson']}"),
        ("exam_page", officer, f"/classes/{c}/exams/{facts['week_one_exam']}"),
        ("officer_exams", officer, f"/classes/{c}/exams"),
        ("gradebook_largest_class", lead, f"/teach/classes/{c}/gradebook"),
        ("roster_largest_class", lead, f"/teach/classes/{c}"),
        ("grading_queue", lead, "/teach/grading"),
        ("agency_dashboard_largest_agency", coordinator_email(0), "/agency/"),
        ("agency_grades_largest_agency", coordinator_email(0), "/agency/grades"),
        ("program_dashboard", ADMIN_EMAIL, "/admin/"),
        ("program_reports", ADMIN_EMAIL, "/admin/reports/"),
        ("admin_class_largest", ADMIN_EMAIL, f"/admin/classes/{c}"),
        ("admin_agencies", ADMIN_EMAIL, "/admin/agencies/"),
        ("admin_users", ADMIN_EMAIL, "/admin/users/"),
        ("admin_classes", ADMIN_EMAIL, "/admin/classes/"),
        ("admin_certificates", ADMIN_EMAIL, "/admin/certificates/"),
        ("admin_nominations", ADMIN_EMAIL, "/admin/nominations/"),
        ("admin_audit", ADMIN_EMAIL, "/admin/audit/"),
        ("verify", None, f"/verify/{facts['verify_code']}"),
    ]


def latency(times: list[float]) -> dict:
    return dict(latency_ms(times), runs=len(times))


def timed_runs(request, runs: int) -> list[float]:
    """`runs` timings, or fewer (at least MIN_RUNS) once a page has used PAGE_BUDGET_S: a page that
    takes seconds would otherwise hold the whole bench up."""
    times = []
    while len(times) < runs and (len(times) < MIN_RUNS or sum(times) < PAGE_BUDGET_S):
        times.append(request())
    return times


def measure(site: Site, runs: int) -> dict[str, dict]:
    """Per page: status, statements (second request: caches and first-use queries settled) and,
    if runs > 0, latency."""
    measured = {}
    for page, who, path in page_list(site.facts):
        site.request(who, "GET", path)  # warm-up
        status, statements, _ = site.request(who, "GET", path)
        entry = dict(status=status, statements=statements)
        if runs:
            times = timed_runs(lambda who=who, path=path: site.request(who, "GET", path)[2], runs)
            entry.update(latency(times))
        measured[page] = dict(path=path, **entry)
    submits = site.fresh_attempts(2 + runs)
    results = [site.request(email, "POST", f"/attempts/{attempt_id}/submit") for email, attempt_id in submits]
    entry = dict(status=results[1][0], statements=results[1][1])
    if runs:
        entry.update(latency([r[2] for r in results[2:]]))
    measured["exam_submit"] = dict(path="POST /attempts/<fresh attempt>/submit", **entry)
    return measured


TARGETS_MS = {"gradebook_largest_class": 300, "program_dashboard": 300, "program_reports": 300}


def run(small_url: str, full_url: str, runs: int) -> bool:
    small = measure(Site(small_url), runs=0)
    full = measure(Site(full_url), runs=runs)
    grown, database = [], full_url.split(":", 1)[0].split("+")[0]
    for page, at_full in full.items():
        at_small = small[page]
        flat = at_full["statements"] <= at_small["statements"]
        if not flat:
            grown.append(page)
        line = dict(
            name="page",
            database=database,
            page=page,
            path=at_full["path"],
            status_small=at_small["status"],
            status_full=at_full["status"],
            statements_small=at_small["statements"],
            statements_full=at_full["statements"],
            flat=flat,
        )
        if "median_ms" in at_full:
            line.update(median_ms=at_full["median_ms"], p95_ms=at_full["p95_ms"], runs=at_full["runs"])
            if page in TARGETS_MS:
                line.update(target_median_ms=TARGETS_MS[page], within_target=at_full["median_ms"] <= TARGETS_MS[page])
        emit(**line)
    errors = [p for p, m in {**small, **full}.items() if m["status"] >= 400]
    emit(
        name="pages_flat",
        database=database,
        ok=not grown and not errors,
        grown=grown,
        http_errors=errors,
        load_average=load_average(),
    )
    if grown:
        print(f"FAIL: statement counts grow with the data on: {', '.join(grown)}", file=sys.stderr)
    if errors:
        print(f"FAIL: pages answered an error: {', '.join(errors)}", file=sys.stderr)
    return not grown and not errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", required=True, help="database generated at scale 0.1")
    parser.add_argument("--full", required=True, help="database generated at scale 1.0")
    parser.add_argument("--runs", type=int, default=20, help="timed requests per page at full size")
    args = parser.parse_args(argv)
    return 0 if run(args.small, args.full, args.runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
