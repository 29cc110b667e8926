"""Demo exams: the JEM Basic GIFT bank, four weekly exams and a final, and graded history.

- Running class (started 3 days ago): Tamika Baker passed the week 1 exam, James Williams's and Anita
  Patel's week 1 essays await grading, Derek Hughes failed week 1 and is in remediation.
- "JEM Basic — Raleigh, NC" (started 5 weeks ago): Rosa Núñez and Carlos Martinez completed the
  course (Rosa after a remediation retake), Erin Thompson failed week 1 twice and is disqualified.
- The week exams ask for the week's lessons first (`Quiz.lessons_first`), switched on once the
  history above is seeded (those sittings predate it): Jordan Reyes (3 of week 1's lessons) sees
  which lessons remain; Kelly Johnson and Brian Lee have finished week 1 and may start its exam;
  Derek Hughes's remediation retake waits until he has finished week 1's lessons.
"""
from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from pathlib import Path

import sqlalchemy as sa

from portal.auth.models import User
from portal.classes.models import Enrollment, EnrollmentStatus, TrainingClass
from portal.courses.models import Course
from portal.extensions import db
from portal.progress.models import LessonProgress
from portal.quizzes.formats import parse_gift
from portal.quizzes.models import Question, Quiz, QuizSlot
from portal.quizzes.services import banks
from portal.quizzes.services.attempts import start_attempt, submit_attempt
from portal.quizzes.services.grading import grade_response

CONTENT = Path(__file__).resolve().parent.parent / "demo" / "content"


def build_exams(course: Course) -> list[Quiz]:
    text = (CONTENT / "jem_basic" / "questions.gift").read_text(encoding="utf-8")
    banks.import_questions(course, parse_gift(text))
    quizzes = []
    for week in range(1, course.weeks + 1):
        module = next(m for m in course.modules if m.week == week)
        category = banks.ensure_category(course, f"{course.code}/Week {week}")
        quiz = Quiz(course_id=course.id, module=module, title=f"Week {week} exam", time_limit_minutes=45,
                    attempts_allowed=2, questions_per_page=4, shuffle_choices=True, position=week,
                    instructions="Answer every question. Each exam must be passed with at least 70%.")
        questions = db.session.scalars(sa.select(Question).where(Question.category_id == category.id).order_by(Question.id))
        quiz.slots = [QuizSlot(position=i, question=q) for i, q in enumerate(questions, start=1)]
        quizzes.append(quiz)
    final_category = banks.ensure_category(course, f"{course.code}/Final")
    final = Quiz(course_id=course.id, module=None, title="Final exam", time_limit_minutes=90, attempts_allowed=2,
                 questions_per_page=5, shuffle_questions=True, shuffle_choices=True, position=99,
                 instructions="The final examination covers the whole course, with a few questions drawn at random.")
    final.slots = [QuizSlot(position=i, question=q) for i, q in enumerate(db.session.scalars(
        sa.select(Question).where(Question.category_id == final_category.id).order_by(Question.id)), start=1)]
    final.slots.append(QuizSlot(position=len(final.slots) + 1, category=banks.ensure_category(course, course.code), draw_count=3))
    quizzes.append(final)
    db.session.add_all(quizzes)
    db.session.flush()
    return quizzes


def sit(enrollment: Enrollment, quiz: Quiz, at: datetime, grader: User, rng: random.Random, right: float = 0.9,
        grade_essays: bool = True):
    """One attempt taken at `at`: a share `right` of the questions answered right, essays graded."""
    attempt = start_attempt(enrollment, quiz, now=at, rng=rng)
    for response in attempt.responses:
        response.answer = response.question.type.model_answer(response.question, rng.random() < right)
        response.saved_at = at + timedelta(minutes=response.position)
    submit_attempt(attempt, now=at + timedelta(minutes=25))
    if grade_essays:
        for response in attempt.responses:
            if response.pending:
                good = (response.answer or {}).get("text", "").startswith("The request")
                grade_response(response, response.max_points * (0.8 if good else 0.2),
                               "Clear and grounded in the MOA." if good else "Cite the limits of delegated authority.", grader)
    return attempt


def complete_lessons(enrollment: Enrollment, count: int | None = None) -> None:
    lessons = enrollment.training_class.course.ordered_lessons()
    for lesson in lessons[:count] if count is not None else lessons:
        db.session.add(LessonProgress(enrollment_id=enrollment.id, lesson_id=lesson.id))
    db.session.flush()


def seed_quizzes(course: Course, running: TrainingClass, on) -> TrainingClass:
    rng = random.Random(287)
    quizzes = build_exams(course)
    weekly, final = quizzes[:-1], quizzes[-1]
    users = {u.email: u for u in db.session.scalars(sa.select(User))}
    instructor = users["instructor@example.com"]

    def enrollment_of(email, training_class):
        return db.session.scalar(sa.select(Enrollment).where(Enrollment.officer_id == users[email].id,
                                                             Enrollment.class_id == training_class.id))

    def day(start, days, hour=15):
        return datetime.combine(start + timedelta(days=days), time(hour))

    # the running class: week 1 is open
    start = running.start_date
    sit(enrollment_of("t.baker@example.com", running), weekly[0], day(start, 2), instructor, rng, right=0.95)
    sit(enrollment_of("j.williams@example.com", running), weekly[0], day(start, 2, 10), instructor, rng, right=0.9,
        grade_essays=False)
    sit(enrollment_of("d.hughes@example.com", running), weekly[0], day(start, 1), instructor, rng, right=0.3)

    # an earlier class that has finished
    past = TrainingClass(course=course, name="JEM Basic — Raleigh, NC", start_date=on - timedelta(days=35), capacity=20,
                         location="North Carolina Justice Academy", instructors=[instructor])
    db.session.add(past)
    for email in ("r.nunez@example.com", "c.martinez@example.com", "e.thompson@example.com"):
        db.session.add(Enrollment(training_class=past, officer=users[email], status=EnrollmentStatus.IN_PROGRESS,
                                  enrolled_at=day(past.start_date, -7)))
    db.session.flush()
    for email in ("r.nunez@example.com", "c.martinez@example.com"):
        enrollment = enrollment_of(email, past)
        complete_lessons(enrollment)
        for week, quiz in enumerate(weekly, start=1):
            if email.startswith("r.") and week == 2:
                sit(enrollment, quiz, day(past.start_date, 7 * week - 2), instructor, rng, right=0.35)
                sit(enrollment, quiz, day(past.start_date, 7 * week), instructor, rng, right=0.95)  # the retake
            else:
                sit(enrollment, quiz, day(past.start_date, 7 * week - 2), instructor, rng, right=0.92)
        sit(enrollment, final, day(past.start_date, 27), instructor, rng, right=0.93)
    disqualified = enrollment_of("e.thompson@example.com", past)
    complete_lessons(disqualified, 10)
    sit(disqualified, weekly[0], day(past.start_date, 5), instructor, rng, right=0.3)
    sit(disqualified, weekly[0], day(past.start_date, 6), instructor, rng, right=0.4)
    # Added last, with its own random source, so the attempts above stay as they were.
    sit(enrollment_of("a.patel@example.com", running), weekly[0], day(start, 2, 11), instructor, random.Random(2870),
        right=0.8, grade_essays=False)
    for quiz in weekly:
        quiz.lessons_first = True
    db.session.flush()
    return past
