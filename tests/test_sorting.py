"""Sortable columns (portal/sorting.py, templates/sorting.html) of the class roster, the class
gradebook and the coordinator's officer table: ordered on the server from ?sort and ?dir, so they
work without JavaScript; the sorted header carries aria-sort and every header link names what it
does; an unknown column or direction falls back to the default order, never an error."""
import re
from html import unescape

import pytest

from portal.auth.roles import Role
from portal.classes.models import EnrollmentStatus
from portal.extensions import db


def row_names(page: str) -> list[str]:
    """The officer of each table row, top to bottom (the name may be a link to the record)."""
    return [unescape(name).strip() for name in re.findall(r'<th scope="row">(?:<a [^>]*>)?([^<]+)', page)]


def sorted_state(page: str) -> list[tuple[str, str]]:
    """(column, direction) of every header with aria-sort."""
    return [(unescape(label), state) for state, label in re.findall(
        r'<th scope="col" aria-sort="(ascending|descending)"><a class="portal-sort" href="[^"]*" aria-label="[^"]*">([^<]+)',
        page)]


@pytest.fixture
def world(make):
    """Three officers of a class in week 2 (four lessons, one exam), each first on another column:
    Adams: agency Zulu, in progress, 1 lesson done, exam 50%;
    Brown: agency Alpha, enrolled, 3 lessons done, exam not attempted;
    Carter: agency Mike, remediation, no lesson done, exam 90%."""
    course = make.course(weeks=2, modules_per_week=1, lessons_per_module=2)
    instructor = make.user(Role.INSTRUCTOR)
    training_class = make.training_class(course, start=make.days_ago(10), instructors=[instructor])
    exam = make.quiz(course, [make.question(course)], module=course.modules[0], title="Week 1 exam")
    lessons = [lesson for module in course.modules for lesson in module.lessons]
    people = {}
    for last, agency, status, done, score in [
        ("Adams", "Zulu County", EnrollmentStatus.IN_PROGRESS, 1, 0.5),
        ("Brown", "Alpha County", EnrollmentStatus.ENROLLED, 3, None),
        ("Carter", "Mike County", EnrollmentStatus.REMEDIATION, 0, 0.9),
    ]:
        officer = make.user(Role.OFFICER, agency=make.agency(name=f"{agency} Sheriff's Office"), first="Pat", last=last)
        enrollment = make.enrollment(officer, training_class, status=status)
        for lesson in lessons[:done]:
            make.lesson_done(enrollment, lesson)
        if score is not None:
            make.attempt(exam, enrollment, outcome=score >= 0.7).score = score
            db.session.flush()
        people[last] = officer
    return {"class": training_class, "instructor": instructor, "exam": exam, "people": people}


# --- the class roster ----------------------------------------------------------------------------

def html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def roster(client, world, query=""):
    return html(client, f"/teach/classes/{world['class'].id}{query}")


def test_roster_is_by_officer_name_by_default_and_says_so(client, login, world):
    login(world["instructor"])
    page = roster(client, world)
    assert row_names(page) == ["Adams, Pat", "Brown, Pat", "Carter, Pat"]
    assert sorted_state(page) == [("Officer", "ascending")]
    # Link names: the sorted column says its order, the others what a click does.
    assert '#roster" aria-label="Officer, sorted ascending">Officer<svg' in page
    assert f'href="/teach/classes/{world["class"].id}?sort=officer&amp;dir=desc#roster"' in page
    assert 'aria-label="Sort by Agency">Agency<svg' in page
    assert f'href="/teach/classes/{world["class"].id}?sort=agency&amp;dir=asc#roster"' in page


@pytest.mark.parametrize(("query", "expected", "column", "state"), [
    ("?sort=officer&dir=desc", ["Carter", "Brown", "Adams"], "Officer", "descending"),
    ("?sort=agency", ["Brown", "Carter", "Adams"], "Agency", "ascending"),
    ("?sort=agency&dir=desc", ["Adams", "Carter", "Brown"], "Agency", "descending"),
    ("?sort=status", ["Brown", "Adams", "Carter"], "Status", "ascending"),  # in the program's order
    ("?sort=progress", ["Carter", "Adams", "Brown"], "Overall", "ascending"),
    ("?sort=progress&dir=desc", ["Brown", "Adams", "Carter"], "Overall", "descending"),
    ("?sort=week1&dir=desc", ["Brown", "Adams", "Carter"], "Week 1", "descending"),
])
def test_roster_sorts_by_each_column_both_ways(client, login, world, query, expected, column, state):
    login(world["instructor"])
    page = roster(client, world, query)
    assert row_names(page) == [f"{last}, Pat" for last in expected]
    assert sorted_state(page) == [(column, state)]


def test_a_sorted_column_links_to_the_other_direction(client, login, world):
    login(world["instructor"])
    ascending = roster(client, world, "?sort=progress")
    assert f'href="/teach/classes/{world["class"].id}?sort=progress&amp;dir=desc#roster"' in ascending
    descending = roster(client, world, "?sort=progress&dir=desc")
    assert f'href="/teach/classes/{world["class"].id}?sort=progress&amp;dir=asc#roster"' in descending


@pytest.mark.parametrize("query", [
    "?sort=nonsense", "?sort=nonsense&dir=desc", "?sort=week3", "?sort=week0", "?sort=", "?sort=officer&dir=sideways",
    "?sort=officer&dir=DESC", "?sort=__class__", "?sort=progress.x", "?dir=desc", "?sort=Officer",
])
def test_an_unknown_column_or_direction_falls_back_to_the_default(client, login, world, query):
    login(world["instructor"])
    page = roster(client, world, query)
    assert row_names(page) == ["Adams, Pat", "Brown, Pat", "Carter, Pat"]
    assert sorted_state(page) == [("Officer", "ascending")]


def test_the_administrators_class_page_sorts_its_roster_too(client, login, make, world):
    login(make.user(Role.ADMIN))
    response = client.get(f"/admin/classes/{world['class'].id}?sort=progress&dir=desc")
    page = response.get_data(as_text=True)
    assert row_names(page) == ["Brown, Pat", "Adams, Pat", "Carter, Pat"]
    assert sorted_state(page) == [("Overall", "descending")]
    assert client.get(f"/admin/classes/{world['class'].id}?sort=bogus&dir=up").status_code == 200


# --- the class gradebook -------------------------------------------------------------------------

def gradebook(client, world, query=""):
    return html(client, f"/teach/classes/{world['class'].id}/gradebook{query}")


def test_gradebook_sorts_by_an_exam_no_grade_first_then_by_percent(client, login, world):
    login(world["instructor"])
    exam = f"exam{world['exam'].id}"
    ascending = gradebook(client, world, f"?sort={exam}")
    assert row_names(ascending) == ["Brown, Pat", "Adams, Pat", "Carter, Pat"]
    assert sorted_state(ascending) == [("Week 1 exam", "ascending")]
    descending = gradebook(client, world, f"?sort={exam}&dir=desc")
    assert row_names(descending) == ["Carter, Pat", "Adams, Pat", "Brown, Pat"]
    assert sorted_state(descending) == [("Week 1 exam", "descending")]


def test_gradebook_by_name_and_status_and_unknown_keys(client, login, world):
    login(world["instructor"])
    assert row_names(gradebook(client, world)) == ["Adams, Pat", "Brown, Pat", "Carter, Pat"]
    assert row_names(gradebook(client, world, "?sort=officer&dir=desc")) == ["Carter, Pat", "Brown, Pat", "Adams, Pat"]
    assert row_names(gradebook(client, world, "?sort=status&dir=desc")) == ["Carter, Pat", "Adams, Pat", "Brown, Pat"]
    # An exam of another course, or no exam at all, is not a column here.
    for query in (f"?sort=exam{world['exam'].id + 1}", "?sort=exam", "?sort=examx&dir=desc"):
        page = gradebook(client, world, query)
        assert row_names(page) == ["Adams, Pat", "Brown, Pat", "Carter, Pat"]
        assert sorted_state(page) == [("Officer", "ascending")]


def test_equal_values_keep_the_name_order_in_both_directions(client, login, make, world):
    """Two officers with the same grade: by name whichever way the grade column runs."""
    other = make.user(Role.OFFICER, first="Pat", last="Aaron")
    make.attempt(world["exam"], make.enrollment(other, world["class"], status=EnrollmentStatus.IN_PROGRESS)).score = 0.9
    db.session.flush()
    login(world["instructor"])
    exam = f"exam{world['exam'].id}"
    assert row_names(gradebook(client, world, f"?sort={exam}")) == ["Brown, Pat", "Adams, Pat", "Aaron, Pat", "Carter, Pat"]
    assert row_names(gradebook(client, world, f"?sort={exam}&dir=desc")) == [
        "Aaron, Pat", "Carter, Pat", "Adams, Pat", "Brown, Pat"]


# --- the coordinator's officer table ----------------------------------------------------------------

@pytest.fixture
def agency_world(make, login):
    """One agency's officers: Baker (2 of 4 lessons), Abel (4 of 4, class "B class"), Cole (never
    enrolled), in classes named so that the class order differs from the name order."""
    agency = make.agency(name="Delta County Sheriff's Office")
    course = make.course(weeks=1, modules_per_week=1, lessons_per_module=4)
    first, second = (make.training_class(course, start=make.days_ago(3)) for _ in range(2))
    first.name, second.name = "B class", "A class"
    lessons = course.modules[0].lessons
    officers = {}
    for last, training_class, done in [("Abel", first, 4), ("Baker", second, 2), ("Cole", None, 0)]:
        officers[last] = make.user(Role.OFFICER, agency=agency, first="Lee", last=last)
        if training_class is not None:
            enrollment = make.enrollment(officers[last], training_class, status=EnrollmentStatus.IN_PROGRESS)
            for lesson in lessons[:done]:
                make.lesson_done(enrollment, lesson)
    login(make.user(Role.COORDINATOR, agency=agency))
    return officers


def officers_in_order(client, query=""):
    page = html(client, f"/agency/{query}")
    table = page[page.index('<h2 id="officers">'):]
    return row_names(table[:table.index("</table>")]), page


@pytest.mark.parametrize(("query", "expected", "column", "state"), [
    ("", ["Abel", "Baker", "Cole"], "Officer", "ascending"),
    ("?sort=officer&dir=desc", ["Cole", "Baker", "Abel"], "Officer", "descending"),
    ("?sort=status", ["Cole", "Abel", "Baker"], "Status", "ascending"),  # not enrolled, then in progress
    ("?sort=class", ["Cole", "Baker", "Abel"], "Class", "ascending"),  # none, "A class", "B class"
    ("?sort=class&dir=desc", ["Abel", "Baker", "Cole"], "Class", "descending"),
    ("?sort=progress", ["Cole", "Baker", "Abel"], "Progress", "ascending"),
    ("?sort=progress&dir=desc", ["Abel", "Baker", "Cole"], "Progress", "descending"),
    ("?sort=agency", ["Abel", "Baker", "Cole"], "Officer", "ascending"),  # not a column of this table
    ("?sort=progress&dir=backwards", ["Cole", "Baker", "Abel"], "Progress", "ascending"),
])
def test_coordinator_table_sorts_on_the_server(client, agency_world, query, expected, column, state):
    names, page = officers_in_order(client, query)
    assert names == [f"{last}, Lee" for last in expected]
    assert sorted_state(page) == [(column, state)]


def test_coordinator_sort_keeps_the_search_and_filter_and_pages_keep_the_sort(client, agency_world, make):
    names, page = officers_in_order(client, "?q=lee&status=in_progress&sort=progress&dir=desc")
    assert names == ["Abel, Lee", "Baker, Lee"]
    # The header links keep the search and the status the page read, not the raw arguments.
    assert 'href="/agency/?q=lee&amp;status=in_progress&amp;sort=class&amp;dir=asc#officers"' in page
    # The search form keeps the order.
    assert '<input type="hidden" name="sort" value="progress"><input type="hidden" name="dir" value="desc">' in page
    _, unfiltered = officers_in_order(client, "?status=bogus&sort=class")
    assert "bogus" not in unfiltered and 'href="/agency/?sort=class&amp;dir=desc#officers"' in unfiltered


def test_coordinator_pagination_keeps_the_chosen_order_only(client, agency_world, make):
    agency = agency_world["Abel"].agency
    for n in range(25):
        make.user(Role.OFFICER, agency=agency, first="Lee", last=f"Zed{n:02d}")
    names, page = officers_in_order(client, "?sort=officer&dir=desc")
    assert names[0] == "Zed24, Lee" and len(names) == 25
    assert re.search(r'href="/agency/\?sort=officer&amp;dir=desc&amp;page=2#officers" [^>]*aria-label="Page 2"', page)
    second, _ = officers_in_order(client, "?sort=officer&dir=desc&page=2")
    assert second == ["Cole, Lee", "Baker, Lee", "Abel, Lee"]
    _, default = officers_in_order(client)
    assert re.search(r'href="/agency/\?page=2#officers" [^>]*aria-label="Page 2"', default)


def test_url_arguments_url_for_keeps_for_itself_do_no_harm(client, agency_world):
    for query in ("?sort=class&_external=1&_scheme=javascript", "?sort=class&endpoint=auth.logout&_anchor=x"):
        names, page = officers_in_order(client, query)
        assert names == ["Cole, Lee", "Baker, Lee", "Abel, Lee"]
        assert "javascript" not in page.split("<main", 1)[1] and "logout?" not in page
