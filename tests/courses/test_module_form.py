"""The new-module form proposes the next week that has no module (else the last week, after its
modules), so a course is filled week by week without retyping, and a one-week course without an error."""
import re

import pytest

from portal.auth.roles import Role
from portal.courses.models import Course
from portal.extensions import db


def proposed(client, course):
    page = client.get(f"/admin/courses/{course.id}/modules/new").data.decode()
    return tuple(int(re.search(rf'name="{name}"[^>]*value="(\d*)"', page).group(1)) for name in ("week", "position"))


@pytest.fixture
def admin(login, make):
    login(make.user(Role.ADMIN))


@pytest.mark.parametrize(("weeks", "filled", "expected"), [
    (1, [], (1, 1)),            # a one-week course, empty: week 1
    (3, [1], (2, 1)),           # the first week without a module
    (3, [1, 3], (2, 1)),        # a gap is filled before the end
    (2, [1, 2, 2], (2, 3)),     # every week has one: the last week, after its two modules
])
def test_the_form_proposes_the_next_week_without_a_module(client, make, admin, weeks, filled, expected):
    course = make.course(weeks=weeks, modules_per_week=0)
    for week in filled:
        client.post(f"/admin/courses/{course.id}/modules/new",
                    data={"week": week, "position": proposed(client, course)[1] if week == weeks else 1,
                          "title": f"Week {week}"})
    assert proposed(client, course) == expected


def test_a_one_week_course_is_filled_by_submitting_the_form_as_proposed(client, make, admin):
    course = make.course(weeks=1, modules_per_week=0)
    week, position = proposed(client, course)
    saved = client.post(f"/admin/courses/{course.id}/modules/new",
                        data={"week": week, "position": position, "title": "Immigration law basics"})
    assert saved.status_code == 302
    assert [m.title for m in db.session.get(Course, course.id).modules] == ["Immigration law basics"]
