from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.auth.roles import Role
from portal.extensions import db
from portal.quizzes.models import Attempt
from portal.timeutil import today


@dataclass
class ExamWorld:
    course: object
    training_class: object
    instructor: object
    officer: object
    enrollment: object
    week1: object
    week2: object
    final: object
    choice: object
    essay: object


@pytest.fixture
def world(make):
    """A 2-week course started 10 days ago: week 1 and week 2 exams (one single-choice question
    each, 1 point, pass mark 70) and a final with a single choice and an essay."""
    course = make.course(weeks=2, modules_per_week=1, lessons_per_module=1)
    instructor = make.user(Role.INSTRUCTOR)
    tc = make.training_class(course, start=today() - timedelta(days=10), instructors=[instructor])
    officer = make.user(Role.OFFICER)
    enrollment = make.enrollment(officer, tc)
    choice = make.question(course, lines="100 | Right answer | Well done\n0 | Wrong answer | Not quite",
                           general_feedback="See lesson 1.")
    essay = make.question(course, "essay", "", points=4)
    week1 = make.quiz(course, [choice], module=course.modules[0], title="Week 1 exam")
    week2 = make.quiz(course, [make.question(course)], module=course.modules[1], title="Week 2 exam")
    final = make.quiz(course, [make.question(course), essay], title="Final exam")
    return ExamWorld(course, tc, instructor, officer, enrollment, week1, week2, final, choice, essay)


def value_of(attempt, question_id, choice_id):
    """The form value the attempt's page gives a choice: what a browser sends when it is picked."""
    entry = next(e for e in attempt.layout if e["question_id"] == question_id)
    return entry["choice_values"][choice_id]


def choose(client, attempt_id, question, correct=True, action="finish"):
    """Answer a single-choice question through the form and go to the submit page."""
    choice = value_of(db.session.get(Attempt, attempt_id), question.id, "a" if correct else "b")
    return client.post(f"/attempts/{attempt_id}/save", data={"page": "1", f"q{question.id}": choice, "action": action})


def take(client, w, quiz, correct=True):
    """Start, answer every single-choice question right or wrong, submit. Returns the attempt."""
    response = client.post(f"/classes/{w.training_class.id}/exams/{quiz.id}/start")
    assert response.status_code == 302, response.data
    attempt = latest_attempt(w.enrollment, quiz)
    data = {"page": "1", "action": "finish"}
    for r in attempt.responses:
        if r.question.kind == "single_choice":
            data[f"q{r.question_id}"] = value_of(attempt, r.question_id, "a" if correct else "b")
        elif r.question.kind == "essay":
            data[f"q{r.question_id}"] = "My essay."
    assert client.post(f"/attempts/{attempt.id}/save", data=data).status_code == 302
    assert client.post(f"/attempts/{attempt.id}/submit").status_code == 302
    db.session.refresh(attempt)
    return attempt


def latest_attempt(enrollment, quiz):
    return db.session.scalar(sa.select(Attempt).where(Attempt.enrollment_id == enrollment.id, Attempt.quiz_id == quiz.id)
                             .order_by(Attempt.number.desc()))
