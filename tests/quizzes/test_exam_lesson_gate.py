"""An exam that asks for its lessons first starts only once they are complete: the week's lessons
(every module of that week), or every lesson of the course for a final exam. Enforced when the
attempt starts (the POST), listed with links on the exam page; an attempt in progress is not
affected; a remediation retake is held to it too."""
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.auth.roles import Role
from portal.extensions import db
from portal.quizzes.models import Attempt, AttemptStatus, Quiz, ReviewPolicy
from portal.timeutil import today
from tests.quizzes.conftest import latest_attempt, value_of


@pytest.fixture
def gated(make):
    """A 2-week course, two modules a week of two lessons each, started 10 days ago (both weeks
    open); week 1's exam and the final ask for their lessons first."""
    course = make.course(weeks=2, modules_per_week=2, lessons_per_module=2)
    instructor = make.user(Role.INSTRUCTOR)
    tc = make.training_class(course, start=today() - timedelta(days=10), instructors=[instructor])
    officer = make.user(Role.OFFICER)
    enrollment = make.enrollment(officer, tc)
    choice = make.question(course)
    week1 = make.quiz(course, [choice], module=course.modules[0], title="Week 1 exam", lessons_first=True)
    final = make.quiz(course, [make.question(course)], title="Final exam", lessons_first=True)
    return dict(course=course, tc=tc, officer=officer, enrollment=enrollment, week1=week1, final=final, choice=choice,
                instructor=instructor)


def week_lessons(course, week):
    return [lesson for m in course.modules if m.week == week for lesson in m.lessons]


def start(client, g, quiz):
    return client.post(f"/classes/{g['tc'].id}/exams/{quiz.id}/start")


def attempts(g, quiz):
    return db.session.scalars(sa.select(Attempt).where(Attempt.enrollment_id == g["enrollment"].id,
                                                       Attempt.quiz_id == quiz.id)).all()


def test_all_lessons_but_one_refuses_and_lists_the_one_left_with_its_link(client, login, gated, make):
    g = gated
    lessons = week_lessons(g["course"], 1)
    assert len(lessons) == 4  # both modules of week 1
    for lesson in lessons[:3]:
        make.lesson_done(g["enrollment"], lesson)
    login(g["officer"])
    exam_url = f"/classes/{g['tc'].id}/exams/{g['week1'].id}"
    page = client.get(exam_url).get_data(as_text=True)
    assert "Complete the lessons of week 1 before starting this exam: 1 lesson to go." in page
    assert "Start the exam" not in page
    links = re.findall(r'<li><a href="/classes/(\d+)/lessons/(\d+)">([^<]+)</a>', page)
    assert links == [(str(g["tc"].id), str(lessons[3].id), lessons[3].title)]

    # The server refuses the start itself, whatever the page showed.
    refused = start(client, g, g["week1"])
    assert refused.status_code == 302 and refused.headers["Location"] == exam_url
    assert attempts(g, g["week1"]) == []
    assert "1 lesson to go" in client.get(exam_url).get_data(as_text=True)  # the flash, then the page

    listing = client.get(f"/classes/{g['tc'].id}/exams").get_data(as_text=True)
    assert "Complete the lessons of week 1 before starting this exam: 1 lesson to go." in listing


def test_all_lessons_complete_allows_the_start(client, login, gated, make):
    g = gated
    for lesson in week_lessons(g["course"], 1):
        make.lesson_done(g["enrollment"], lesson)
    login(g["officer"])
    page = client.get(f"/classes/{g['tc'].id}/exams/{g['week1'].id}").get_data(as_text=True)
    assert "Start the exam" in page and "Lessons to complete first" not in page
    response = start(client, g, g["week1"])
    attempt = latest_attempt(g["enrollment"], g["week1"])
    assert response.headers["Location"].endswith(f"/attempts/{attempt.id}")


def test_the_setting_off_allows_the_start_with_no_lesson_done(client, login, gated):
    g = gated
    g["week1"].lessons_first = False
    db.session.flush()
    login(g["officer"])
    assert "Start the exam" in client.get(f"/classes/{g['tc'].id}/exams/{g['week1'].id}").get_data(as_text=True)
    location = start(client, g, g["week1"]).headers["Location"]
    assert location.endswith(f"/attempts/{latest_attempt(g['enrollment'], g['week1']).id}")


def test_a_final_exam_asks_for_every_lesson_of_the_course(client, login, gated, make):
    g = gated
    for lesson in week_lessons(g["course"], 1):
        make.lesson_done(g["enrollment"], lesson)
    week2 = week_lessons(g["course"], 2)
    for lesson in week2[:-1]:
        make.lesson_done(g["enrollment"], lesson)
    login(g["officer"])
    page = client.get(f"/classes/{g['tc'].id}/exams/{g['final'].id}").get_data(as_text=True)
    assert "Complete every lesson of the course before starting this exam: 1 lesson to go." in page
    assert f'/lessons/{week2[-1].id}"' in page
    assert start(client, g, g["final"]).status_code == 302 and attempts(g, g["final"]) == []
    make.lesson_done(g["enrollment"], week2[-1])
    start(client, g, g["final"])
    assert len(attempts(g, g["final"])) == 1


def test_an_attempt_in_progress_is_not_affected(client, login, gated):
    g = gated
    g["week1"].lessons_first = False
    db.session.flush()
    login(g["officer"])
    start(client, g, g["week1"])
    attempt = latest_attempt(g["enrollment"], g["week1"])
    g["week1"].lessons_first = True  # switched on while the officer is taking it
    db.session.flush()
    page = client.get(f"/classes/{g['tc'].id}/exams/{g['week1'].id}").get_data(as_text=True)
    assert "Continue your attempt" in page and "Lessons to complete first" not in page
    assert start(client, g, g["week1"]).headers["Location"].endswith(f"/attempts/{attempt.id}")
    assert client.get(f"/attempts/{attempt.id}").status_code == 200


def test_a_remediation_retake_waits_for_the_lessons_and_the_answers_stay_hidden(client, login, gated, make):
    """The first attempt was taken before the setting was on and failed; the retake asks for the
    lessons like any attempt. Meanwhile the officer still has an attempt left, so a review policy
    of "when done" keeps the correct answers hidden."""
    g = gated
    g["week1"].lessons_first = False
    g["week1"].review_policy = ReviewPolicy.WHEN_DONE
    db.session.flush()
    login(g["officer"])
    start(client, g, g["week1"])
    attempt = latest_attempt(g["enrollment"], g["week1"])
    client.post(f"/attempts/{attempt.id}/save", data={"page": "1", f"q{g['choice'].id}": value_of(attempt, g["choice"].id, "b"),
                                                      "action": "finish"})
    client.post(f"/attempts/{attempt.id}/submit")
    db.session.refresh(attempt)
    assert attempt.status == AttemptStatus.GRADED and attempt.passed is False
    g["week1"].lessons_first = True
    db.session.flush()

    page = client.get(f"/classes/{g['tc'].id}/exams/{g['week1'].id}").get_data(as_text=True)
    assert "4 lessons to go" in page and "Start the retake" not in page
    assert "Correct answer:" not in client.get(f"/attempts/{attempt.id}/result").get_data(as_text=True)
    assert start(client, g, g["week1"]).status_code == 302 and len(attempts(g, g["week1"])) == 1

    for lesson in week_lessons(g["course"], 1):
        make.lesson_done(g["enrollment"], lesson)
    assert "Start the retake" in client.get(f"/classes/{g['tc'].id}/exams/{g['week1'].id}").get_data(as_text=True)
    start(client, g, g["week1"])
    retake = latest_attempt(g["enrollment"], g["week1"])
    assert retake.number == 2 and retake.is_retake


def test_lessons_of_the_next_week_do_not_count_for_a_week_exam(client, login, gated, make):
    """Just above the boundary the other way: week 2's lessons done, week 1's not: still refused."""
    g = gated
    for lesson in week_lessons(g["course"], 2):
        make.lesson_done(g["enrollment"], lesson)
    login(g["officer"])
    assert start(client, g, g["week1"]).status_code == 302 and attempts(g, g["week1"]) == []


def test_the_quiz_form_saves_the_setting(client, login, gated, make):
    g = gated
    login(make.user(Role.ADMIN))
    quiz = g["week1"]
    form = client.get(f"/bank/quizzes/{quiz.id}/edit").get_data(as_text=True)
    assert re.search(r'<input[^>]*checked[^>]*id="lessons_first"|<input[^>]*id="lessons_first"[^>]*checked', form)
    assert '<label class="usa-checkbox__label" for="lessons_first">Officers complete the lessons first' in form
    data = {"title": quiz.title, "module_id": str(quiz.module_id), "pass_mark": "70", "attempts_allowed": "2",
            "questions_per_page": "5", "grading_policy": "best", "review_policy": "when_done", "required": "y",
            "shuffle_choices": "y"}
    assert client.post(f"/bank/quizzes/{quiz.id}/edit", data=data).status_code == 302
    assert db.session.get(Quiz, quiz.id).lessons_first is False
    assert client.post(f"/bank/quizzes/{quiz.id}/edit", data={**data, "lessons_first": "y"}).status_code == 302
    assert db.session.get(Quiz, quiz.id).lessons_first is True


def test_the_migration_adds_the_setting_off_and_removes_it(tmp_path):
    from flask_migrate import downgrade, upgrade

    from portal import create_app
    from tests.conftest import TEST_CONFIG
    from tests.databases import fresh_database

    with fresh_database(tmp_path) as url:
        other = create_app(TEST_CONFIG, SQLALCHEMY_DATABASE_URI=url)
        with other.app_context():
            upgrade(revision="0960_api_tokens")
            db.session.execute(sa.text(
                "INSERT INTO courses (code, title, description, weeks, hours, pass_mark, certificate_validity_days, is_refresher,"
                " created_at) VALUES ('OLD', 'Old course', '', 1, 8, 70, 365, false, CURRENT_TIMESTAMP)"))
            db.session.execute(sa.text(
                "INSERT INTO quizzes (course_id, title, instructions, required, pass_mark, attempts_allowed,"
                " shuffle_questions, shuffle_choices, questions_per_page, grading_policy, review_policy, position,"
                " created_at) SELECT id, 'Old exam', '', true, 70, 2, false, true, 5, 'best', 'when_done', 1,"
                " CURRENT_TIMESTAMP FROM courses"))
            db.session.commit()
            upgrade(revision="0970_exam_lesson_gate")
            assert db.session.execute(sa.text("SELECT lessons_first FROM quizzes")).scalar_one() in (False, 0)
            db.session.commit()
            downgrade(revision="0960_api_tokens")
            columns = {c["name"] for c in sa.inspect(db.engine).get_columns("quizzes")}
            assert "lessons_first" not in columns
            db.session.remove()
