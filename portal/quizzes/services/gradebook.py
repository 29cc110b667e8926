"""Gradebook cells (officer × exam, best or last attempt per the quiz's policy) and item analysis."""
from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeAlias, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import defer

from portal import csv_export
from portal.agencies.models import Agency
from portal.auth.models import User
from portal.classes.models import Enrollment, EnrollmentStatus, TrainingClass
from portal.extensions import db
from portal.progress.models import LessonProgress
from portal.quizzes.models import Attempt, AttemptStatus, GradingPolicy, Quiz, Response, RetakeGrant
from portal.quizzes.services.attempts import StartCheck, is_overdue, start_check
from portal.quizzes.services.rules import (
    PROGRAM_RETAKES,
    Standing,
    course_quizzes,
    quizzes_by_course,
    standing,
)

# A gradebook reads attempts as ORM objects or, for pages of hundreds of officers, as plain rows.
AnyAttempt: TypeAlias = "Attempt | AttemptSummary"


@dataclass
class Cell:
    state: str  # none | in_progress | pending | pass | fail
    percent: float | None = None
    attempts: int = 0
    attempt: AnyAttempt | None = None

    @property
    def text(self) -> str:
        if self.state == "pass":
            return f"{self.percent:g}% Pass"
        if self.state == "fail":
            return f"{self.percent:g}% Fail"
        return {"none": "Not attempted", "in_progress": "In progress", "pending": "Pending grading"}[self.state]


def cell(quiz: Quiz, attempts: Sequence[AnyAttempt]) -> Cell:
    graded = [a for a in attempts if a.status == AttemptStatus.GRADED]
    if any(a.status == AttemptStatus.PENDING_GRADING or (a.is_open and is_overdue(a)) for a in attempts):
        chosen = next(a for a in attempts if a.status != AttemptStatus.GRADED)
        return Cell("pending", attempts=len(attempts), attempt=chosen)
    if graded:
        if quiz.grading_policy == GradingPolicy.LAST:
            chosen = graded[-1]
        else:
            chosen = max(graded, key=lambda a: (a.percent or 0, a.number))
        return Cell("pass" if chosen.passed else "fail", chosen.percent, len(attempts), chosen)
    if attempts:
        return Cell("in_progress", attempts=len(attempts), attempt=attempts[-1])
    return Cell("none")


# Built once (see auth.sessions._lookup): every officer's dashboard runs them.
@functools.cache
def _quizzes_and_attempts() -> sa.Select[Quiz, Attempt]:
    enrollment_ids: sa.BindParameter[list[int]] = sa.bindparam("enrollment_ids", expanding=True)
    return (sa.select(Quiz, Attempt).where(Quiz.course_id.in_(sa.bindparam("course_ids", expanding=True)))
            .outerjoin(Attempt, sa.and_(Attempt.quiz_id == Quiz.id, Attempt.enrollment_id.in_(enrollment_ids)))
            .order_by(Attempt.number).options(defer(Attempt.layout)))


@functools.cache
def _lessons_and_retakes() -> sa.CompoundSelect[int, int | None, int]:
    enrollment_ids: sa.BindParameter[list[int]] = sa.bindparam("enrollment_ids", expanding=True)
    lessons = (sa.select(LessonProgress.enrollment_id, LessonProgress.lesson_id, sa.literal(0, sa.Integer))
               .where(LessonProgress.enrollment_id.in_(enrollment_ids)))
    grants = (sa.select(RetakeGrant.enrollment_id, sa.null(), sa.func.count())
              .where(RetakeGrant.enrollment_id.in_(enrollment_ids)).group_by(RetakeGrant.enrollment_id))
    return sa.union_all(lessons, grants)


def quizzes_and_attempts(course_ids: set[int], enrollment_ids: list[int]
                         ) -> tuple[dict[int, list[Quiz]], dict[tuple[int, int], list[Attempt]]]:
    """Each course's quizzes (as quizzes_by_course) and the enrollments' attempts, grouped by enrollment
    and quiz, in one statement (a quiz comes once per attempt, or once alone). The attempts come
    without their question layouts (the exam's copy, read only while it is taken)."""
    rows = db.session.execute(_quizzes_and_attempts(), {"course_ids": list(course_ids), "enrollment_ids": enrollment_ids}
                              ).all() if course_ids else []
    grouped: dict[tuple[int, int], list[Attempt]] = {}
    for _quiz, attempt in rows:
        if attempt is not None:
            grouped.setdefault((attempt.enrollment_id, attempt.quiz_id), []).append(attempt)
    return quizzes_by_course(course_ids, dict.fromkeys(quiz for quiz, _attempt in rows)), grouped


def lessons_and_retakes(enrollment_ids: list[int]) -> tuple[dict[int, set[int]], dict[int, int]]:
    """The completed lesson ids and the retakes allowed of each enrollment (as completed_lesson_ids and
    retakes_allowed_by_enrollment), in one round trip: every officer's dashboard asks for both."""
    done: dict[int, set[int]] = {enrollment_id: set() for enrollment_id in enrollment_ids}
    allowed = {enrollment_id: PROGRAM_RETAKES for enrollment_id in enrollment_ids}
    if enrollment_ids:
        for enrollment_id, lesson_id, granted in db.session.execute(_lessons_and_retakes(),
                                                                    {"enrollment_ids": enrollment_ids}):
            if lesson_id is None:
                allowed[enrollment_id] += granted
            else:
                done[enrollment_id].add(lesson_id)
    return done, allowed


@dataclass
class ExamRecords:
    """What the exam rules read for several enrollments, loaded with a fixed number of queries."""

    attempts: dict[tuple[int, int], list[Attempt]]  # (enrollment id, quiz id) -> attempts by number
    retakes: dict[int, int]  # enrollment id -> retakes allowed
    quizzes: dict[int, list[Quiz]]  # course id -> quizzes in curriculum order
    done: dict[int, set[int]] = field(default_factory=dict)  # enrollment id -> completed lesson ids
    by_enrollment: dict[int, list[Attempt]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for (enrollment_id, _quiz_id), attempts in self.attempts.items():
            self.by_enrollment.setdefault(enrollment_id, []).extend(attempts)

    @classmethod
    def load(cls, enrollments: Sequence[Enrollment]) -> ExamRecords:
        ids = [e.id for e in enrollments]
        # With their quizzes: an attempt's `quiz` then comes from the session instead of a query each.
        quizzes, attempts = quizzes_and_attempts({e.training_class.course_id for e in enrollments}, ids)
        done, retakes = lessons_and_retakes(ids)
        return cls(attempts, retakes, quizzes, done)

    def standing(self, enrollment: Enrollment) -> Standing:
        return standing(enrollment, self.by_enrollment.get(enrollment.id, []), self.retakes[enrollment.id])


def officer_exam_rows(enrollment: Enrollment, records: ExamRecords | None = None) -> list[tuple[Quiz, Cell, StartCheck]]:
    """The officer's view of each exam of the course: the grade that counts and what they may do next."""
    records = records or ExamRecords.load([enrollment])
    now_standing = records.standing(enrollment)
    rows = []
    for quiz in records.quizzes[enrollment.training_class.course_id]:
        attempts = records.attempts.get((enrollment.id, quiz.id), [])
        check = start_check(enrollment, quiz, attempts=attempts, retakes=records.retakes[enrollment.id],
                            standing=now_standing, done=records.done.get(enrollment.id))
        rows.append((quiz, cell(quiz, attempts), check))
    return rows


@dataclass(frozen=True, slots=True)
class AttemptSummary:
    """The columns of an attempt a grade cell reads: gradebooks of hundreds of officers fetch these
    as plain rows, without building ORM objects or reading each attempt's question layout."""

    id: int
    enrollment_id: int
    quiz_id: int
    number: int
    status: AttemptStatus
    deadline_at: datetime | None
    score: float | None
    max_score: float
    passed: bool | None

    # The model's own properties, read on these columns.
    fraction = vars(Attempt)["fraction"]
    percent = vars(Attempt)["percent"]
    is_open = vars(Attempt)["is_open"]


SUMMARY_COLUMNS = [getattr(Attempt, f) for f in AttemptSummary.__slots__]


def attempt_summaries(*conditions: sa.ColumnElement[bool]) -> dict[tuple[int, int], list[AttemptSummary]]:
    """Attempts (as summaries) of the enrollments matching `conditions`, per (enrollment, quiz), by number."""
    grouped: dict[tuple[int, int], list[AttemptSummary]] = {}
    rows = db.session.execute(
        sa.select(*SUMMARY_COLUMNS).join(Enrollment, Enrollment.id == Attempt.enrollment_id)
        .where(*conditions).order_by(Attempt.number)
    )
    for row in rows:
        attempt = AttemptSummary(*row)
        grouped.setdefault((attempt.enrollment_id, attempt.quiz_id), []).append(attempt)
    return grouped


@dataclass
class Row:
    enrollment: Enrollment | EnrollmentSummary
    cells: list[Cell]


def enrollment_rows(enrollments: Sequence[Enrollment | EnrollmentSummary], quizzes: list[Quiz],
                    grouped: Mapping[tuple[int, int], Sequence[AnyAttempt]]) -> list[Row]:
    return [Row(e, [cell(q, grouped.get((e.id, q.id), [])) for q in quizzes]) for e in enrollments]


AnyEnrollment = TypeVar("AnyEnrollment", "Enrollment", "EnrollmentSummary")


def by_officer_name(enrollments: list[AnyEnrollment]) -> list[AnyEnrollment]:
    return sorted(enrollments, key=lambda e: (e.officer.last_name, e.officer.first_name))


@dataclass(frozen=True, slots=True)
class OfficerSummary:
    first_name: str
    last_name: str
    email: str
    agency_name: str | None

    # The model's own properties, read on these columns.
    full_name = vars(User)["full_name"]
    sort_name = vars(User)["sort_name"]


@dataclass(frozen=True, slots=True)
class EnrollmentSummary:
    """What a gradebook row shows of an enrollment, read as plain columns (hundreds per class)."""

    id: int
    status: EnrollmentStatus
    officer: OfficerSummary


def class_gradebook(training_class: TrainingClass) -> tuple[list[Quiz], list[Row]]:
    quizzes = course_quizzes(training_class.course_id)
    enrollments = by_officer_name([
        EnrollmentSummary(enrollment_id, status, OfficerSummary(*officer))
        for enrollment_id, status, *officer in db.session.execute(
            sa.select(Enrollment.id, Enrollment.status, User.first_name, User.last_name, User.email, Agency.name)
            .join(User, User.id == Enrollment.officer_id).outerjoin(Agency, Agency.id == User.agency_id)
            .where(Enrollment.class_id == training_class.id)
        )
    ])
    return quizzes, enrollment_rows(enrollments, quizzes, attempt_summaries(Enrollment.class_id == training_class.id))


GRADE_ORDER = {"none": 0, "in_progress": 1, "pending": 2, "fail": 3, "pass": 3}


def gradebook_sorts(quizzes: list[Quiz]) -> dict[str, Callable[[Row], object]]:
    """The sortable columns of a class gradebook: the officer, the enrollment status (in the order
    of the program) and each exam (`exam<quiz id>`: no grade yet first, then by percent)."""
    statuses = {status: number for number, status in enumerate(EnrollmentStatus)}
    sorts: dict[str, Callable[[Row], object]] = {
        "officer": lambda row: (row.enrollment.officer.last_name, row.enrollment.officer.first_name),
        "status": lambda row: statuses[row.enrollment.status],
    }

    def by_exam(index: int) -> Callable[[Row], object]:
        return lambda row: (GRADE_ORDER[row.cells[index].state], row.cells[index].percent or 0)

    sorts.update((f"exam{quiz.id}", by_exam(index)) for index, quiz in enumerate(quizzes))
    return sorts


def gradebook_csv(training_class: TrainingClass) -> bytes:
    quizzes, rows = class_gradebook(training_class)

    def line(row: Row) -> list[object]:
        officer = row.enrollment.officer
        assert isinstance(officer, OfficerSummary)  # class_gradebook reads plain columns
        return [officer.sort_name, officer.email, officer.agency_name, row.enrollment.status.label,
                *[c.text for c in row.cells]]

    return csv_export.document(["Officer", "Email", "Agency", "Status", *[q.title for q in quizzes]], map(line, rows))


# --- item analysis -----------------------------------------------------------------------------

@dataclass
class ItemStats:
    question_id: int
    name: str
    kind: str
    count: int
    facility: float | None  # mean score as a share of the maximum, 0..100
    discrimination: float | None  # correlation with the rest of the test, -100..100


def _correlation(xs: list[float], ys: list[float]) -> float | None:
    n = len(xs)
    if n < 2:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


def item_analysis(quiz: Quiz, class_ids: list[int] | None = None) -> tuple[int, list[ItemStats]]:
    """Facility and discrimination index per question, over each officer's first graded attempt, as
    Moodle's quiz statistics report computes them: the discrimination index is the correlation
    between the score on the question and the score on the rest of the quiz."""
    query = sa.select(Attempt).where(Attempt.quiz_id == quiz.id, Attempt.status == AttemptStatus.GRADED).order_by(Attempt.number)
    if class_ids is not None:
        query = query.join(Enrollment).where(Enrollment.class_id.in_(class_ids))
    first: dict[int, Attempt] = {}
    for attempt in db.session.scalars(query):
        first.setdefault(attempt.enrollment_id, attempt)
    attempts = list(first.values())
    totals = {a.id: (a.score or 0.0) for a in attempts}
    per_question: dict[int, list[Response]] = {}
    for attempt in attempts:
        for response in attempt.responses:
            per_question.setdefault(response.question_id, []).append(response)
    stats = []
    for question_id, responses in per_question.items():
        question = responses[0].question
        fractions = [(r.score or 0.0) / r.max_points if r.max_points else 0.0 for r in responses]
        rest = [totals[r.attempt_id] - (r.score or 0.0) for r in responses]
        correlation = _correlation(fractions, rest)
        stats.append(ItemStats(
            question_id, question.name, question.type.label, len(responses),
            round(100 * sum(fractions) / len(fractions), 1) if fractions else None,
            round(100 * correlation, 1) if correlation is not None else None,
        ))
    stats.sort(key=lambda s: s.name.lower())
    return len(attempts), stats


def item_analysis_csv(quiz: Quiz, class_ids: list[int] | None = None) -> bytes:
    _count, stats = item_analysis(quiz, class_ids)
    return csv_export.document(
        ["Question", "Type", "Answers", "Facility (%)", "Discrimination index"],
        ([s.name, s.kind, s.count, s.facility, s.discrimination] for s in stats),
    )
