"""The program's exam rules, decided on the server from the graded attempts.

- An exam passes at or above its pass mark.
- An officer who fails a required exam gets ONE remediation retake for the whole course;
  instructors may grant more (RetakeGrant, with a reason).
- Failing two exams, the retake counted (more generally: more failed attempts than retakes
  allowed), disqualifies the enrollment: no more attempts.
- An exam that asks for it (`Quiz.lessons_first`) starts only once its lessons are complete.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from portal.audit.services import record
from portal.auth.models import User
from portal.classes.models import Enrollment, EnrollmentStatus
from portal.courses.models import Lesson, Module
from portal.extensions import db
from portal.notifications.messages import notify_disqualified, notify_remediation
from portal.progress.services import completed_lesson_ids
from portal.quizzes.models import Attempt, AttemptStatus, Quiz, RetakeGrant
from portal.templating import viewer_time_zone
from portal.timeutil import spoken, to_local

PROGRAM_RETAKES = 1


def course_quizzes(course_id: int) -> list[Quiz]:
    return quizzes_by_course([course_id])[course_id]


def quizzes_by_course(course_ids: Iterable[int], loaded: Iterable[Quiz] | None = None) -> dict[int, list[Quiz]]:
    """Each course's quizzes in curriculum order, in one query (none if the caller `loaded` them all);
    their modules with one more unless the session has them all already (a page that loaded the
    curriculum), since `quiz.module` then comes from the session."""
    found: dict[int, list[Quiz]] = {course_id: [] for course_id in course_ids}
    if found:
        if loaded is None:
            loaded = db.session.scalars(sa.select(Quiz).where(Quiz.course_id.in_(found)))
        for quiz in loaded:
            found[quiz.course_id].append(quiz)
        absent = {q.module_id for quizzes in found.values() for q in quizzes
                  if q.module_id is not None and not in_session(Module, q.module_id)}
        if absent:
            modules = {m.id: m for m in db.session.scalars(sa.select(Module).where(Module.id.in_(absent)))}
            for quiz in (q for quizzes in found.values() for q in quizzes):
                if quiz.module_id in modules:
                    set_committed_value(quiz, "module", modules[quiz.module_id])
    for quizzes in found.values():
        quizzes.sort(key=lambda q: q.sort_key)
    return found


def in_session(model: type, primary_key: int) -> bool:
    """Is this row in the session, loaded and not expired (reading it runs no query)?"""
    instance = db.session.identity_map.get(identity_key(model, primary_key))
    return instance is not None and not sa.inspect(instance).expired_attributes


def enrollment_attempts(enrollment: Enrollment) -> list[Attempt]:
    return list(db.session.scalars(
        sa.select(Attempt).where(Attempt.enrollment_id == enrollment.id).order_by(Attempt.quiz_id, Attempt.number)
    ))


def retakes_allowed(enrollment: Enrollment) -> int:
    return retakes_allowed_by_enrollment([enrollment.id])[enrollment.id]


def retakes_allowed_by_enrollment(enrollment_ids: Iterable[int]) -> dict[int, int]:
    """The program's retake plus those granted, per enrollment, in one query."""
    allowed = {enrollment_id: PROGRAM_RETAKES for enrollment_id in enrollment_ids}
    if allowed:
        for enrollment_id, grants in db.session.execute(
            sa.select(RetakeGrant.enrollment_id, sa.func.count())
            .where(RetakeGrant.enrollment_id.in_(allowed)).group_by(RetakeGrant.enrollment_id)
        ):
            allowed[enrollment_id] += grants
    return allowed


@dataclass
class Standing:
    """Where an enrollment stands against the exam rules."""

    failures: int = 0          # failed graded attempts of required exams
    retakes_allowed: int = PROGRAM_RETAKES
    retakes_used: int = 0
    passed_quiz_ids: set[int] = field(default_factory=set)
    failed_quiz_ids: set[int] = field(default_factory=set)  # failed and not (yet) passed
    pending_quiz_ids: set[int] = field(default_factory=set)

    @property
    def disqualified(self) -> bool:
        return self.failures > self.retakes_allowed

    @property
    def in_remediation(self) -> bool:
        return not self.disqualified and bool(self.failed_quiz_ids)

    @property
    def retakes_left(self) -> int:
        return max(0, self.retakes_allowed - self.retakes_used)


def standing(enrollment: Enrollment, attempts: list[Attempt] | None = None, retakes: int | None = None) -> Standing:
    """`attempts` and `retakes` (allowed) may come preloaded, for pages that show many enrollments."""
    attempts = enrollment_attempts(enrollment) if attempts is None else attempts
    result = Standing(retakes_allowed=retakes_allowed(enrollment) if retakes is None else retakes)
    for attempt in attempts:
        if attempt.is_retake:
            result.retakes_used += 1
        if not attempt.quiz.required:
            continue
        if attempt.status == AttemptStatus.PENDING_GRADING:
            result.pending_quiz_ids.add(attempt.quiz_id)
        elif attempt.status == AttemptStatus.GRADED:
            if attempt.passed:
                result.passed_quiz_ids.add(attempt.quiz_id)
            else:
                result.failures += 1
                result.failed_quiz_ids.add(attempt.quiz_id)
    result.failed_quiz_ids -= result.passed_quiz_ids
    return result


def apply_rules(enrollment: Enrollment) -> EnrollmentStatus:
    """Set the enrollment's status from its graded attempts (remediation, disqualified or back in
    progress). Completed and withdrawn enrollments are left alone."""
    if enrollment.status in (EnrollmentStatus.COMPLETED, EnrollmentStatus.WITHDRAWN):
        return enrollment.status
    now = standing(enrollment)
    if now.disqualified:
        target = EnrollmentStatus.DISQUALIFIED
    elif now.in_remediation:
        target = EnrollmentStatus.REMEDIATION
    else:
        target = EnrollmentStatus.IN_PROGRESS
    if target != enrollment.status:
        old = enrollment.status
        enrollment.status = target
        record("enrollment_status_changed", enrollment, officer_id=enrollment.officer_id,
               old=old.value, new=target.value, failures=now.failures, retakes_allowed=now.retakes_allowed)
        notify(enrollment, target)
    return target


def notify(enrollment: Enrollment, status: EnrollmentStatus) -> None:
    if status == EnrollmentStatus.REMEDIATION:
        notify_remediation(enrollment)
    elif status == EnrollmentStatus.DISQUALIFIED:
        notify_disqualified(enrollment)


def grant_retake(enrollment: Enrollment, reason: str, by: User) -> RetakeGrant:
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("Give the reason for the extra retake.")
    if enrollment.status in (EnrollmentStatus.COMPLETED, EnrollmentStatus.WITHDRAWN):
        raise ValueError(f"The enrollment is {enrollment.status.label.lower()}.")
    grant = RetakeGrant(enrollment=enrollment, granted_by_id=by.id, reason=reason[:2000])
    db.session.add(grant)
    db.session.flush()
    record("retake_granted", enrollment, officer_id=enrollment.officer_id, reason=reason[:500])
    apply_rules(enrollment)
    return grant


def required_exams_passed(enrollment: Enrollment) -> str | None:
    quizzes = [q for q in course_quizzes(enrollment.training_class.course_id) if q.required]
    if not quizzes:
        return None
    now = standing(enrollment)
    if now.pending_quiz_ids:
        return "an exam is pending grading"
    missing = [q.title for q in quizzes if q.id not in now.passed_quiz_ids]
    return f"not passed: {', '.join(missing)}" if missing else None


def quiz_window_problem(quiz: Quiz, enrollment: Enrollment, now: datetime) -> str | None:
    """Why the exam cannot be taken at `now` (naive UTC), if it cannot: its week has not opened yet
    (at midnight in the class's zone), or its own window is shut. Times are told in the reader's zone."""
    training_class = enrollment.training_class
    opens_on = training_class.week_opens_on(quiz.week)
    if to_local(now, training_class.time_zone).date() < opens_on:
        return f"This exam is not open yet: it opens with week {quiz.week} on {opens_on:%B %-d, %Y}."
    if quiz.opens_at and now < quiz.opens_at:
        return f"This exam is not open yet: it opens on {spoken(quiz.opens_at, viewer_time_zone())}."
    if quiz.closes_at and now >= quiz.closes_at:
        return f"This exam closed on {spoken(quiz.closes_at, viewer_time_zone())}."
    return None


def exam_lessons(quiz: Quiz) -> list[Lesson]:
    """The lessons an exam covers, in curriculum order: those of its week (every module of that
    week), or for a final exam every lesson of the course."""
    return [lesson for module in quiz.course.modules if quiz.is_final or module.week == quiz.week
            for lesson in module.lessons]


def lessons_remaining(quiz: Quiz, enrollment: Enrollment, done: set[int] | None = None) -> list[Lesson]:
    """The lessons the officer must still complete before starting `quiz`: none unless the exam asks
    for its lessons first. `done`: the enrollment's completed lesson ids, when already loaded."""
    if not quiz.lessons_first:
        return []
    if done is None:
        done = completed_lesson_ids([enrollment.id])[enrollment.id]
    return [lesson for lesson in exam_lessons(quiz) if lesson.id not in done]


def lessons_first_problem(quiz: Quiz, remaining: list[Lesson]) -> str | None:
    if not remaining:
        return None
    count = f"{len(remaining)} lesson{'' if len(remaining) == 1 else 's'} to go"
    scope = "every lesson of the course" if quiz.is_final else f"the lessons of week {quiz.week}"
    return f"Complete {scope} before starting this exam: {count}."
