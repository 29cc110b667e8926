"""The officer's dashboard fits (issue 14, item 3): the class under way comes first; a locked
week, or a finished week that is not this week, is one line that opens to its lessons; the week
navigation is marked to come first on phones. Heights are measured in tests/browser/test_layout_fit.py."""
import re
from datetime import timedelta

import pytest

from portal.classes.models import EnrollmentStatus
from portal.timeutil import today


def class_order(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<section class="portal-class" id="class-(\d+)"', page)]


def weeks(page: str) -> dict[int, str]:
    """Week number -> "folded" (a <details> line) or "open" (a section with its progress bar)."""
    found = {int(n): "folded" for n in re.findall(r'<details class="portal-week portal-week--folded" id="week-\d+-(\d+)">', page)}
    found.update({int(n): "open" for n in re.findall(r'<section class="portal-week" id="week-\d+-(\d+)"', page)})
    return found


def test_the_class_under_way_comes_first_then_the_next_then_finished_ones(client, login, make):
    officer = make.user()
    finished = make.enrollment(officer, make.training_class(start=make.days_ago(30)), status=EnrollmentStatus.COMPLETED)
    upcoming = make.enrollment(officer, make.training_class(start=today() + timedelta(days=20)))
    running = make.enrollment(officer, make.training_class(start=make.days_ago(3)), status=EnrollmentStatus.IN_PROGRESS)
    login(officer)
    page = client.get("/dashboard").get_data(as_text=True)
    # By start date alone the upcoming class would come first.
    assert class_order(page) == [running.class_id, upcoming.class_id, finished.class_id]
    sidenav = page[page.index('aria-label="Course weeks"'):page.index("</nav>", page.index('aria-label="Course weeks"'))]
    assert [int(n) for n in re.findall(r'href="#class-(\d+)"', sidenav)] == class_order(page)


@pytest.fixture
def week_two(make, login):
    """A three-week course (two lessons a week) in its second week."""
    course = make.course(weeks=3, modules_per_week=1, lessons_per_module=2)
    enrollment = make.enrollment(training_class=make.training_class(course, start=make.days_ago(10)),
                                 status=EnrollmentStatus.IN_PROGRESS)
    login(enrollment.officer)
    return enrollment, [m.lessons for m in course.modules]


@pytest.mark.parametrize(("done_in_week_1", "week_1"), [(2, "folded"), (1, "open"), (0, "open")])
def test_a_past_week_folds_only_once_finished(client, make, week_two, done_in_week_1, week_1):
    enrollment, lessons = week_two
    for lesson in lessons[0][:done_in_week_1]:
        make.lesson_done(enrollment, lesson)
    page = client.get("/dashboard").get_data(as_text=True)
    assert weeks(page) == {1: week_1, 2: "open", 3: "folded"}
    if week_1 == "folded":
        assert re.search(r'<h3 class="portal-week__title">Week 1</h3> <span[^>]*>.*?All 2 lessons complete</span>', page)


def test_this_week_stays_open_even_when_finished(client, make, week_two):
    enrollment, lessons = week_two
    for lesson in lessons[1]:
        make.lesson_done(enrollment, lesson)
    assert weeks(client.get("/dashboard").get_data(as_text=True))[2] == "open"


def test_a_locked_week_is_one_line_with_its_lessons_inside_unlinked(client, week_two):
    enrollment, lessons = week_two
    page = client.get("/dashboard").get_data(as_text=True)
    week_3 = page[page.index(f'id="week-{enrollment.class_id}-3"'):]
    week_3 = week_3[:week_3.index("</details>")]
    summary = re.search(r"<summary>(.*?)</summary>", week_3, re.S).group(1)
    assert "Week 3" in summary and re.search(r"Opens \w{3} \d{1,2}, \d{4} · 2 lessons", summary)
    for lesson in lessons[2]:
        assert lesson.title in week_3 and f"/lessons/{lesson.id}" not in week_3
    assert "Week 3: 0%" not in page  # no progress bar for a week that has not opened


def test_the_week_navigation_is_marked_to_come_first_on_phones(client, week_two):
    page = client.get("/dashboard").get_data(as_text=True)
    assert re.search(r'<div class="[^"]*portal-sidenav portal-sidenav--first">\s*<nav aria-label="Course weeks">', page)
