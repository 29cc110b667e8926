"""Editing a question that officers have answered saves a new version: their attempts keep what
they were shown and graded on; exams, random draws and the bank use the new version."""
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.auth.roles import Role
from portal.extensions import db
from portal.quizzes.models import Question, QuizSlot
from portal.quizzes.services import banks
from tests.quizzes.conftest import latest_attempt, take

REVISED = {"kind": "single_choice", "category_id": "0", "name": "Who supervises?", "text": "Revised wording of the question",
           "points": "1", "answers": "100 | Still right\n0 | Still wrong", "general_feedback": "", "action": "save"}


def edit(client, question, **changes):
    form = {**REVISED, "category_id": str(question.category_id), **changes}
    return client.post(f"/bank/questions/{question.id}/edit", data=form)


def test_editing_an_answered_question_keeps_the_attempt_and_moves_the_exam_to_a_new_version(client, login, world, make):
    w = world
    original_text = w.choice.text
    login(w.officer)
    attempt = take(client, w, w.week1, correct=True)
    assert attempt.score == 1

    client.post("/logout")
    login(make.user(Role.ADMIN))
    form_page = client.get(f"/bank/questions/{w.choice.id}/edit")
    assert b"creates version\n  2," in form_page.data
    assert edit(client, w.choice).status_code == 302

    revised = db.session.scalar(sa.select(Question).where(Question.replaced_by_id.is_(None), Question.name == "Who supervises?"))
    db.session.refresh(w.choice)
    assert (w.choice.replaced_by_id, revised.version, w.choice.version) == (revised.id, 2, 1)
    assert w.choice.text == original_text
    assert db.session.scalar(sa.select(QuizSlot.question_id).where(QuizSlot.quiz_id == w.week1.id)) == revised.id
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "question_saved").order_by(AuditEvent.id.desc()))
    assert event.details["version"] == 2

    bank = client.get(f"/bank/courses/{w.course.id}/").data
    assert b"Who supervises?" in bank
    assert f'/bank/questions/{w.choice.id}"'.encode() not in bank  # the old version is not listed
    old = client.get(f"/bank/questions/{w.choice.id}")
    assert b"was answered and then revised" in old.data and b"version 2" in old.data
    assert client.get(f"/bank/questions/{w.choice.id}/edit").headers["Location"].endswith(f"/bank/questions/{revised.id}/edit")

    grading_page = client.get(f"/teach/grading/attempts/{attempt.id}")
    assert original_text.encode() in grading_page.data and b"Revised wording" not in grading_page.data
    client.post("/logout")
    login(w.officer)
    review = client.get(f"/attempts/{attempt.id}/result")
    assert review.status_code == 200 and b"Revised wording" not in review.data


def test_editing_an_unanswered_question_changes_it_in_place(client, login, world, make):
    w = world
    count = sa.select(sa.func.count()).select_from(Question).where(Question.course_id == w.course.id)
    before = db.session.scalar(count)
    login(make.user(Role.ADMIN))
    assert b"creates version" not in client.get(f"/bank/questions/{w.choice.id}/edit").data
    assert edit(client, w.choice).status_code == 302
    db.session.refresh(w.choice)
    assert (w.choice.text, w.choice.version, w.choice.replaced_by_id) == ("Revised wording of the question", 1, None)
    assert db.session.scalar(count) == before


def test_random_draws_take_only_current_versions(client, login, world, make):
    w = world
    w.choice.category = banks.ensure_category(w.course, "Alone")
    w.final.slots = [QuizSlot(position=1, category=w.choice.category, draw_count=1)]
    db.session.flush()
    login(w.officer)
    take(client, w, w.week1, correct=True)
    client.post("/logout")
    login(make.user(Role.ADMIN))
    edit(client, w.choice, category_id=str(w.choice.category_id))
    client.post("/logout")
    login(w.officer)
    client.post(f"/classes/{w.training_class.id}/exams/{w.final.id}/start")
    [drawn] = latest_attempt(w.enrollment, w.final).responses
    assert drawn.question.replaced_by_id is None and drawn.question.version == 2
