"""Scores: automatic grading at submission, manual grading of essays, audited regrades, and the
consequences (exam rules, course completion) once an attempt's score is final."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.audit.services import record
from portal.auth.models import User
from portal.auth.roles import Role
from portal.classes.models import Enrollment, TrainingClass, class_instructors
from portal.extensions import db
from portal.notifications.messages import notify_grading_done
from portal.progress.completion import complete_if_done
from portal.quizzes.models import Attempt, AttemptStatus, GradeChange, Question, Response
from portal.quizzes.services import rules
from portal.quizzes.services.locks import lock_attempt
from portal.timeutil import utcnow

EPSILON = 1e-9


class GradingError(ValueError):
    """A grade the rules refuse; `field` names the grading form's field the message belongs to."""

    def __init__(self, message: str, field: str = "points"):
        super().__init__(message)
        self.field = field


def points(fraction: float, max_points: float) -> float:
    return round(fraction * max_points, 4)


def auto_grade(attempt: Attempt, now: datetime | None = None) -> None:
    """Score every automatically gradable response; essays wait for a person."""
    for response in attempt.responses:
        fraction = response.question.type.grade(response.question, response.answer)
        if fraction is None:
            response.auto_score = None
            response.needs_grading = True
        else:
            response.auto_score = points(fraction, response.max_points)
            response.needs_grading = False
    attempt.max_score = round(sum(r.max_points for r in attempt.responses), 4)
    if any(r.pending for r in attempt.responses):
        attempt.status = AttemptStatus.PENDING_GRADING
        record("attempt_pending_grading", attempt, quiz_id=attempt.quiz_id)
    else:
        finalize(attempt, now)


def finalize(attempt: Attempt, now: datetime | None = None, *, tell_officer: bool = False) -> None:
    """Every part is scored: set the total and pass/fail, then apply the exam rules and check completion.
    `tell_officer`: an instructor has just graded the last answer, so the officer is emailed (an
    automatically graded attempt shows its result at once, and a regrade keeps the first message)."""
    attempt.score = round(sum(r.score or 0.0 for r in attempt.responses), 4)
    attempt.passed = attempt.fraction is not None and 100 * attempt.fraction + EPSILON >= attempt.quiz.pass_mark
    attempt.status = AttemptStatus.GRADED
    attempt.graded_at = now or utcnow()
    record("attempt_graded", attempt, quiz_id=attempt.quiz_id, enrollment_id=attempt.enrollment_id,
           score=attempt.score, max_score=attempt.max_score, passed=attempt.passed)
    enrollment = attempt.enrollment
    if tell_officer:  # before the rules and completion, so the messages read in the order things happened
        notify_grading_done(enrollment.officer, attempt_id=attempt.id, quiz_title=attempt.quiz.title,
                            percent=attempt.percent, passed=attempt.passed, class_id=enrollment.class_id)
    db.session.flush()
    rules.apply_rules(enrollment)
    complete_if_done(enrollment)


def grade_response(response: Response, score: float, feedback: str, grader: User, reason: str = "") -> Response:
    """Set a response's points by hand. A response that already has a score (manual or automatic)
    is a regrade: it needs a reason. Every change is kept in GradeChange and the audit trail."""
    attempt = lock_attempt(response.attempt)
    if attempt.status == AttemptStatus.IN_PROGRESS:
        raise GradingError("This attempt has not been submitted yet.")
    if score is None or not (-EPSILON <= score <= response.max_points + EPSILON):
        raise GradingError(f"Points must be between 0 and {response.max_points:g}.")
    score = round(min(max(score, 0.0), response.max_points), 4)
    old = response.score
    regrade = not response.pending
    reason = (reason or "").strip()
    if regrade and not reason:
        raise GradingError("This answer already has a score: give the reason for regrading it.", field="reason")
    response.manual_score = score
    response.feedback = (feedback or "").strip()[:10000]
    response.grader_id = grader.id
    response.graded_at = utcnow()
    db.session.add(GradeChange(response=response, grader_id=grader.id, old_score=old, new_score=score, reason=reason[:2000]))
    record("response_regraded" if regrade else "response_graded", response, attempt_id=attempt.id,
           old=old, new=score, reason=reason[:500])
    if attempt.status == AttemptStatus.PENDING_GRADING:
        if not any(r.pending for r in attempt.responses):
            finalize(attempt, tell_officer=True)
    else:  # a regrade of a graded attempt: total, pass/fail and the rules follow
        finalize(attempt)
    return response


# --- who grades what -------------------------------------------------------------------------------

def visible_attempts_clause(user: User) -> sa.ColumnElement[bool]:
    """Attempts an instructor may see (their classes); admins see all."""
    if user.role == Role.ADMIN:
        return sa.true()
    taught = sa.select(class_instructors.c.class_id).where(class_instructors.c.user_id == user.id)
    return Attempt.enrollment_id.in_(sa.select(Enrollment.id).where(Enrollment.class_id.in_(taught)))


def can_see_attempt(user: User, attempt: Attempt) -> bool:
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.INSTRUCTOR and user in attempt.enrollment.training_class.instructors


def pending_responses(user: User, question_id: int | None = None) -> sa.Select[Response]:
    query = (
        sa.select(Response).join(Attempt)
        .where(Response.needs_grading.is_(True), Response.manual_score.is_(None),
               Attempt.status == AttemptStatus.PENDING_GRADING, visible_attempts_clause(user))
        .order_by(Attempt.submitted_at, Attempt.id, Response.position)
    )
    if question_id is not None:
        query = query.where(Response.question_id == question_id)
    return query


def next_ungraded(user: User, attempt: Attempt) -> Response | None:
    """The answer to grade next after one of `attempt`'s ("Save and next ungraded"): the attempt's
    own answers still waiting first, by position; then its class's queue as the grading queue
    orders it, oldest submitted attempt first, and within an attempt by position. One query."""
    return db.session.scalar(
        pending_responses(user)
        .join(Enrollment, Enrollment.id == Attempt.enrollment_id)
        .where(Enrollment.class_id == attempt.enrollment.class_id)
        .order_by(None)
        .order_by(sa.case((Attempt.id == attempt.id, 0), else_=1), Attempt.submitted_at, Attempt.id, Response.position)
        .limit(1)
    )


def pending_attempts(user: User) -> sa.Select[Attempt]:
    """Attempts waiting for a grade, with the officer, class and quiz the queue shows (eager loaded)."""
    enrollment = selectinload(Attempt.enrollment)
    return (
        sa.select(Attempt)
        .where(Attempt.status == AttemptStatus.PENDING_GRADING, visible_attempts_clause(user))
        .order_by(Attempt.submitted_at, Attempt.id)
        .options(enrollment.selectinload(Enrollment.officer), enrollment.selectinload(Enrollment.training_class),
                 selectinload(Attempt.quiz))
    )


def pending_by_question(user: User) -> list[tuple[Question, int, datetime | None]]:
    rows = db.session.execute(
        sa.select(Response.question_id, sa.func.count(), sa.func.min(Attempt.submitted_at))
        .join(Attempt)
        .where(Response.needs_grading.is_(True), Response.manual_score.is_(None),
               Attempt.status == AttemptStatus.PENDING_GRADING, visible_attempts_clause(user))
        .group_by(Response.question_id)
        .order_by(sa.func.min(Attempt.submitted_at))
    ).all()
    questions = {q.id: q for q in db.session.scalars(sa.select(Question).where(Question.id.in_([r[0] for r in rows])))}
    return [(questions[qid], count, oldest) for qid, count, oldest in rows]


def grade_history(attempt: Attempt) -> list[GradeChange]:
    return list(db.session.scalars(
        sa.select(GradeChange).join(Response).where(Response.attempt_id == attempt.id).order_by(GradeChange.at, GradeChange.id)
    ))


def classes_taught_query(user: User) -> sa.Select[TrainingClass]:
    """The classes `user` teaches (every class, for an administrator), newest first."""
    query = sa.select(TrainingClass).order_by(TrainingClass.start_date.desc(), TrainingClass.id.desc())
    if user.role != Role.ADMIN:
        query = query.where(TrainingClass.instructors.any(User.id == user.id))
    return query


def classes_taught(user: User) -> list[TrainingClass]:
    return list(db.session.scalars(classes_taught_query(user)))
