"""The storm's own class: built before the storm (timed apart from it), so that the exam day has
the size asked for whatever the database's running classes hold.

On a database made by bench.generate, a new training class of the demo course (COURSE_CODE):

- started so that the last week opened two days ago: the final exam's week is open, every weekly
  exam has been open long enough to have been taken;
- one instructor (the bench's first instructor);
- `officers` officers enrolled through the portal's own `classes.services.enroll`, so the
  program's enrollment rules decide (officer role, account active, agency's agreement in force,
  no active enrollment in another class of the course, seats): first existing officers who have
  never started or completed the course elsewhere (none of their enrollments in it is active or
  completed), then, for the rest, new bench officer accounts with the data set's shared password
  hash, spread over the agencies whose agreement is in force;
- what the rules require before the final can be started, for each officer: every lesson of the
  course completed (the lessons-first gate, `Quiz.lessons_first`, covers every lesson for a final,
  and `progress` requires them all for completion), and every weekly exam passed (graded attempts
  from the data set's precomputed answer sets, essays graded by the instructor), so the officer
  is `in_progress`, not in remediation, and a passed final completes the course as on a real exam
  day (a certificate issued in the submit);
- the final's own window: `open_exam` sets its `closes_at` to the storm's deadline when the clock
  starts (the attempts' deadline is the sooner of the time limit and `closes_at`), and
  `restore_exam` puts back what it was afterwards (the quiz is the course's, shared by every class).
"""
from __future__ import annotations

import logging
import random
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace

import sqlalchemy as sa

from bench import databases
from bench.dataset import (
    ADMIN_EMAIL,
    COURSE_CODE,
    EMAIL_DOMAIN,
    FIRST,
    LAST,
    PASSWORD,
    TABLES,
    Generator,
    Sizes,
    build_exam_sets,
    stamp,
)
from bench.sink import BulkWriter


@dataclass
class StormClass:
    class_id: int
    name: str
    quiz_id: int  # the final exam
    quiz_title: str
    instructor: str  # email
    emails: list[str]  # the officers, in enrollment order
    existing_officers: int
    new_officers: int
    start_date: str
    lessons_completed: int
    weekly_attempts: int
    seconds: float

    def people(self) -> list[tuple[str, int, int]]:
        return [(email, self.class_id, self.quiz_id) for email in self.emails]

    def describe(self) -> str:
        return (f"storm class {self.class_id} \"{self.name}\" (started {self.start_date}), instructor {self.instructor}: "
                f"{len(self.emails)} officers enrolled ({self.existing_officers} existing, {self.new_officers} new "
                f"accounts), {self.lessons_completed} lessons completed, {self.weekly_attempts} weekly exams passed; "
                f"exam: {self.quiz_title} (quiz {self.quiz_id}); built in {self.seconds:.1f} s")


def build(database_url: str, officers: int) -> StormClass:
    """Build the class (see the module's docstring) and commit it."""
    started = time.perf_counter()
    app = databases.bench_app(database_url)
    audit_log = logging.getLogger("portal.security")  # one "enrolled" line per officer otherwise
    level = audit_log.level
    audit_log.setLevel(logging.WARNING)
    try:
        return _build(app, officers, started)
    finally:
        audit_log.setLevel(level)


def _build(app, officers: int, started: float) -> StormClass:
    from portal.auth.models import User
    from portal.auth.roles import Role
    from portal.classes.models import ACTIVE_ENROLLMENT_STATUSES, Enrollment, EnrollmentStatus, TrainingClass
    from portal.classes.services import EnrollmentError, agencies_in_force, enroll
    from portal.courses.models import Course
    from portal.extensions import db
    from portal.quizzes.services import rules
    from portal.timeutil import DEFAULT_TIME_ZONE, today_in, utcnow

    with app.app_context():
        course = db.session.scalar(sa.select(Course).where(Course.code == COURSE_CODE))
        if course is None:
            raise SystemExit(f"no course {COURSE_CODE} in the database: make it with bench.generate")
        quizzes = rules.course_quizzes(course.id)
        final = next((q for q in quizzes if q.is_final), None)
        if final is None:
            raise SystemExit(f"the course {COURSE_CODE} has no final exam")
        weekly = [q for q in quizzes if not q.is_final]
        instructor = db.session.scalar(sa.select(User).where(User.role == Role.INSTRUCTOR, User.active.is_(True))
                                       .order_by(User.id).limit(1))
        if instructor is None:
            raise SystemExit("the database has no active instructor")
        training_class = TrainingClass(course=course, name="", start_date=datetime(2000, 1, 1).date(), capacity=officers,
                                       location="Regional training academy", time_zone=DEFAULT_TIME_ZONE,
                                       instructors=[instructor])
        # The final's week (the last) opened two days ago, in the class's own zone.
        training_class.start_date = today_in(training_class.time_zone) - timedelta(days=7 * (final.week - 1) + 2)
        db.session.add(training_class)
        db.session.flush()
        training_class.name = f"JEM Basic — exam-day storm {training_class.id}"

        done_or_active = (
            sa.select(Enrollment.officer_id).join(TrainingClass, TrainingClass.id == Enrollment.class_id)
            .where(TrainingClass.course_id == course.id,
                   Enrollment.status.in_(ACTIVE_ENROLLMENT_STATUSES | {EnrollmentStatus.COMPLETED}))
        )
        free = list(db.session.scalars(
            sa.select(User).where(User.role == Role.OFFICER, User.active.is_(True), User.agency_id.is_not(None),
                                  User.id.not_in(done_or_active)).order_by(User.id)))
        in_force = agencies_in_force({u.agency_id for u in free} | set(db.session.scalars(sa.select(User.agency_id)
                                     .where(User.role == Role.OFFICER, User.agency_id.is_not(None)).distinct())))
        chosen = [u for u in free if u.agency_id in in_force][:officers]
        existing = len(chosen)
        if len(chosen) < officers:
            if not in_force:
                raise SystemExit("no agency has an agreement in force: officers cannot be enrolled")
            password_hash = db.session.scalar(sa.select(User.password_hash).where(User.email == ADMIN_EMAIL))
            if password_hash is None:
                from werkzeug.security import generate_password_hash

                password_hash = generate_password_hash(PASSWORD, method="scrypt")
            agencies = sorted(in_force)
            now = utcnow()
            for n in range(officers - len(chosen)):
                user = User(email=f"storm{training_class.id}.officer{n:04d}@{EMAIL_DOMAIN}", first_name=FIRST[n % len(FIRST)],
                            last_name=LAST[(n // len(FIRST)) % len(LAST)], role=Role.OFFICER,
                            agency_id=agencies[n % len(agencies)], password_hash=password_hash, active=True,
                            created_at=now, password_changed_at=now)
                db.session.add(user)
                chosen.append(user)
            db.session.flush()
        try:
            enrollments = enroll(chosen, training_class)
        except EnrollmentError as exc:
            raise SystemExit(f"the program's rules refuse the storm's enrollments: {exc}") from None
        enrolled_at = stamp(training_class.start_date - timedelta(days=14))
        for enrollment in enrollments:
            enrollment.enrolled_at = enrolled_at
            enrollment.status = EnrollmentStatus.IN_PROGRESS  # lessons done and exams taken, below
        db.session.flush()
        ids = [(e.id, e.officer.email) for e in enrollments]
        lessons_by_week: dict[int, list[int]] = {}
        for module in course.modules:
            lessons_by_week.setdefault(module.week, []).extend(lesson.id for lesson in module.lessons)
        exams = {e.quiz_id: e for e in build_exam_sets(course, random.Random(7))}
        first_ids = {table: db.session.scalar(sa.text(f"SELECT coalesce(max(id), 0) FROM {table}"))
                     for table, columns in TABLES.items() if "id" in columns}
        summary = dict(class_id=training_class.id, name=training_class.name, start=training_class.start_date,
                       quiz_id=final.id, quiz_title=final.title, instructor=instructor.email, instructor_id=instructor.id)
        course_facts = SimpleNamespace(id=course.id, title=course.title, code=course.code, hours=course.hours,
                                       weeks=course.weeks, certificate_validity_days=course.certificate_validity_days)
        weekly_exams = [exams[q.id] for q in weekly]
        db.session.commit()

        writer = BulkWriter(db.engine, TABLES)
        rows = Generator(writer, Sizes(1.0), course_facts, lessons_by_week, list(exams.values()), "", b"",
                         utcnow().date(), first_ids)
        start = summary["start"]
        lessons = attempts = 0
        last_week_opened = 7 * (course_facts.weeks - 1)  # days after the start: two days ago
        for enrollment_id, _email in ids:
            # Each week's lessons in the morning of the day it opened (6:00, then every 10 minutes);
            # its exam on the fifth day (the last week's: the day it opened), from 10:00 (UTC), its
            # essays graded within a day: everything is in the past.
            for week, lesson_ids in sorted(lessons_by_week.items()):
                opened = start + timedelta(days=7 * (week - 1))
                for position, lesson_id in enumerate(lesson_ids):
                    writer.add("lesson_progress", rows.next_id("lesson_progress"), enrollment_id, lesson_id,
                               stamp(opened, 6 + position // 6, 10 * (position % 6)))
                    lessons += 1
            for exam in weekly_exams:
                day = start + timedelta(days=min(exam.opens_day + 5, last_week_opened))
                rows.attempt(exam, enrollment_id, 1, False, "pass", day, summary["instructor_id"])
                attempts += 1
            writer.flush_if_full()
        writer.finish()
        db.engine.dispose()
    built = StormClass(summary["class_id"], summary["name"], summary["quiz_id"], summary["quiz_title"], summary["instructor"],
                       [email for _id, email in ids], existing, officers - existing, str(start), lessons, attempts,
                       time.perf_counter() - started)
    print(built.describe(), file=sys.stderr)
    return built


def closes_at(database_url: str, quiz_id: int) -> datetime | None:
    return _execute(database_url, "SELECT closes_at FROM quizzes WHERE id = :q", q=quiz_id)


def open_exam(database_url: str, quiz_id: int, deadline: datetime | None) -> None:
    """Set the exam's closing time (naive UTC; None: no closing time)."""
    _execute(database_url, "UPDATE quizzes SET closes_at = :t WHERE id = :q", t=deadline, q=quiz_id)


restore_exam = open_exam


def _execute(database_url: str, statement: str, **params):
    import psycopg

    sql = statement.replace(":q", "%(q)s").replace(":t", "%(t)s")
    with psycopg.connect(databases.plain(database_url), autocommit=True, connect_timeout=10) as conn:
        cursor = conn.execute(sql, params)
        return cursor.fetchone()[0] if cursor.description else None
