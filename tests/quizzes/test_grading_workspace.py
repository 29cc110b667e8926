"""The grading workspace: an attempt's answers waiting for a grade first, the graded ones collapsed
(still regradable); "Save and next ungraded" through the class's queue (the attempt's own answers
first, then the oldest submitted attempt of the class), the confirmation at the top and the focus on
the next answer; statement counts that do not grow with the queue."""
import re
from datetime import timedelta

import sqlalchemy as sa

from portal.auth.roles import Role
from portal.extensions import db
from portal.quizzes.models import Attempt, AttemptStatus, Response
from portal.timeutil import today, utcnow
from tests.performance.test_statement_counts import build_world, grow, signed_in, statements

GRADE = "/teach/responses/{}/grade"


def pending_attempt(w, make, officer=None, essays=1, minutes_ago=0, training_class=None):
    """A submitted final exam waiting for its essays: a single choice graded automatically, then
    `essays` essays, submitted `minutes_ago`."""
    enrollment = make.enrollment(officer or make.user(Role.OFFICER), training_class or w.training_class)
    answers = [(w.choice, 1.0)] + [(w.essay if i == 0 else make.question(w.course, "essay", "", points=4), None)
                                    for i in range(essays)]
    attempt = make.attempt(w.final, enrollment, None, answers=answers)
    attempt.submitted_at = utcnow() - timedelta(minutes=minutes_ago)
    db.session.flush()
    return attempt


def grade(client, response, points="3", then=None, reason=None):
    data = {f"r{response.id}-points": points, f"r{response.id}-feedback": "Fine.", f"r{response.id}-back": "attempt"}
    if then:
        data["then"] = then
    if reason:
        data[f"r{response.id}-reason"] = reason
    return client.post(GRADE.format(response.id), data=data)


def points_input(html, response):
    return re.search(rf'<input[^>]*id="r{response.id}-points"[^>]*>', html).group(0)


def test_answers_to_grade_first_and_graded_ones_collapsed(client, login, world, make):
    w = world
    attempt = pending_attempt(w, make)
    auto, essay = attempt.responses
    login(w.instructor)
    html = client.get(f"/teach/grading/attempts/{attempt.id}").get_data(as_text=True)
    to_grade = html.index('<h2 id="to-grade">Needs a grade (1)</h2>')
    graded = html.index('<h2 id="graded">Graded answers (1)</h2>')
    assert to_grade < html.index(f'<section class="portal-review" id="response-{essay.id}"') < graded
    collapsed = re.search(rf'<details class="portal-graded-answer" id="response-{auto.id}"(\s+open)?>\s*'
                          r'<summary>([^<]+)</summary>', html)
    assert collapsed and collapsed.group(1) is None and graded < collapsed.start()
    assert "Question 1: " in collapsed.group(2) and "1 of 1 points · Right · automatic" in collapsed.group(2)
    assert "Save and next ungraded" in html[to_grade:graded] and "Save and next ungraded" not in html[graded:]
    assert f'name="r{auto.id}-reason"' in html[graded:] and ">Regrade<" in html[graded:]


def test_a_collapsed_answer_is_regraded_and_a_refused_regrade_opens_it(client, login, world, make):
    w = world
    attempt = pending_attempt(w, make)
    auto = attempt.responses[0]
    login(w.instructor)
    refused = grade(client, auto, points="0")
    assert refused.status_code == 400
    assert re.search(rf'<details class="portal-graded-answer" id="response-{auto.id}"\s+open>', refused.get_data(as_text=True))
    assert grade(client, auto, points="0", reason="Misread the key.").status_code == 302
    assert db.session.get(Response, auto.id).manual_score == 0


def test_save_and_next_goes_through_the_class_queue_in_its_order(client, login, world, make):
    w = world
    older = pending_attempt(w, make, essays=2, minutes_ago=30)
    newer = pending_attempt(w, make, minutes_ago=10)
    other_class = make.training_class(w.course, start=today() - timedelta(days=10), instructors=[w.instructor])
    elsewhere = pending_attempt(w, make, minutes_ago=60, training_class=other_class)  # oldest, but another class
    login(w.instructor)

    # The newer attempt has nothing else waiting: on to the oldest attempt of the class, question 2.
    done = grade(client, newer.responses[1], then="next")
    first_essay, second_essay = older.responses[1], older.responses[2]
    assert done.headers["Location"] == f"/teach/grading/attempts/{older.id}?focus={first_essay.id}"
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    name = older.enrollment.officer.full_name
    assert (f"Question 2 of {newer.enrollment.officer.full_name}&#39;s attempt graded. Next ungraded: question 2 of "
            f"{name}&#39;s Final exam, attempt 1.") in page
    assert page.index('role="status"') < page.index('<h2 id="to-grade">')  # the confirmation above the answer
    assert "autofocus" in points_input(page, first_essay) and page.count("autofocus") == 1

    # Graded out of order: the attempt's own answer still waiting comes before any other attempt.
    assert grade(client, second_essay, then="next").headers["Location"].endswith(f"?focus={first_essay.id}")
    # The class's queue is empty: back to the grading queue, though another class still waits.
    last = grade(client, first_essay, then="next")
    assert last.headers["Location"] == "/teach/grading"
    queue = client.get("/teach/grading").get_data(as_text=True)
    assert f"No other answer in {w.training_class.name} is waiting for a grade." in queue
    assert db.session.get(Attempt, elsewhere.id).status == AttemptStatus.PENDING_GRADING
    assert db.session.get(Attempt, older.id).status == AttemptStatus.GRADED


def test_save_grade_stays_on_the_attempt_with_the_focus_on_its_next_answer(client, login, world, make):
    w = world
    attempt = pending_attempt(w, make, essays=2)
    login(w.instructor)
    first, second = attempt.responses[1], attempt.responses[2]
    assert grade(client, first).headers["Location"] == f"/teach/grading/attempts/{attempt.id}?focus={second.id}"
    assert grade(client, second).headers["Location"] == f"/teach/grading/attempts/{attempt.id}"
    # A focus that names no answer of the attempt (or no number) is ignored.
    for focus in ("999999", "x", str(first.id)):
        page = client.get(f"/teach/grading/attempts/{attempt.id}?focus={focus}")
        assert page.status_code == 200 and "autofocus" not in page.get_data(as_text=True)


def test_another_instructor_cannot_grade_or_follow_the_queue(client, login, world, make):
    w = world
    attempt = pending_attempt(w, make)
    login(make.user(Role.INSTRUCTOR))
    assert grade(client, attempt.responses[1], then="next").status_code == 404
    assert client.get(f"/teach/grading/attempts/{attempt.id}?focus={attempt.responses[1].id}").status_code == 404


def pending_essay(world):
    """An essay answer waiting in the running class, whose attempt has no other answer waiting."""
    return db.session.scalar(
        sa.select(Response).join(Attempt).where(Response.needs_grading.is_(True), Response.manual_score.is_(None),
                                                Attempt.status == AttemptStatus.PENDING_GRADING,
                                                Attempt.enrollment.has(class_id=world.training_class.id))
        .order_by(Response.id))


def test_save_and_next_statement_count_does_not_grow_with_the_queue(app, db_transaction):
    world = build_world()
    client = signed_in(app, world.instructor)
    client.get("/teach/grading")  # the first request after signing in also does one-off bookkeeping

    def save_and_next():
        response = pending_essay(world)
        return statements(db_transaction, client, GRADE.format(response.id), "POST",
                          {f"r{response.id}-points": "2", f"r{response.id}-back": "attempt", "then": "next"})

    before = save_and_next()
    grow(world, 4)
    after = save_and_next()
    assert after == before, f"save and next: {before} statements, then {after} with a longer queue"


def test_the_attempt_page_statement_count_does_not_grow_with_the_queue(app, db_transaction):
    world = build_world()
    client = signed_in(app, world.instructor)
    url = f"/teach/grading/attempts/{pending_essay(world).attempt_id}"
    client.get(url)
    before = statements(db_transaction, client, url)
    grow(world, 4)
    assert statements(db_transaction, client, url) == before
