"""Officers take exams without JavaScript; the server keeps the clock, the limits and the secrets."""
import re
from datetime import timedelta

import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.classes.models import EnrollmentStatus
from portal.extensions import db
from portal.quizzes.models import Attempt, AttemptStatus
from portal.timeutil import utcnow
from tests.quizzes.conftest import latest_attempt, take, value_of


def pick(attempt, w, choice):
    """The form field of the world's single-choice question with one choice picked."""
    return {f"q{w.choice.id}": value_of(attempt, w.choice.id, choice)}


def attempts_of(w, quiz):
    return db.session.scalars(
        sa.select(Attempt).where(Attempt.enrollment_id == w.enrollment.id, Attempt.quiz_id == quiz.id)
    ).all()


def test_take_an_exam_page_by_page_and_see_the_result(client, login, world, make):
    w = world
    extra = [make.question(w.course, "short_answer", "100 | ICE") for _ in range(2)]
    for position, q in enumerate(extra, start=2):
        w.week1.slots.append(type(w.week1.slots[0])(position=position, question=q))
    w.week1.questions_per_page = 2
    w.week1.time_limit_minutes = 30
    db.session.flush()
    login(w.officer)
    exams = client.get(f"/classes/{w.training_class.id}/exams")
    assert b"Week 1 exam" in exams.data and b"Not attempted" in exams.data
    response = client.post(f"/classes/{w.training_class.id}/exams/{w.week1.id}/start")
    attempt = latest_attempt(w.enrollment, w.week1)
    assert response.headers["Location"].endswith(f"/attempts/{attempt.id}")
    page1 = client.get(f"/attempts/{attempt.id}")
    assert b"page 1 of 2" in page1.data and b"Time left:" in page1.data
    assert re.search(rb"data-exam-timer-clock>(29 min \d\d|30 min 00) s when this page was loaded", page1.data)
    first, second, third = attempt.responses
    # page 1: answer the choice, go to page 2 (no JavaScript: a plain form post)
    r = client.post(f"/attempts/{attempt.id}/save",
                    data={"page": "1", f"q{first.question_id}": value_of(attempt, first.question_id, "a"), "action": "page-2"})
    assert r.headers["Location"].endswith(f"/attempts/{attempt.id}?page=2")
    page2 = client.get(f"/attempts/{attempt.id}?page=2")
    assert b"page 2 of 2" in page2.data
    client.post(f"/attempts/{attempt.id}/save", data={"page": "2", f"q{third.question_id}": "ice", "action": "finish"})
    confirm = client.get(f"/attempts/{attempt.id}/submit")
    assert b"1 question not answered" in confirm.data and b"Question 2" in confirm.data and b"Question 3" not in confirm.data
    result = client.post(f"/attempts/{attempt.id}/submit", follow_redirects=True)
    db.session.refresh(attempt)
    assert attempt.status == AttemptStatus.GRADED and attempt.score == 2 and attempt.max_score == 3
    assert attempt.passed is False  # 66.67% < 70%
    assert b"Not passed: 66.6%" in result.data  # percentages shown to a tenth, rounded down


def test_autosave_answers_json(client, login, world):
    w = world
    login(w.officer)
    client.post(f"/classes/{w.training_class.id}/exams/{w.week1.id}/start")
    attempt = latest_attempt(w.enrollment, w.week1)
    r = client.post(f"/attempts/{attempt.id}/save", data={"page": "1", **pick(attempt, w, "b")}, headers={"X-Autosave": "1"})
    assert r.status_code == 200 and r.json["saved"] is True
    db.session.refresh(attempt.responses[0])
    assert attempt.responses[0].answer == {"choice": "b"}


def test_correct_answers_never_reach_the_page_before_review(client, login, world):
    w = world
    w.week1.attempts_allowed = 2
    login(w.officer)
    client.post(f"/classes/{w.training_class.id}/exams/{w.week1.id}/start")
    attempt = latest_attempt(w.enrollment, w.week1)
    page = client.get(f"/attempts/{attempt.id}").data
    for secret in (b"Well done", b"Not quite", b"See lesson 1"):
        assert secret not in page
    # The weight 100 nowhere, except inside an id, a path or a random value (on PostgreSQL ids grow).
    assert not re.search(rb"(?<![\w/-])100(?![\w/-])", page)
    # fail it: a retake is still possible, so under "when done" the answers stay hidden
    client.post(f"/attempts/{attempt.id}/save", data={"page": "1", **pick(attempt, w, "b"), "action": "finish"})
    client.post(f"/attempts/{attempt.id}/submit")
    result = client.get(f"/attempts/{attempt.id}/result").data
    assert b"Not passed" in result
    assert b"Correct answer:" not in result and b"See lesson 1" not in result and b"Well done" not in result
    # pass on the retake: nothing left to attempt, so the review opens
    retake = take(client, w, w.week1, correct=True)
    assert retake.is_retake and retake.passed
    result = client.get(f"/attempts/{retake.id}/result").data
    assert b"Correct answer:</strong> Right answer" in result and b"See lesson 1" in result and b"Well done" in result


def test_review_policy_never_and_after_submit(client, login, world):
    w = world
    w.week1.review_policy = "never"
    db.session.flush()
    login(w.officer)
    attempt = take(client, w, w.week1, correct=True)
    assert b"Correct answer:" not in client.get(f"/attempts/{attempt.id}/result").data
    w.week2.review_policy = "after_submit"
    db.session.flush()
    attempt = take(client, w, w.week2, correct=False)
    assert b"Correct answer:" in client.get(f"/attempts/{attempt.id}/result").data


def without_values(entry):
    return {key: value for key, value in entry.items() if not key.endswith("_values")}


def test_shuffling_with_a_fixed_seed_changes_the_order_and_the_page_keeps_it(client, login, world, make):
    import random

    from portal.quizzes.services.attempts import build_layout, start_attempt

    w = world
    choices = "\n".join(f"{100 if i == 0 else 0} | Choice {i}" for i in range(8))
    questions = [make.question(w.course, lines=choices, name=f"Q{n}") for n in range(4)]
    true_false = make.question(w.course, "true_false", "True")
    matching = make.question(w.course, "matching", "\n".join(f"Prompt {i} -> Answer {i}" for i in range(6)))
    every = questions + [true_false, matching]
    authored = [q.id for q in every]
    quiz = make.quiz(w.course, every, module=w.course.modules[0], questions_per_page=10,
                     shuffle_choices=True, shuffle_questions=True)
    attempt = start_attempt(w.enrollment, quiz, rng=random.Random(2026))
    layout = attempt.layout
    entries = {e["question_id"]: e for e in layout}
    assert sorted(e["question_id"] for e in layout) == sorted(authored) and [e["question_id"] for e in layout] != authored
    for q in questions:
        order = entries[q.id]["choice_order"]
        assert sorted(order) == list("abcdefgh") and order != list("abcdefgh")
    assert entries[true_false.id]["choice_order"] == ["true", "false"]  # True, then False, always
    assert entries[matching.id]["option_order"] != [f"Answer {i}" for i in range(6)]
    # The seed decides the order and nothing else: the form values are fresh random ones.
    again = build_layout(quiz, list(every), random.Random(2026))
    assert [without_values(e) for e in again] == [without_values(e) for e in layout]
    assert again[0]["choice_values"] != entries[again[0]["question_id"]]["choice_values"]
    # Without shuffling, the author's order.
    plain = build_layout(make.quiz(w.course, shuffle_choices=False), list(every), random.Random(2026))
    assert [e["question_id"] for e in plain] == authored and plain[0]["choice_order"] == list("abcdefgh")

    db.session.flush()
    login(w.officer)
    pages = [client.get(f"/attempts/{attempt.id}").get_data(as_text=True) for _ in range(2)]
    for page in pages:
        shown = [page.index(f'id="question-{e["question_id"]}"') for e in layout]
        assert shown == sorted(shown)
        for q in questions:
            section = page[page.index(f'id="question-{q.id}"'):]
            positions = [section.index(f"Choice {ord(c) - ord('a')}<") for c in entries[q.id]["choice_order"]]
            assert positions == sorted(positions)


def test_random_draw_from_a_category(client, login, world, make):
    from portal.quizzes.models import QuizSlot
    from portal.quizzes.services.banks import ensure_category

    w = world
    pool = ensure_category(w.course, "Pool/Week 1")
    questions = [make.question(w.course, category=pool) for _ in range(5)]
    quiz = make.quiz(w.course, module=w.course.modules[0])
    quiz.slots.append(QuizSlot(position=1, category=ensure_category(w.course, "Pool"), draw_count=3))
    db.session.flush()
    login(w.officer)
    client.post(f"/classes/{w.training_class.id}/exams/{quiz.id}/start")
    attempt = latest_attempt(w.enrollment, quiz)
    drawn = [r.question_id for r in attempt.responses]
    assert len(set(drawn)) == 3 and set(drawn) <= {q.id for q in questions}


def test_one_open_attempt_and_double_submit(client, login, world):
    w = world
    login(w.officer)
    for _ in range(2):
        client.post(f"/classes/{w.training_class.id}/exams/{w.week1.id}/start")
    assert len(attempts_of(w, w.week1)) == 1
    attempt = latest_attempt(w.enrollment, w.week1)
    client.post(f"/attempts/{attempt.id}/save", data={"page": "1", **pick(attempt, w, "a")})
    first = client.post(f"/attempts/{attempt.id}/submit", follow_redirects=True)
    second = client.post(f"/attempts/{attempt.id}/submit", follow_redirects=True)
    assert b"submitted" in first.data and b"already been submitted" in second.data
    graded = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "attempt_graded",
                                                           AuditEvent.target_id == str(attempt.id))).all()
    assert len(graded) == 1
    # answers after submission are refused
    r = client.post(f"/attempts/{attempt.id}/save", data={"page": "1", **pick(attempt, w, "b")}, follow_redirects=True)
    assert b"can no longer change" in r.data
    db.session.refresh(attempt.responses[0])
    assert attempt.responses[0].answer == {"choice": "a"}


def test_the_attempt_limit_is_enforced(client, login, world):
    w = world
    w.week1.attempts_allowed = 1
    db.session.flush()
    login(w.officer)
    take(client, w, w.week1, correct=False)
    r = client.post(f"/classes/{w.training_class.id}/exams/{w.week1.id}/start", follow_redirects=True)
    assert b"used every attempt" in r.data
    assert len(attempts_of(w, w.week1)) == 1


def test_deadline_is_the_servers(client, login, world):
    w = world
    w.week1.time_limit_minutes = 10
    db.session.flush()
    login(w.officer)
    client.post(f"/classes/{w.training_class.id}/exams/{w.week1.id}/start")
    attempt = latest_attempt(w.enrollment, w.week1)
    client.post(f"/attempts/{attempt.id}/save", data={"page": "1", **pick(attempt, w, "a")})
    # the clock runs out (11 minutes later: past the 60 s grace)
    attempt.started_at -= timedelta(minutes=11)
    attempt.deadline_at -= timedelta(minutes=11)
    db.session.flush()
    late = client.post(f"/attempts/{attempt.id}/save", data={"page": "1", **pick(attempt, w, "b")}, follow_redirects=True)
    assert b"Time is up" in late.data
    db.session.refresh(attempt)
    assert attempt.status == AttemptStatus.GRADED and attempt.closed_by_deadline
    assert attempt.responses[0].answer == {"choice": "a"} and attempt.passed
    assert attempt.submitted_at == attempt.deadline_at


def test_answers_within_the_grace_are_accepted(client, login, world):
    w = world
    w.week1.time_limit_minutes = 10
    db.session.flush()
    login(w.officer)
    client.post(f"/classes/{w.training_class.id}/exams/{w.week1.id}/start")
    attempt = latest_attempt(w.enrollment, w.week1)
    attempt.deadline_at = utcnow() - timedelta(seconds=20)
    db.session.flush()
    client.post(f"/attempts/{attempt.id}/save", data={"page": "1", **pick(attempt, w, "a"), "action": "finish"})
    client.post(f"/attempts/{attempt.id}/submit")
    db.session.refresh(attempt)
    assert attempt.passed and not attempt.closed_by_deadline


def test_overdue_attempts_are_closed_by_the_cli(app, world):
    from portal.quizzes.services.attempts import start_attempt

    attempt = start_attempt(world.enrollment, world.week1)
    attempt.deadline_at = utcnow() - timedelta(minutes=5)
    db.session.flush()
    result = app.test_cli_runner().invoke(args=["quizzes", "close-overdue"])
    assert "Closed 1 attempt(s)." in result.output
    assert attempt.status == AttemptStatus.GRADED and attempt.closed_by_deadline


def test_exam_not_open_before_its_week_or_window(client, login, make, world):
    w = world
    w.training_class.start_date = w.training_class.start_date + timedelta(days=7)  # week 2 opens tomorrow... in 4 days
    w.week1.opens_at = utcnow() + timedelta(days=1)
    db.session.flush()
    login(w.officer)
    r = client.post(f"/classes/{w.training_class.id}/exams/{w.week2.id}/start", follow_redirects=True)
    assert b"not open yet" in r.data
    r = client.post(f"/classes/{w.training_class.id}/exams/{w.week1.id}/start", follow_redirects=True)
    assert b"not open yet" in r.data
    assert not attempts_of(w, w.week1) and not attempts_of(w, w.week2)


def test_officers_only_see_their_own_attempts(client, login, make, world):
    w = world
    other = make.enrollment(training_class=w.training_class)
    login(w.officer)
    take(client, w, w.week1)
    attempt = latest_attempt(w.enrollment, w.week1)
    client.post("/logout")
    login(other.officer)
    for url in (f"/attempts/{attempt.id}", f"/attempts/{attempt.id}/result", f"/attempts/{attempt.id}/submit"):
        assert client.get(url).status_code == 404
    assert client.post(f"/attempts/{attempt.id}/save", data={"page": "1"}).status_code == 404
    outsider = make.user()
    client.post("/logout")
    login(outsider)
    assert client.get(f"/classes/{w.training_class.id}/exams").status_code == 404
    assert client.post(f"/classes/{w.training_class.id}/exams/{w.week1.id}/start").status_code == 404


def test_disqualified_enrollment_cannot_start(client, login, world):
    w = world
    w.enrollment.status = EnrollmentStatus.DISQUALIFIED
    db.session.flush()
    login(w.officer)
    r = client.post(f"/classes/{w.training_class.id}/exams/{w.week1.id}/start", follow_redirects=True)
    assert b"disqualified" in r.data and not attempts_of(w, w.week1)
