"""Grading by question over several pages (20 answers a page): a refused grade comes back on the
page the instructor was on, with the inline error and what was typed; a saved one returns there."""
import re

import pytest

from portal.auth.roles import Role
from portal.classes.models import EnrollmentStatus
from portal.extensions import db
from portal.quizzes.models import GradeChange
from tests import factories as make


@pytest.fixture
def pending(world):
    """27 officers' final exams waiting for the essay's grade (4 points), oldest first."""
    responses = []
    for _ in range(27):
        enrollment = make.enrollment(make.user(Role.OFFICER), world.training_class, status=EnrollmentStatus.IN_PROGRESS)
        attempt = make.attempt(world.final, enrollment, None, answers=[(world.choice, 1.0), (world.essay, None)])
        responses.append(next(r for r in attempt.responses if r.question_id == world.essay.id))
    return responses


def answer_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<section class="portal-review" id="response-(\d+)"', html)]


def test_a_refused_grade_on_page_two_comes_back_on_page_two(client, login, world, pending):
    login(world.instructor)
    url = f"/teach/grading/questions/{world.essay.id}"
    page_two = client.get(f"{url}?page=2").get_data(as_text=True)
    assert answer_ids(page_two) == [r.id for r in pending[20:]]
    target = pending[22]
    prefix = f"r{target.id}"
    assert f'action="/teach/responses/{target.id}/grade?page=2"' in page_two  # the page goes with the form
    assert f'action="/teach/responses/{pending[0].id}/grade"' in client.get(url).get_data(as_text=True)

    refused = client.post(f"/teach/responses/{target.id}/grade?page=2",
                          data={f"{prefix}-points": "9", f"{prefix}-feedback": "Cite the MOA <section>.",
                                f"{prefix}-back": "question"})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert answer_ids(html) == [r.id for r in pending[20:]]  # page 2 again, not page 1
    assert "27 in all, page 2 of 2." in html and 'aria-label="Page 2" aria-current="page"' in html
    assert "<title>Error: Grade" in html
    assert f'<a href="#{prefix}-points">Points: Points must be between 0 and 4.</a>' in html  # the error summary
    assert f'id="{prefix}-points-error"' in html and 'aria-invalid="true"' in html  # the inline error
    assert re.search(rf'<input[^>]*id="{prefix}-points"[^>]*value="9"', html)  # the points typed, kept
    assert "Cite the MOA &lt;section&gt;.</textarea>" in html  # what the grader wrote, kept and escaped
    assert html.index(f'id="{prefix}-points-error"') > html.index(f'id="response-{target.id}"')
    db.session.refresh(target)
    assert target.pending and db.session.query(GradeChange).count() == 0

    empty = client.post(f"/teach/responses/{target.id}/grade?page=2",
                        data={f"{prefix}-points": "", f"{prefix}-back": "question"})
    assert empty.status_code == 400 and answer_ids(empty.get_data(as_text=True)) == [r.id for r in pending[20:]]
    assert f'<a href="#{prefix}-points">Points: Enter the points.</a>' in empty.get_data(as_text=True)


def test_a_saved_grade_returns_to_the_page_it_was_given_on(client, login, world, pending):
    login(world.instructor)
    target = pending[21]
    saved = client.post(f"/teach/responses/{target.id}/grade?page=2",
                        data={f"r{target.id}-points": "3", f"r{target.id}-back": "question"})
    assert saved.status_code == 302
    assert saved.headers["Location"].endswith(f"/teach/grading/questions/{world.essay.id}?page=2")
    db.session.refresh(target)
    assert not target.pending
    after = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert answer_ids(after) == [r.id for r in pending[20:] if r.id != target.id]
    first = pending[0]  # from page 1 back to page 1, with no page number in the address
    saved = client.post(f"/teach/responses/{first.id}/grade", data={f"r{first.id}-points": "4", f"r{first.id}-back": "question"})
    assert saved.headers["Location"].endswith(f"/teach/grading/questions/{world.essay.id}")


@pytest.mark.parametrize("page", ["1", "abc", "-4", "99999999999999999999999", ""])
def test_a_refused_grade_is_shown_on_the_page_that_holds_it_whatever_page_is_sent(client, login, world, pending, page):
    """A stale or nonsense page number (another grader emptied page 1, a hand-edited address)
    still shows the refused answer with its error, never a page without it or a 500."""
    login(world.instructor)
    target = pending[25]
    refused = client.post(
        f"/teach/responses/{target.id}/grade?page={page}",
        data={f"r{target.id}-points": "-1", f"r{target.id}-feedback": "Kept.", f"r{target.id}-back": "question"},
    )
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert target.id in answer_ids(html) and "page 2 of 2" in html
    assert f'id="r{target.id}-points-error"' in html and "Kept.</textarea>" in html


def test_the_refused_answer_moves_to_page_one_when_answers_before_it_are_graded(client, login, world, pending):
    login(world.instructor)
    for response in pending[:10]:  # graded meanwhile by a colleague: 17 left, all on page 1
        assert client.post(f"/teach/responses/{response.id}/grade",
                           data={f"r{response.id}-points": "2", f"r{response.id}-back": "question"}).status_code == 302
    target = pending[24]
    refused = client.post(f"/teach/responses/{target.id}/grade?page=2",
                          data={f"r{target.id}-points": "5", f"r{target.id}-back": "question"})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert answer_ids(html) == [r.id for r in pending[10:]] and "17 in all." in html
    assert f'id="r{target.id}-points-error"' in html
