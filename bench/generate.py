"""Seed the program-scale data set into an empty, migrated database.

    python -m bench.generate --scale 0.1 --database-url postgresql://postgres@127.0.0.1:5432/mydb
    python -m bench.generate --scale 1 --create        # a new PostgreSQL database, kept; prints its URL

Without --database-url or --create: a new SQLite file under /tmp. The schema comes only from the
Alembic migrations (run here first); rows go in through COPY (PostgreSQL) or executemany (SQLite).
Prints the seconds spent per table and one JSON line (`name: generate`).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import sqlalchemy as sa

from bench import databases
from bench.dataset import COURSE_CODE, PASSWORD, TABLES, Generator, Sizes, build_exam_sets
from bench.report import emit, load_average
from bench.sink import BulkWriter


def load_content():
    """The demo JEM Basic course (and refresher) with its question bank and exams, via the ORM."""
    from portal.demo.seed import load_courses
    from portal.extensions import db
    from portal.quizzes.demo import build_exams

    courses = load_courses()
    db.session.flush()
    course = courses[COURSE_CODE]
    build_exams(course)
    db.session.commit()
    return course


def render_sample_pdf(course) -> bytes:
    from portal.certificates import codes
    from portal.certificates.pdf import CertificatePdfValues, build_certificate_html, render_pdf
    from portal.certificates.services import verify_url

    code = codes.new_code()
    values = CertificatePdfValues(
        serial="287G-2026-000001", verification_code=codes.grouped(code), verify_url=verify_url(code),
        officer_name="Jordan Reyes", agency_name="Mecklenburg County Sheriff's Office", course_title=course.title,
        course_code=course.code, hours=course.hours, instructor_name="Marcus Ortega",
        issued_on=date(2026, 1, 30), expires_on=date(2027, 1, 30))
    return render_pdf(build_certificate_html(values))


def generate(url: str, scale: float, today: date | None = None) -> dict:
    import random

    from werkzeug.security import generate_password_hash

    from portal.courses.models import Course
    from portal.extensions import db
    from portal.timeutil import today as portal_today

    started = time.perf_counter()
    databases.migrate(url)
    app = databases.bench_app(url)
    steps: dict[str, float] = {"migrate": time.perf_counter() - started}
    with app.app_context():
        if db.session.scalar(sa.select(sa.func.count()).select_from(Course)):
            raise SystemExit(f"{url} is not empty: the generator fills a new database only")
        mark = time.perf_counter()
        course = load_content()
        lessons_by_week: dict[int, list[int]] = {}
        for module in course.modules:
            lessons_by_week.setdefault(module.week, []).extend(lesson.id for lesson in module.lessons)
        exams = build_exam_sets(course, random.Random(7))
        steps["course content (ORM)"] = time.perf_counter() - mark
        mark = time.perf_counter()
        pdf = render_sample_pdf(course)
        password_hash = generate_password_hash(PASSWORD, method="scrypt")  # once, shared by every account
        steps["one PDF, one password hash"] = time.perf_counter() - mark
        course = SimpleNamespace(**{c: getattr(course, c) for c in (
            "id", "title", "code", "hours", "weeks", "certificate_validity_days")})
        first_ids = {table: db.session.scalar(sa.text(f"SELECT coalesce(max(id), 0) FROM {table}"))
                     for table, columns in TABLES.items() if "id" in columns}
        db.session.remove()  # release SQLite's write lock before the bulk writer's connection writes
        sizes = Sizes(scale)
        writer = BulkWriter(db.engine, TABLES)
        Generator(writer, sizes, course, lessons_by_week, exams, password_hash, pdf, today or portal_today(), first_ids).run()
        db.session.remove()
        db.engine.dispose()
    total = time.perf_counter() - started
    for step, seconds in steps.items():
        print(f"  {step:<32} {seconds:7.2f} s", file=sys.stderr)
    for table, seconds in writer.seconds.items():
        print(f"  {table:<32} {seconds:7.2f} s  {writer.rows.get(table, 0):>9,} rows", file=sys.stderr)
    return emit(name="generate", scale=scale, database=url.split(":", 1)[0], seconds=round(total, 1),
                rows=dict(writer.rows), seconds_per_table={k: round(v, 2) for k, v in {**steps, **writer.seconds}.items()},
                load_average=load_average())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = full size (10,000 officers), 0.1 = a tenth")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--database-url", help="an EMPTY database (PostgreSQL or sqlite:///...)")
    target.add_argument("--create", action="store_true", help="create a new PostgreSQL database and keep it")
    args = parser.parse_args(argv)
    if args.create:
        url = databases.create(f"s{str(args.scale).replace('.', '')}")
    elif args.database_url:
        url = args.database_url
    else:
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='portal-bench-')) / 'bench.db'}"
    print(f"generating scale {args.scale} into {url}", file=sys.stderr)
    generate(url, args.scale)
    print(url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
