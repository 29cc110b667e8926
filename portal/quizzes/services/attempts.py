"""Attempt lifecycle: start → save answers page by page → submit → graded (or pending grading).

The server owns the clock: answers arriving after the deadline plus a small grace are refused and
the attempt is closed with what was saved. Every change takes row locks (enrollment, then attempt)
and unique constraints back them up, so double submits, second tabs and racing requests never make
two attempts, two scores or an attempt beyond the limit.
"""
from __future__ import annotations

import math
import random
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.exc import IntegrityError

from portal.audit.services import record
from portal.classes.models import Enrollment, EnrollmentStatus
from portal.classes.services import lock_enrollment
from portal.courses.models import Lesson
from portal.extensions import db
from portal.quizzes.models import Attempt, AttemptStatus, Question, Quiz, Response
from portal.quizzes.services import grading, rules
from portal.quizzes.services.locks import lock_attempt
from portal.quizzes.types import JSON, AnswerRefused, Form
from portal.timeutil import utcnow

DEFAULT_GRACE_SECONDS = 60


class AttemptError(Exception):
    """The officer may not do this now; the message says why."""


class AttemptClosed(AttemptError):
    pass


def grace() -> timedelta:
    seconds = current_app.config.get("QUIZ_GRACE_SECONDS", DEFAULT_GRACE_SECONDS) if has_app_context() else DEFAULT_GRACE_SECONDS
    return timedelta(seconds=seconds)


class Deadlined(Protocol):
    """An attempt, or the plain columns a gradebook reads of one."""

    @property
    def is_open(self) -> bool: ...

    @property
    def deadline_at(self) -> datetime | None: ...


def is_overdue(attempt: Deadlined, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return attempt.is_open and attempt.deadline_at is not None and now > attempt.deadline_at + grace()


def seconds_left(attempt: Attempt, now: datetime | None = None) -> int | None:
    if attempt.deadline_at is None:
        return None
    return max(0, math.floor((attempt.deadline_at - (now or utcnow())).total_seconds()))


def attempts_for(enrollment: Enrollment, quiz: Quiz) -> list[Attempt]:
    return list(db.session.scalars(
        sa.select(Attempt).where(Attempt.enrollment_id == enrollment.id, Attempt.quiz_id == quiz.id).order_by(Attempt.number)
    ))


def attempt_limit(enrollment: Enrollment, quiz: Quiz, retakes: int | None = None) -> int:
    """The quiz's own limit, plus one per retake an instructor granted."""
    retakes = rules.retakes_allowed(enrollment) if retakes is None else retakes
    return quiz.attempts_allowed + retakes - rules.PROGRAM_RETAKES


@dataclass
class StartCheck:
    allowed: bool
    reason: str = ""
    is_retake: bool = False
    open_attempt: Attempt | None = None
    lessons_remaining: list[Lesson] = field(default_factory=list)  # refused until these are complete


def start_check(enrollment: Enrollment, quiz: Quiz, now: datetime | None = None, *,
                attempts: list[Attempt] | None = None, retakes: int | None = None,
                standing: rules.Standing | None = None, done: set[int] | None = None) -> StartCheck:
    """May this officer start (or resume) an attempt on this quiz now? Pure: changes nothing.
    Pages listing many exams pass the attempts on this quiz, the retakes allowed, the standing and
    the completed lesson ids they have already loaded; starting an attempt reads them afresh under
    its locks. An attempt in progress is always resumable; the exam's lessons, when it asks for
    them first, are checked last, for a first attempt and a retake alike."""
    now = now or utcnow()
    if quiz.course_id != enrollment.training_class.course_id:
        return StartCheck(False, "This exam is not part of your course.")
    attempts = attempts_for(enrollment, quiz) if attempts is None else attempts
    open_attempt = next((a for a in attempts if a.is_open and not is_overdue(a, now)), None)
    if open_attempt is not None:
        return StartCheck(True, open_attempt=open_attempt)
    if enrollment.status == EnrollmentStatus.DISQUALIFIED:
        return StartCheck(False, "Your enrollment is disqualified: you failed two exams, the remediation retake counted. "
                                 "No further attempts are possible.")
    if not enrollment.is_active:
        return StartCheck(False, f"Your enrollment is {enrollment.status.label.lower()}.")
    problem = rules.quiz_window_problem(quiz, enrollment, now)
    if problem:
        return StartCheck(False, problem)
    if any(a.status == AttemptStatus.PENDING_GRADING for a in attempts):
        return StartCheck(False, "Your attempt is waiting for an instructor to grade it.")
    if any(a.is_open for a in attempts):
        return StartCheck(False, "Your previous attempt ran out of time and is being closed. Reload the page.")
    if any(a.passed for a in attempts):
        return StartCheck(False, "You have passed this exam.")
    if len(attempts) >= attempt_limit(enrollment, quiz, retakes):
        return StartCheck(False, "You have used every attempt allowed on this exam.")
    is_retake = bool(attempts) and quiz.required
    if is_retake:
        now_standing = rules.standing(enrollment) if standing is None else standing
        if now_standing.disqualified:
            return StartCheck(False, "Your enrollment is disqualified: no further attempts are possible.")
        if now_standing.retakes_left <= 0:
            return StartCheck(False, "You have used your remediation retake for this course. "
                                     "Only an instructor can grant another.")
    remaining = rules.lessons_remaining(quiz, enrollment, done)
    if remaining:
        return StartCheck(False, rules.lessons_first_problem(quiz, remaining) or "", lessons_remaining=remaining)
    return StartCheck(True, is_retake=is_retake)


def draw_questions(quiz: Quiz, rng: random.Random) -> list[Question]:
    chosen: list[Question] = []
    used: set[int] = set()
    for slot in quiz.slots:
        if slot.question_id is not None:
            if slot.question_id not in used:
                assert slot.question is not None
                chosen.append(slot.question)
                used.add(slot.question_id)
            continue
        category = slot.category
        assert category is not None  # a slot names a question or a category to draw from
        ids = category.descendant_ids() if slot.include_subcategories else [category.id]
        pool = db.session.scalars(
            sa.select(Question).where(Question.category_id.in_(ids), Question.replaced_by_id.is_(None),
                                      Question.id.not_in(used or [0])).order_by(Question.id)
        ).all()
        if len(pool) < slot.draw_count:
            raise AttemptError(f"This exam is not ready: category “{category.path}” has {len(pool)} question(s), "
                               f"{slot.draw_count} are to be drawn. Tell your instructor.")
        for question in rng.sample(pool, slot.draw_count):
            chosen.append(question)
            used.add(question.id)
    if not chosen:
        raise AttemptError("This exam has no questions yet. Tell your instructor.")
    return chosen


def build_layout(quiz: Quiz, questions: list[Question], rng: random.Random) -> list[JSON]:
    """The attempt's own copy of the exam: question order, and for each question what its type
    keeps (option order, per-attempt form values)."""
    if quiz.shuffle_questions:
        rng.shuffle(questions)
    return [{"question_id": q.id, **q.type.layout(q, rng, quiz.shuffle_choices)} for q in questions]


def layout_entries(attempt: Attempt) -> dict[int, JSON]:
    """The attempt's layout entry of each question, by question id."""
    return {entry["question_id"]: entry for entry in attempt.layout}


def start_attempt(enrollment: Enrollment, quiz: Quiz, now: datetime | None = None, rng: random.Random | None = None) -> Attempt:
    """Start an attempt, or return the officer's open one. Raises AttemptError with the reason."""
    now = now or utcnow()
    enrollment = lock_enrollment(enrollment.id)
    for attempt in attempts_for(enrollment, quiz):
        if is_overdue(attempt, now):
            close_overdue(attempt, now)
    check = start_check(enrollment, quiz, now)
    if check.open_attempt is not None:
        return check.open_attempt
    if not check.allowed:
        raise AttemptError(check.reason)
    rng = rng or random.Random(secrets.randbits(64))
    questions = draw_questions(quiz, rng)
    number = len(attempts_for(enrollment, quiz)) + 1
    deadline = now + timedelta(minutes=quiz.time_limit_minutes) if quiz.time_limit_minutes else None
    if quiz.closes_at and (deadline is None or quiz.closes_at < deadline):
        deadline = quiz.closes_at
    attempt = Attempt(quiz=quiz, enrollment=enrollment, number=number, is_retake=check.is_retake,
                      started_at=now, deadline_at=deadline, layout=build_layout(quiz, questions, rng))
    by_id = {q.id: q for q in questions}
    for position, entry in enumerate(attempt.layout, start=1):
        question = by_id[entry["question_id"]]
        attempt.responses.append(Response(question=question, position=position, max_points=question.points))
    db.session.add(attempt)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise AttemptError("An attempt on this exam was started at the same moment. Reload the page.") from None
    if enrollment.status == EnrollmentStatus.ENROLLED:
        enrollment.status = EnrollmentStatus.IN_PROGRESS
    record("attempt_started", attempt, quiz_id=quiz.id, enrollment_id=enrollment.id, number=number, retake=check.is_retake)
    return attempt


def pages(attempt: Attempt) -> list[list[Response]]:
    per_page = max(1, attempt.quiz.questions_per_page or 1)
    responses = list(attempt.responses)
    return [responses[i:i + per_page] for i in range(0, len(responses), per_page)] or [[]]


def save_answers(attempt: Attempt, form: Form, page: int, now: datetime | None = None) -> tuple[int, dict[int, AnswerRefused]]:
    """Save the answers of one page (a number past the last page is the last page). Returns that page's
    number and the answers refused, by question id: those stay as they were saved before, the rest of
    the page is saved. Raises AttemptClosed if the attempt is over (closing it if its time ran out)."""
    now = now or utcnow()
    attempt = lock_attempt(attempt)
    if not attempt.is_open:
        raise AttemptClosed("This attempt has been submitted; answers can no longer change.")
    if is_overdue(attempt, now):
        close_overdue(attempt, now)
        raise AttemptClosed("Time is up: the attempt was closed with the answers saved before the deadline.")
    all_pages = pages(attempt)
    page = min(max(1, page), len(all_pages))
    entries = layout_entries(attempt)
    refused: dict[int, AnswerRefused] = {}
    for response in all_pages[page - 1]:
        question = response.question
        try:
            answer = question.type.read_answer(question, form, f"q{question.id}", entries.get(question.id, {}))
        except AnswerRefused as refusal:
            refused[question.id] = refusal
            continue
        if answer != response.answer:
            response.answer = answer
            response.saved_at = now
    return page, refused


def submit_attempt(attempt: Attempt, now: datetime | None = None) -> bool:
    """Submit and grade. False (and nothing changes) if it was already submitted: double submits and
    racing tabs end here."""
    now = now or utcnow()
    attempt = lock_attempt(attempt)
    if not attempt.is_open:
        return False
    if is_overdue(attempt, now):
        close_overdue(attempt, now)
        return True
    _close(attempt, now, by_deadline=False)
    return True


def close_overdue(attempt: Attempt, now: datetime | None = None) -> None:
    """Close an attempt whose time ran out, with what was saved (caller holds the locks)."""
    _close(attempt, now or utcnow(), by_deadline=True)


def _close(attempt: Attempt, now: datetime, by_deadline: bool) -> None:
    attempt.submitted_at = min(now, attempt.deadline_at) if by_deadline and attempt.deadline_at else now
    attempt.closed_by_deadline = by_deadline
    record("attempt_submitted", attempt, quiz_id=attempt.quiz_id, enrollment_id=attempt.enrollment_id,
           by_deadline=by_deadline)
    grading.auto_grade(attempt, now)


def close_all_overdue(now: datetime | None = None) -> int:
    """For a scheduled job: close every attempt whose time ran out. Returns how many."""
    now = now or utcnow()
    candidates = db.session.scalars(
        sa.select(Attempt).where(Attempt.status == AttemptStatus.IN_PROGRESS, Attempt.deadline_at.is_not(None),
                                 Attempt.deadline_at < now - grace())
    ).all()
    closed = 0
    for candidate in candidates:
        attempt = lock_attempt(candidate)
        if is_overdue(attempt, now):
            close_overdue(attempt, now)
            closed += 1
    return closed


def unanswered(attempt: Attempt) -> list[Response]:
    return [r for r in attempt.responses if not r.question.type.is_answered(r.answer)]
