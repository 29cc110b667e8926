"""A numeric answer that is not a number is refused when it is saved, next to its field, so the
officer can correct it before submitting; the rest of the page is saved.

What counts as a number (portal.quizzes.types.parse_number): digits with a decimal point or a
decimal comma ("3.5", "3,5"), a sign, an exponent ("1e3"), spaces anywhere, and commas grouping
thousands ("1,500" is fifteen hundred: a comma before exactly three digits groups them). An empty
box is no answer, as for every type."""
import re

import pytest

from portal.quizzes.types import parse_number
from tests.quizzes.conftest import latest_attempt, value_of


@pytest.fixture
def numeric_exam(world, make):
    w = world
    numeric = make.question(w.course, "numeric", "3.5 | 0\n1500 | 0 | 50")
    quiz = make.quiz(w.course, [w.choice, numeric], module=w.course.modules[0], questions_per_page=2)
    return quiz, numeric


def started(client, login, w, quiz):
    login(w.officer)
    client.post(f"/classes/{w.training_class.id}/exams/{quiz.id}/start")
    return latest_attempt(w.enrollment, quiz)


def save(client, attempt, numeric, typed, **extra):
    return client.post(f"/attempts/{attempt.id}/save", data={"page": "1", f"q{numeric.id}": typed, **extra})


def saved_answer(attempt, question):
    from portal.extensions import db

    db.session.expire_all()
    return next(r.answer for r in attempt.responses if r.question_id == question.id)


@pytest.mark.parametrize("typed, value", [
    ("3.5", 3.5), ("3,5", 3.5), (" 3.5 ", 3.5), ("+3.5", 3.5), (".5", 0.5), ("-2", -2), ("1e3", 1000),
    ("1,500", 1500), ("1 500", 1500), ("1,500.25", 1500.25), ("12", 12),
])
def test_numbers_as_officers_type_them(typed, value):
    assert parse_number(typed) == value


@pytest.mark.parametrize("typed", ["two", "3.5.1", "1,2,3", "1,5,", "3,5 km", "inf", "nan", "1e999", "½", "²", "0x10", "-", ""])
def test_what_is_not_a_number(typed):
    assert parse_number(typed) is None


def test_a_number_is_saved_and_graded(client, login, world, numeric_exam):
    quiz, numeric = numeric_exam
    attempt = started(client, login, world, quiz)
    assert save(client, attempt, numeric, "3,5", action="finish").status_code == 302
    assert saved_answer(attempt, numeric) == {"text": "3,5"}
    client.post(f"/attempts/{attempt.id}/submit")
    assert next(r for r in attempt.responses if r.question_id == numeric.id).auto_score == 1.0


def test_a_word_is_refused_next_to_its_field_and_nothing_of_it_saved(client, login, world, numeric_exam):
    quiz, numeric = numeric_exam
    attempt = started(client, login, world, quiz)
    save(client, attempt, numeric, "3.5")
    right = value_of(attempt, world.choice.id, "a")
    response = save(client, attempt, numeric, "two", action="finish", **{f"q{world.choice.id}": right})
    # The page comes back (no redirect to the submit page) with the message beside the field and
    # what was typed, to correct; the answer saved before stays, the other question is saved.
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert re.search(r"<title>Error: ", page)
    error = f'<span class="usa-error-message" id="q{numeric.id}-error">'
    assert error in page and "“two” is not a number" in page.split(error)[1].split("</span>", 2)[1]
    field = re.search(rf'<input [^>]*id="q{numeric.id}"[^>]*>', page).group(0)
    assert 'value="two"' in field and 'aria-invalid="true"' in field and f"q{numeric.id}-error" in field
    assert f'href="#question-{numeric.id}">Question 2: “two” is not a number' in page
    assert saved_answer(attempt, numeric) == {"text": "3.5"}
    assert saved_answer(attempt, world.choice) == {"choice": "a"}
    # corrected, it is saved
    assert save(client, attempt, numeric, "3,5", action="finish").status_code == 302
    assert saved_answer(attempt, numeric) == {"text": "3,5"}


def test_an_empty_box_is_no_answer(client, login, world, numeric_exam):
    quiz, numeric = numeric_exam
    attempt = started(client, login, world, quiz)
    save(client, attempt, numeric, "3.5")
    assert save(client, attempt, numeric, "  ", action="finish").status_code == 302
    assert saved_answer(attempt, numeric) is None


def test_autosave_says_which_answer_was_not_saved(client, login, world, numeric_exam):
    quiz, numeric = numeric_exam
    attempt = started(client, login, world, quiz)
    response = client.post(f"/attempts/{attempt.id}/save", data={"page": "1", f"q{numeric.id}": "1,2,3"},
                           headers={"X-Autosave": "1"})
    assert response.status_code == 422 and response.json["saved"] is False
    assert response.json["error"].startswith("Question 2: “1,2,3” is not a number")
    assert saved_answer(attempt, numeric) is None
