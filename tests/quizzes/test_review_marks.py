"""The officer's review of a graded attempt: each answer marked Right, Partly right or Wrong in
words (where the review policy allows), several-part answers one part a line, and links back to the
lessons the exam covers."""
import re

from portal.extensions import db
from portal.quizzes.models import QuizSlot, ReviewPolicy
from portal.quizzes.services.attempts import start_attempt, submit_attempt


def sit(w, answers, policy=ReviewPolicy.AFTER_SUBMIT):
    """Week 1's exam with the given questions, answered as given (question -> answer JSON)."""
    w.week1.slots = [QuizSlot(position=i, question=q) for i, q in enumerate(answers, start=1)]
    w.week1.review_policy = policy
    db.session.flush()
    attempt = start_attempt(w.enrollment, w.week1)
    for response in attempt.responses:
        response.answer = answers[response.question]
    submit_attempt(attempt)
    db.session.flush()
    return attempt


def sections(html):
    return {int(n): body for n, body in re.findall(r'<h2 id="review-\d+" class="font-heading-md">Question (\d+)(.*?)</section>',
                                                    html, re.S)}


def test_each_answer_is_marked_in_words_and_parts_are_listed(client, login, world, make):
    w = world
    right = make.question(w.course)
    wrong = make.question(w.course)
    several = make.question(w.course, "multiple_response", "50 | Right A\n50 | Right B\n-100 | Wrong C")
    pairs = make.question(w.course, "matching", "OPR -> misconduct\nOIG -> audits\nCRCL -> civil rights")
    attempt = sit(w, {right: {"choice": "a"}, wrong: {"choice": "b"}, several: {"choices": ["a"]},
                      pairs: {"matches": {"p1": "misconduct", "p2": "misconduct"}}})
    login(w.officer)
    html = client.get(f"/attempts/{attempt.id}/result").get_data(as_text=True)
    marks = {n: re.search(r'portal-mark--(\w+)">([^<]+)</span></h2>', body).group(2) for n, body in sections(html).items()}
    assert marks == {1: "Right", 2: "Wrong", 3: "Partly right", 4: "Partly right"}
    several_html, pairs_html = sections(html)[3], sections(html)[4]
    # One ticked option a line, marked; then the correct answer, one a line.
    assert re.search(r'<li>Right A <span class="portal-mark portal-mark--right">right</span></li>\s*</ul>', several_html)
    assert "<li>Right A</li><li>Right B</li>" in several_html
    # Every prompt a line, with what was matched to it (or that nothing was).
    assert '<li>OPR → misconduct <span class="portal-mark portal-mark--right">right</span></li>' in pairs_html
    assert '<li>OIG → misconduct <span class="portal-mark portal-mark--wrong">wrong</span></li>' in pairs_html
    assert "<li>CRCL → no answer</li>" in pairs_html


def test_the_boundaries_of_a_mark(client, login, world, make):
    """Full points is right, just below is partly right; just above nothing is partly right, nothing is wrong."""
    w = world
    several = make.question(w.course, "multiple_response", "50 | Right A\n50 | Right B\n-100 | Wrong C")
    attempt = sit(w, {several: {"choices": ["a", "b"]}})
    login(w.officer)
    assert 'portal-mark--right">Right</span></h2>' in client.get(f"/attempts/{attempt.id}/result").get_data(as_text=True)
    response = attempt.responses[0]
    for score, label in ((0.999, "Partly right"), (0.001, "Partly right"), (0.0, "Wrong")):
        response.manual_score = score
        db.session.flush()
        html = client.get(f"/attempts/{attempt.id}/result").get_data(as_text=True)
        assert f'">{label}</span></h2>' in html, score


def test_no_marks_where_the_policy_hides_the_answers(client, login, world, make):
    w = world
    several = make.question(w.course, "multiple_response", "50 | Right A\n50 | Right B\n-100 | Wrong C")
    attempt = sit(w, {several: {"choices": ["a", "c"]}}, policy=ReviewPolicy.NEVER)
    login(w.officer)
    html = client.get(f"/attempts/{attempt.id}/result").get_data(as_text=True)
    assert "portal-mark" not in html and "Correct answer:" not in html
    assert "<li>Right A</li>" in html and "<li>Wrong C</li>" in html  # still one option a line


def test_the_result_links_back_to_the_lessons_of_the_week(client, login, world, make):
    w = world
    attempt = sit(w, {w.choice: {"choice": "b"}})
    login(w.officer)
    html = client.get(f"/attempts/{attempt.id}/result").get_data(as_text=True)
    assert "Go back over the lessons of week 1" in html
    lesson = w.course.modules[0].lessons[0]
    assert f'<a href="/classes/{w.training_class.id}/lessons/{lesson.id}">{lesson.title}</a>' in html
    assert client.get(f"/classes/{w.training_class.id}/lessons/{lesson.id}").status_code == 200
