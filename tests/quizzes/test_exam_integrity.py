"""What an exam page gives away: nothing about which option is right, and nothing one officer could
pass to another. Form values are random per attempt; answers are read back through the attempt's
own layout."""
import importlib.util
import random
from html.parser import HTMLParser
from pathlib import Path

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations

from portal.extensions import db
from portal.quizzes.models import AttemptStatus
from portal.quizzes.services import attempts as svc
from tests.quizzes.conftest import latest_attempt

AUTHORING = {"a", "b", "c", "d", "true", "false", "p1", "p2", "p3"}


class AnswerControls(HTMLParser):
    """The answer fields of an exam page as a browser submits them: (field name, value, label)."""

    def __init__(self):
        super().__init__()
        self.fields: list[dict] = []
        self.labels: dict[str, str] = {}
        self._select = self._option = self._label = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name", "").startswith("q"):
            self.fields.append({"name": a["name"], "value": a.get("value"), "id": a.get("id"), "label": None})
        elif tag == "select" and a.get("name", "").startswith("q"):
            self._select = a
        elif tag == "option" and self._select is not None and a.get("value"):
            self._option = {"name": self._select["name"], "value": a["value"], "id": self._select["id"], "label": ""}
            self.fields.append(self._option)
        elif tag == "label":
            self._label = [a.get("for"), ""]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "option":
            self._option = None
        elif tag == "label" and self._label:
            self.labels[self._label[0]] = self._label[1].strip()
            self._label = None

    def handle_data(self, data):
        if self._option is not None:
            self._option["label"] += data
        elif self._label is not None:
            self._label[1] += data

    def controls(self) -> list[dict]:
        for f in self.fields:
            f["prompt"] = self.labels.get(f["id"])  # a select's prompt, or a radio's / checkbox's text
        return self.fields


def controls(html: bytes) -> list[dict]:
    parser = AnswerControls()
    parser.feed(html.decode())
    return parser.controls()


@pytest.fixture
def exam(world, make):
    """One question of each kind with options, written as authors write them: the right one first."""
    w = world
    questions = {
        "single": make.question(w.course, lines="100 | Right | Yes\n0 | Wrong\n0 | Also wrong"),
        "multiple": make.question(w.course, "multiple_response", "50 | Right A\n50 | Right B\n-100 | Wrong C\n-100 | Wrong D"),
        "true_false": make.question(w.course, "true_false", "True"),
        "matching": make.question(w.course, "matching", "OPR -> misconduct\nOIG -> audits\nCRCL -> civil rights"),
    }
    quiz = make.quiz(w.course, list(questions.values()), module=w.course.modules[0], review_policy="after_submit",
                     questions_per_page=10)
    return quiz, questions


def start(client, w, quiz, enrollment):
    assert client.post(f"/classes/{w.training_class.id}/exams/{quiz.id}/start").status_code == 302
    attempt = latest_attempt(enrollment, quiz)
    return attempt, client.get(f"/attempts/{attempt.id}").data


def submit(client, attempt, data):
    assert client.post(f"/attempts/{attempt.id}/save", data={"page": "1", "action": "finish", **data}).status_code == 302
    assert client.post(f"/attempts/{attempt.id}/submit").status_code == 302
    db.session.refresh(attempt)
    return attempt


def right_answers(page: bytes, questions) -> dict:
    """The form a browser sends when the officer picks the right options by what they read."""
    right = {"Right", "Right A", "Right B", "True"}
    pairs = {"OPR": "misconduct", "OIG": "audits", "CRCL": "civil rights"}
    data: dict[str, list[str]] = {}
    for c in controls(page):
        if c["label"] is None and c["prompt"] in right or c["label"] is not None and pairs.get(c["prompt"]) == c["label"]:
            data.setdefault(c["name"], []).append(c["value"])
    return data


def test_posting_authoring_ids_to_every_question_scores_nothing(client, login, world, exam):
    quiz, q = exam
    login(world.officer)
    attempt, _page = start(client, world, quiz, world.enrollment)
    forged = {f"q{q['single'].id}": "a", f"q{q['multiple'].id}": ["a", "b"], f"q{q['true_false'].id}": "true",
              f"q{q['matching'].id}-p1": "misconduct", f"q{q['matching'].id}-p2": "audits",
              f"q{q['matching'].id}-p3": "civil rights"}
    attempt = submit(client, attempt, forged)
    assert attempt.score == 0 and [r.answer for r in attempt.responses] == [None] * 4


def test_pages_of_two_officers_share_no_value_and_name_no_authoring_id(client, login, world, exam, make):
    quiz, q = exam
    other = make.enrollment(training_class=world.training_class)
    pages = {}
    for enrollment in (world.enrollment, other):
        client.post("/logout")
        login(enrollment.officer)
        pages[enrollment.id] = start(client, world, quiz, enrollment)
    (mine, my_page), (theirs, their_page) = pages.values()
    my_controls, their_controls = controls(my_page), controls(their_page)
    assert len(my_controls) == len(their_controls) == 3 + 4 + 2 + 3 * 3  # every option of every question
    for c in my_controls + their_controls:
        suffixes = {c["value"], c["id"].split("-", 1)[-1], c["name"].split("-", 1)[-1]} - {c["name"]}
        assert not suffixes & AUTHORING, c
        assert c["value"] not in {"misconduct", "audits", "civil rights"}, c
    assert not {c["value"] for c in my_controls} & {c["value"] for c in their_controls}
    assert {c["name"] for c in my_controls if "-" in c["name"]}.isdisjoint(c["name"] for c in their_controls)

    # The other officer's right answers, posted in my attempt, score nothing; mine, read off my own
    # page by their labels, score everything.
    theirs_right = right_answers(their_page, q)
    assert len(theirs_right) == 6  # single, multiple, true/false and three matching prompts
    assert submit(client, theirs, theirs_right).score == quiz_points(q)
    client.post("/logout")
    login(world.officer)
    mine = submit(client, mine, theirs_right)
    assert mine.status == AttemptStatus.GRADED and mine.score == 0


def quiz_points(questions) -> float:
    return sum(question.points for question in questions.values())


def test_answers_read_by_their_labels_score_full_marks_and_show_checked(client, login, world, exam):
    quiz, q = exam
    login(world.officer)
    attempt, page = start(client, world, quiz, world.enrollment)
    data = right_answers(page, q)
    client.post(f"/attempts/{attempt.id}/save", data={"page": "1", **data})
    again = client.get(f"/attempts/{attempt.id}").data.decode()
    for name, values in data.items():
        for value in values:
            assert f'name="{name}" value="{value}" checked' in again or f'<option value="{value}" selected>' in again
    attempt = submit(client, attempt, data)
    assert attempt.score == quiz_points(q) and attempt.passed
    result = client.get(f"/attempts/{attempt.id}/result").data.decode()
    # Several-part answers read one part a line (the review's lists), each part marked.
    assert "<li>Right A <span" in result and "<li>Right B <span" in result
    for pair in ("OPR → misconduct", "OIG → audits", "CRCL → civil rights"):
        assert f"<li>{pair} <span" in result


# --- attempts begun before per-attempt values ------------------------------------------------------

MIGRATION = Path(__file__).parents[2] / "migrations" / "versions" / "0900_quiz_option_values.py"


def run_migration(step: str) -> None:
    spec = importlib.util.spec_from_file_location("migration_0900_quiz", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with Operations.context(MigrationContext.configure(db.session.connection())):
        getattr(module, step)()
    db.session.expire_all()


def old_format(layout: list[dict], questions) -> list[dict]:
    """A layout as attempts stored it before: authoring ids as form values, no entry for True/False."""
    true_false = questions["true_false"].id
    return [{"question_id": e["question_id"]} if e["question_id"] == true_false else
            {k: v for k, v in e.items() if not k.endswith("_values")} for e in layout]


def test_attempts_stored_before_the_values_keep_grading_and_reviewing(client, login, world, exam, make):
    quiz, q = exam
    quiz.attempts_allowed = 2
    login(world.officer)
    # One attempt was submitted and one was still open when the portal was upgraded.
    closed, page = start(client, world, quiz, world.enrollment)
    closed = submit(client, closed, right_answers(page, q))
    assert closed.score == quiz_points(q)
    other = make.enrollment(training_class=world.training_class)
    client.post("/logout")
    login(other.officer)
    open_, page = start(client, world, quiz, other)
    client.post(f"/attempts/{open_.id}/save", data={"page": "1", **right_answers(page, q)})
    db.session.refresh(open_)
    saved = [r.answer for r in open_.responses]
    for attempt in (closed, open_):
        attempt.layout = old_format(attempt.layout, q)
    db.session.flush()

    run_migration("upgrade")

    db.session.refresh(open_)
    assert [r.answer for r in open_.responses] == saved  # answers keep their authoring ids
    page = client.get(f"/attempts/{open_.id}").data
    assert all(not ({c["value"], c["id"].split("-", 1)[-1]} & AUTHORING) for c in controls(page))
    assert page.count(b" checked") == 4 and page.count(b" selected") == 3  # the saved answers, shown
    assert len(right_answers(page, q)) == 6
    open_ = submit(client, open_, right_answers(page, q))
    assert open_.score == quiz_points(q)
    client.post("/logout")
    login(world.officer)
    review = client.get(f"/attempts/{closed.id}/result")
    assert review.status_code == 200 and b"Passed: 100%" in review.data
    assert b"<li>Right A <span" in review.data and b"<li>Right B <span" in review.data
    client.post("/logout")
    login(world.instructor)
    graded = client.get(f"/teach/grading/attempts/{closed.id}")
    assert graded.status_code == 200 and b"<li>Right A <span" in graded.data and b"<li>Right B <span" in graded.data


def test_the_migration_down_leaves_the_old_layout(world, exam):
    quiz, q = exam
    attempt = svc.start_attempt(world.enrollment, quiz, rng=random.Random(1))
    before = [dict(e) for e in attempt.layout]
    run_migration("downgrade")
    db.session.refresh(attempt)
    assert attempt.layout == [{k: v for k, v in e.items() if not k.endswith("_values")} for e in before]
    run_migration("upgrade")
    db.session.refresh(attempt)
    assert [e.keys() for e in attempt.layout] == [e.keys() for e in before]
    assert attempt.layout != before  # new random values
