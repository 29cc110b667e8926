"""The week-unlock rule, lesson order within a module, and the progress arithmetic."""
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.classes.models import EnrollmentStatus
from portal.extensions import db
from portal.progress.models import LessonProgress
from portal.timeutil import today


@pytest.fixture
def setup(make, login):
    course = make.course(weeks=2, modules_per_week=2, lessons_per_module=2)
    training_class = make.training_class(course, start=today() - timedelta(days=3))
    enrollment = make.enrollment(training_class=training_class)
    login(enrollment.officer)
    lessons = {lesson.title: lesson for lesson in course.ordered_lessons()}
    return training_class, enrollment, lessons


def lesson_url(tc, lesson):
    return f"/classes/{tc.id}/lessons/{lesson.id}"


def complete(client, tc, lesson):
    return client.post(lesson_url(tc, lesson) + "/complete")


def test_first_lesson_of_each_open_module_is_open_and_the_next_waits(client, setup):
    tc, _, lessons = setup
    assert client.get(lesson_url(tc, lessons["W1M1 lesson 1"])).status_code == 200
    assert client.get(lesson_url(tc, lessons["W1M2 lesson 1"])).status_code == 200
    locked = client.get(lesson_url(tc, lessons["W1M1 lesson 2"]))
    assert locked.status_code == 403 and b"Complete the previous lesson of this module first." in locked.data


def test_completing_opens_the_next_lesson_and_redirects_to_it(client, setup):
    tc, enrollment, lessons = setup
    response = complete(client, tc, lessons["W1M1 lesson 1"])
    assert response.headers["Location"].endswith(lesson_url(tc, lessons["W1M1 lesson 2"]))
    assert client.get(lesson_url(tc, lessons["W1M1 lesson 2"])).status_code == 200
    assert db.session.get(type(enrollment), enrollment.id).status == EnrollmentStatus.IN_PROGRESS


def test_completing_a_locked_lesson_is_refused_and_records_nothing(client, setup):
    tc, enrollment, lessons = setup
    response = complete(client, tc, lessons["W1M1 lesson 2"])
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LessonProgress)) == 0


def test_week_two_opens_seven_days_after_start(client, make, setup):
    tc, enrollment, lessons = setup
    week_two = lessons["W2M1 lesson 1"]
    response = client.get(lesson_url(tc, week_two))
    opens = tc.start_date + timedelta(days=7)
    assert response.status_code == 403
    assert f"Week 2 opens on {opens:%B} {opens.day}, {opens.year}".encode() in response.data
    tc.start_date = today() - timedelta(days=7)
    db.session.commit()
    assert client.get(lesson_url(tc, week_two)).status_code == 200


def test_class_not_started_shows_start_date_and_locks_everything(client, make, login):
    tc = make.training_class(start=today() + timedelta(days=10))
    enrollment = make.enrollment(training_class=tc)
    login(enrollment.officer)
    page = client.get("/dashboard")
    assert b"Your class starts on" in page.data
    first = tc.course.ordered_lessons()[0]
    assert client.get(lesson_url(tc, first)).status_code == 403


def test_double_submit_counts_once(client, setup):
    tc, enrollment, lessons = setup
    complete(client, tc, lessons["W1M1 lesson 1"])
    complete(client, tc, lessons["W1M1 lesson 1"])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LessonProgress)) == 1


def test_dashboard_progress_arithmetic(client, setup):
    tc, _, lessons = setup
    for title in ["W1M1 lesson 1", "W1M1 lesson 2", "W1M2 lesson 1"]:
        complete(client, tc, lessons[title])
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Overall progress: 38% (3 of 8 lessons)" in page  # 3/8 = 37.5% rounds to 38
    assert "Week 1: 75% (3 of 4 lessons)" in page
    # Week 2 is still locked: folded to one line that says when it opens and what it holds.
    assert re.search(r'<summary><h3 class="portal-week__title">Week 2</h3> <span[^>]*>.*?Opens [^<]+ · 4 lessons</span>',
                     page)
    assert "Week 2: 0%" not in page
    assert re.search(r"Week 1 module 1 <span[^>]*>\(2 of 2 done\)</span>", page)
    assert re.search(r"Week 1 module 2 <span[^>]*>\(1 of 2 done\)</span>", page)
    assert '<li class="portal-class__week">Week 1 of 2</li>' in page
    next_box = re.search(r'id="next-\d+">Continue where you left off</h3>\s*<p[^>]*>Next lesson: <a[^>]*>([^<]+)</a>', page)
    assert next_box.group(1) == "W1M2 lesson 2"


def test_completing_every_lesson_completes_the_enrollment(client, make, login):
    course = make.course(weeks=1, modules_per_week=1, lessons_per_module=2)
    tc = make.training_class(course, start=today())
    enrollment = make.enrollment(training_class=tc)
    login(enrollment.officer)
    for lesson in course.ordered_lessons():
        complete(client, tc, lesson)
    done = db.session.get(type(enrollment), enrollment.id)
    assert done.status == EnrollmentStatus.COMPLETED and done.completed_at is not None
    assert b"All lessons complete." in client.get("/dashboard").data


def test_other_officers_class_and_foreign_lessons_are_404(client, make, setup):
    tc, _, lessons = setup
    other_class = make.training_class()
    foreign_lesson = other_class.course.ordered_lessons()[0]
    assert client.get(lesson_url(other_class, foreign_lesson)).status_code == 404
    assert client.get(lesson_url(tc, foreign_lesson)).status_code == 404
    assert client.get(f"/classes/{tc.id}/lessons/999999").status_code == 404
    assert client.post(lesson_url(other_class, foreign_lesson) + "/complete").status_code == 404


def test_withdrawn_enrollment_cannot_complete_lessons(client, setup):
    tc, enrollment, lessons = setup
    enrollment.status = EnrollmentStatus.WITHDRAWN
    db.session.commit()
    complete(client, tc, lessons["W1M1 lesson 1"])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LessonProgress)) == 0


def test_roster_and_coordinator_dashboard_show_the_dashboards_counts(client, make, login, setup):
    """The lists of many officers count lessons as the officer's own dashboard does."""
    from portal.auth.roles import Role

    tc, enrollment, lessons = setup
    for title in ["W1M1 lesson 1", "W1M1 lesson 2", "W1M2 lesson 1"]:
        complete(client, tc, lessons[title])
    client.post("/logout")
    login(make.user(Role.ADMIN))
    roster = client.get(f"/teach/classes/{tc.id}").get_data(as_text=True)
    assert "38% (3 of 8 lessons)" in roster
    assert re.search(r"<td>3 of 4</td><td>0 of 4</td>", roster)
    client.post("/logout")
    login(make.user(Role.COORDINATOR, agency=enrollment.officer.agency))
    dashboard = client.get("/agency/").get_data(as_text=True)
    assert "38% (3 of 8 lessons)" in dashboard and '<span class="portal-meta">Week 1</span>' in dashboard
