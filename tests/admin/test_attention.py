"""The administrator's overview: "Needs your attention", each count at its boundary and its link."""
import re
from datetime import timedelta

import pytest

from portal.agencies.models import AgreementStatus
from portal.auth.roles import Role
from portal.extensions import db
from portal.timeutil import today


@pytest.fixture
def admin(make, login):
    user = make.user(Role.ADMIN)
    login(user)
    return user


def attention(client) -> dict[str, tuple[int, str]]:
    """Each item of the section: its words -> (count, link)."""
    page = client.get("/admin/").get_data(as_text=True)
    section = page.split('id="attention"', 1)[1].split("</section>", 1)[0]
    return {what.strip(): (int(n), href.replace("&amp;", "&"))
            for href, n, what in re.findall(r'<a href="([^"]+)"><span class="text-bold">(\d+)</span>([^<]+)</a>', section)}


def count(client, what: str) -> int:
    return attention(client)[what][0]


def test_nothing_waiting_says_so(client, admin):
    assert "Nothing is waiting" in client.get("/admin/").get_data(as_text=True)


def test_applications_waiting_count_applied_and_under_review_only(client, make, admin):
    make.agency(status=AgreementStatus.APPLIED)
    make.agency(status=AgreementStatus.UNDER_REVIEW)
    make.agency(status=AgreementStatus.ACTIVE)
    make.agency(status=AgreementStatus.TERMINATED)
    n, link = attention(client)["application(s) waiting for a decision"]
    assert (n, link) == (2, "/admin/applications/")
    assert client.get(link).status_code == 200


def test_nominations_to_review_count_only_nominated(client, make, admin):
    make.nomination(last="Waiting")
    make.nomination(status="approved")
    make.nomination(status="rejected")
    n, link = attention(client)["nomination(s) to review"]
    assert n == 1
    listed = client.get(link).get_data(as_text=True)
    assert "Waiting" in listed


def test_answers_waiting_for_a_grade_count_each_ungraded_answer(client, make, admin):
    course = make.course(weeks=1)
    essay = make.question(course, kind="essay", lines="")
    choice = make.question(course)
    exam = make.quiz(course, questions=[essay, choice])
    instructor = make.user(Role.INSTRUCTOR)
    tc = make.training_class(course=course, start=today() - timedelta(days=3), instructors=[instructor])
    make.attempt(exam, make.enrollment(training_class=tc), outcome=None, answers=[(essay, None), (choice, 1.0)])
    make.attempt(exam, make.enrollment(training_class=tc), outcome=None, answers=[(essay, None)])
    graded = make.attempt(exam, make.enrollment(training_class=tc), outcome=None, answers=[(essay, None)])
    graded.responses[0].manual_score = 1.0
    db.session.flush()
    n, link = attention(client)["answer(s) waiting for a grade"]
    assert n == 2
    assert client.get(link).status_code == 200


def test_agreements_ending_within_90_days_day_90_in_and_day_91_out(client, make, admin):
    def ending_in(days, status=AgreementStatus.ACTIVE, name=None):
        agency = make.agency(name=name, status=status)
        agency.agreements[0].ends_on = today() + timedelta(days=days)
        db.session.flush()
        return agency

    ending_in(0, name="Ends Today")
    ending_in(90, name="Ends Day Ninety")
    ending_in(91, name="Ends Day Ninety-one")
    ending_in(-1, name="Ended Yesterday")
    ending_in(30, status=AgreementStatus.SUSPENDED, name="Suspended Soon")
    n, link = attention(client)["agreement(s) ending within 90 days"]
    assert (n, link) == (2, "/admin/agencies/?ending=90")
    listed = client.get(link).get_data(as_text=True)
    assert "Ends Today" in listed and "Ends Day Ninety<" in listed
    assert "Ninety-one" not in listed and "Ended Yesterday" not in listed and "Suspended Soon" not in listed
    assert "Ninety-one" in client.get("/admin/agencies/").get_data(as_text=True)


@pytest.mark.parametrize("value", ["abc", "-1", "９０", "99999999999999999999", "1e3", ""])
def test_the_ending_filter_ignores_nonsense(client, make, admin, value):
    make.agency(name="Far Ending Office")
    response = client.get(f"/admin/agencies/?ending={value}")
    assert response.status_code == 200 and "Far Ending Office" in response.get_data(as_text=True)


def test_classes_without_instructor_count_from_today_on(client, make, admin):
    instructor = make.user(Role.INSTRUCTOR)
    course = make.course(weeks=1, code="NOINSTR")
    make.training_class(course=course, start=today()).name = "Starts Today Alone"
    make.training_class(course=course, start=today() + timedelta(days=40)).name = "Starts Later Alone"
    make.training_class(course=course, start=today() - timedelta(days=1)).name = "Started Yesterday Alone"
    make.training_class(course=course, start=today() + timedelta(days=5), instructors=[instructor]).name = "Taught Class"
    db.session.flush()
    n, link = attention(client)["class(es) starting without an instructor"]
    assert (n, link) == (2, "/admin/classes/?no_instructor=1")
    listed = client.get(link).get_data(as_text=True)
    assert "Starts Today Alone" in listed and "Starts Later Alone" in listed
    assert "Started Yesterday Alone" not in listed and "Taught Class" not in listed
    everything = client.get("/admin/classes/?no_instructor=yes").get_data(as_text=True)
    assert "Started Yesterday Alone" in everything and "Taught Class" in everything
