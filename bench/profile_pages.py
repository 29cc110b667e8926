"""Time the heavy pages on a program-sized database (issue 8): not a test, figures.

    python -m bench.profile_pages [--database-url URL] [--scale 1.0] [--runs 11] [--keep]

Seeds, with bulk inserts, 1,000 agencies, 10,000 officers, 200 classes (one of 500 officers),
five exams of six questions taken by every officer (50,000 attempts, 300,000 graded responses),
8,000 certificates with PDF-sized blobs, lesson progress and nominations; then requests each page
through the real app (signed in as the right role) and prints, per page, the median time, the
statement count and the load average. --scale shrinks or grows every figure.

Without --database-url a database is created on the PostgreSQL server of BENCH_DATABASE_URL or
TEST_DATABASE_URL (dropped afterwards unless --keep). With a URL, an already seeded database is
reused as it is, so the same data can be timed before and after a change.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import time
import uuid
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy import event

PASSWORD = "bench-password-287g"
BATCH = 5_000


def make_app(url: str):
    from flask_migrate import upgrade

    from portal import create_app

    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789abcdef0123456789")
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SERVER_NAME": "bench.test",
                      "LOGIN_RATE_LIMIT_ENABLED": False, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"},
                     SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
    return app


def insert(model, rows: list[dict]) -> None:
    from portal.extensions import db

    for start in range(0, len(rows), BATCH):
        db.session.execute(sa.insert(model), rows[start:start + BATCH])


def seed(scale: float) -> dict:
    """Fill the database; returns the ids the timed pages need."""
    from werkzeug.security import generate_password_hash

    from portal.agencies.models import Agency, Agreement
    from portal.auth.models import User
    from portal.certificates.models import Certificate
    from portal.classes.models import Enrollment, TrainingClass, class_instructors
    from portal.courses.models import Course, Lesson, Module
    from portal.extensions import db
    from portal.nominations.models import Nomination
    from portal.progress.models import LessonProgress
    from portal.quizzes.models import Attempt, Question, QuestionCategory, Quiz, QuizSlot, Response
    from portal.quizzes.types import REGISTRY
    from portal.timeutil import today, utcnow

    rng = random.Random(287)
    n_agencies, n_officers, n_classes = int(1000 * scale), int(10_000 * scale), max(2, int(200 * scale))
    big_class, n_certificates = min(500, n_officers // 2), int(8_000 * scale)
    now, on = utcnow(), today()
    password = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")

    insert(Agency, [dict(id=i, name=f"Bench County Sheriff's Office {i:04d}", kind="county",
                         state=rng.choice(["NC", "TX", "FL", "GA", "AZ", "SC", "VA", "TN"])) for i in range(1, n_agencies + 1)])
    insert(Agreement, [dict(agency_id=i, model=rng.choice(["JEM", "TFM", "WSO"]),
                            status="active" if i % 10 else rng.choice(["applied", "suspended", "terminated"]),
                            applied_on=on - timedelta(days=400), signed_on=on - timedelta(days=300),
                            ends_on=on + timedelta(days=rng.randint(-30, 800))) for i in range(1, n_agencies + 1)])
    users = [dict(id=1, email="admin@bench.test", first_name="Ada", last_name="Admin", role="admin", password_hash=password)]
    users += [dict(id=1 + i, email=f"instructor{i}@bench.test", first_name="Ivan", last_name=f"Instructor{i:02d}",
                   role="instructor", password_hash=password) for i in range(1, 21)]
    coordinators = 100
    users += [dict(id=coordinators + i, email=f"coordinator{i}@bench.test", first_name="Cora", last_name=f"Coord{i:04d}",
                   role="coordinator", agency_id=i, password_hash=password) for i in range(1, n_agencies + 1)]
    first_officer = coordinators + n_agencies + 1
    officer_ids = list(range(first_officer, first_officer + n_officers))
    users += [dict(id=oid, email=f"officer{k}@bench.test", first_name=rng.choice(["Pat", "Sam", "Alex", "Lee", "Jo"]),
                   last_name=f"Officer{rng.randint(0, 99999):05d}", role="officer", agency_id=1 + k % n_agencies,
                   password_hash=password) for k, oid in enumerate(officer_ids)]
    insert(User, users)

    insert(Course, [dict(id=1, code="287G-JEM-BASIC", title="287(g) Jail Enforcement Model basic course", weeks=4, hours=160)])
    modules, lessons = [], []
    for week in range(1, 5):
        modules.append(dict(id=week, course_id=1, week=week, position=1, title=f"Week {week}"))
        lessons += [dict(id=(week - 1) * 3 + k, module_id=week, position=k, title=f"Week {week} lesson {k}",
                         body_markdown="Lesson text. " * 200, minutes=30) for k in range(1, 4)]
    insert(Module, modules)
    insert(Lesson, lessons)
    insert(QuestionCategory, [dict(id=1, course_id=1, name="Bench")])
    data = REGISTRY["single_choice"].data_from_lines("100 | Right | Yes\n0 | Wrong | No\n0 | Also wrong | No")
    insert(Question, [dict(id=q, course_id=1, category_id=1, kind="single_choice", name=f"Question {q}",
                           text=f"Question {q}?", data=data) for q in range(1, 31)])
    insert(Quiz, [dict(id=z, course_id=1, module_id=z if z <= 4 else None, title=f"Week {z} exam" if z <= 4 else "Final exam",
                       position=1, shuffle_choices=False) for z in range(1, 6)])
    insert(QuizSlot, [dict(quiz_id=z, position=p, question_id=(z - 1) * 6 + p) for z in range(1, 6) for p in range(1, 7)])

    classes = [dict(id=1, course_id=1, name="Big class", start_date=on - timedelta(days=21), capacity=600)]
    classes += [dict(id=c, course_id=1, name=f"Class {c:03d}", start_date=on - timedelta(days=rng.randint(35, 700)),
                     capacity=60) for c in range(2, n_classes + 1)]
    insert(TrainingClass, classes)
    db.session.execute(sa.insert(class_instructors), [dict(class_id=c, user_id=2 + (c - 1) % 20) for c in range(1, n_classes + 1)])

    enrollments, completed = [], set()
    for k, oid in enumerate(officer_ids):
        class_id = 1 if k < big_class else 2 + (k - big_class) % (n_classes - 1)
        done = class_id != 1 and len(completed) < n_certificates
        enrollments.append(dict(id=k + 1, class_id=class_id, officer_id=oid, status="completed" if done else "in_progress",
                                completed_at=now if done else None))
        if done:
            completed.add(k + 1)
    insert(Enrollment, enrollments)
    insert(LessonProgress, [dict(enrollment_id=e["id"], lesson_id=lesson)
                            for e in enrollments for lesson in range(1, 13 if e["id"] in completed else 7)])

    attempts, responses, attempt_id = [], [], 0
    for e in enrollments:
        for z in range(1, 6):
            attempt_id += 1
            pending = e["class_id"] == 1 and z == 5 and e["id"] % 25 == 0
            right = [rng.random() < 0.85 for _ in range(6)]
            score = float(sum(right))
            attempts.append(dict(id=attempt_id, quiz_id=z, enrollment_id=e["id"], number=1,
                                 status="pending_grading" if pending else "graded", submitted_at=now,
                                 graded_at=None if pending else now, score=None if pending else score, max_score=6.0,
                                 passed=None if pending else score / 6 >= 0.7,
                                 layout=[{"question_id": (z - 1) * 6 + p, "choices": [0, 1, 2]} for p in range(1, 7)]))
            responses += [dict(attempt_id=attempt_id, question_id=(z - 1) * 6 + p, position=p, max_points=1.0,
                               answer={"choice": 0 if right[p - 1] else 1}, saved_at=now,
                               auto_score=None if pending and p == 6 else float(right[p - 1]),
                               needs_grading=pending and p == 6) for p in range(1, 7)]
    insert(Attempt, attempts)
    insert(Response, responses)

    certificates = []
    for n, e in enumerate(e for e in enrollments if e["id"] in completed):
        blob = os.urandom(25_000)
        certificates.append(dict(
            serial=f"287G-BENCH-{n:06d}", code_sha256=hashlib.sha256(f"code{n}".encode()).hexdigest(),
            enrollment_id=e["id"], officer_id=e["officer_id"], agency_id=1 + (e["officer_id"] - first_officer) % n_agencies,
            class_id=e["class_id"], course_id=1, officer_name=f"Officer {n}", agency_name="Bench agency",
            course_title="287(g) JEM basic", course_code="287G-JEM-BASIC", hours=160, instructor_name="Ivan Instructor",
            issued_on=on - timedelta(days=rng.randint(0, 500)), expires_on=on + timedelta(days=rng.randint(-100, 365)),
            pdf=blob, pdf_sha256=hashlib.sha256(blob).hexdigest(), pdf_size=len(blob)))
        if len(certificates) == 500:
            insert(Certificate, certificates)
            certificates = []
    insert(Certificate, certificates)
    insert(Nomination, [dict(agency_id=1 + i % n_agencies, first_name="Nia", last_name=f"Nominee{i:05d}",
                             email=f"nominee{i}@bench.test", years_experience=5.0, us_citizen=True,
                             background_check_date=on - timedelta(days=30)) for i in range(int(2000 * scale))])
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    return facts()


def facts() -> dict:
    """The ids the timed pages need, read back from a seeded database."""
    from portal.auth.models import User
    from portal.classes.models import Enrollment
    from portal.extensions import db

    officer = db.session.scalar(sa.select(Enrollment.officer_id).where(Enrollment.class_id == 1).limit(1))
    return {
        "officer": db.session.get(User, officer).email,
        "coordinator": db.session.scalar(sa.select(User.email).where(User.role == "coordinator", User.agency_id == 1)),
        "instructor": "instructor1@bench.test",
        "admin": "admin@bench.test",
    }


PAGES = [
    ("gradebook (500 officers x 5 exams)", "instructor", "/teach/classes/1/gradebook"),
    ("gradebook CSV", "instructor", "/teach/classes/1/gradebook.csv"),
    ("roster (500 officers)", "instructor", "/teach/classes/1"),
    ("grading queue", "instructor", "/teach/grading"),
    ("admin class page", "admin", "/admin/classes/1"),
    ("program dashboard /admin/", "admin", "/admin/"),
    ("program reports /admin/reports/", "admin", "/admin/reports/"),
    ("admin agencies", "admin", "/admin/agencies/"),
    ("admin users", "admin", "/admin/users/"),
    ("admin classes", "admin", "/admin/classes/"),
    ("admin certificates", "admin", "/admin/certificates/"),
    ("admin nominations", "admin", "/admin/nominations/"),
    ("agency dashboard", "coordinator", "/agency/"),
    ("agency grades", "coordinator", "/agency/grades"),
    ("agency certificates", "coordinator", "/agency/certificates"),
    ("officer dashboard", "officer", "/dashboard"),
]


def time_pages(app, who: dict, runs: int, only: str | None) -> list[dict]:
    from portal.extensions import db

    clients = {}
    for role, email in who.items():
        client = app.test_client()
        assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302, f"{role} sign-in"
        clients[role] = client
    with app.app_context():
        engine = db.engine
    results = []
    for name, role, url in PAGES:
        if only and only not in name:
            continue
        client, counted = clients[role], []
        listener = lambda *a, **k: counted.append(1)  # noqa: E731
        client.get(url)  # warm up (templates compiled, caches filled)
        times = []
        for _ in range(runs):
            counted.clear()
            event.listen(engine, "before_cursor_execute", listener)
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            event.remove(engine, "before_cursor_execute", listener)
            assert response.status_code == 200, f"{url}: {response.status_code}"
        result = {"page": name, "url": url, "median_ms": round(statistics.median(times), 1),
                  "min_ms": round(min(times), 1), "statements": len(counted), "runs": runs,
                  "load_average": [round(x, 2) for x in os.getloadavg()]}
        print(json.dumps(result), flush=True)
        results.append(result)
    return results


def server_database() -> tuple[str, str]:
    import psycopg

    server = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if not server:
        raise SystemExit("Set BENCH_DATABASE_URL or TEST_DATABASE_URL to a PostgreSQL server, or pass --database-url.")
    name = f"bench_pages_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server.rsplit("/", 1)[0] + "/" + name, name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--keep", action="store_true", help="keep the database it created (its URL is printed)")
    parser.add_argument("--only", help="time only pages whose name contains this")
    args = parser.parse_args()
    url, created = (args.database_url, None) if args.database_url else server_database()
    try:
        app = make_app(url)
        with app.app_context():
            from portal.agencies.models import Agency
            from portal.extensions import db

            if db.session.scalar(sa.select(sa.func.count(Agency.id))):
                who = facts()
            else:
                started = time.perf_counter()
                who = seed(args.scale)
                print(json.dumps({"seeded_in_s": round(time.perf_counter() - started, 1), "scale": args.scale,
                                  "database": url}), flush=True)
            db.session.remove()
        time_pages(app, who, args.runs, args.only)
    finally:
        if created and not args.keep:
            import psycopg

            with app.app_context():
                db.engine.dispose()
            with psycopg.connect(os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL"),
                                 autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{created}" WITH (FORCE)')


if __name__ == "__main__":
    main()
