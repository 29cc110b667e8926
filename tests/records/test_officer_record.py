"""The officer's training record: who may read it (everyone else gets the 404 of an unknown id),
what it shows (enrollments, week progress, the grade that counts, certificates, nominations), its
CSV, and the links that lead to it."""
import csv
import io
import re

import pytest

from portal.auth.roles import Role
from portal.classes.models import EnrollmentStatus
from portal.extensions import db
from portal.nominations.models import NominationStatus
from portal.quizzes.models import GradingPolicy
from tests.factories import days_ago


@pytest.fixture
def world(make):
    agency, other_agency = make.agency(), make.agency()
    instructor, stranger_instructor = make.user(Role.INSTRUCTOR), make.user(Role.INSTRUCTOR)
    course = make.course(weeks=2, modules_per_week=1, lessons_per_module=2)
    tc = make.training_class(course=course, start=days_ago(20), instructors=[instructor])
    officer = make.user(Role.OFFICER, agency=agency, first="Rosa", last="Alvarez")
    enrollment = make.enrollment(officer, tc, status=EnrollmentStatus.IN_PROGRESS)
    first_lesson = course.modules[0].lessons[0]
    make.lesson_done(enrollment, first_lesson)
    exam = make.quiz(course, title="Week 1 exam", grading_policy=GradingPolicy.BEST)
    make.attempt(exam, enrollment, outcome=False, number=1)
    make.attempt(exam, enrollment, outcome=True, number=2)
    nomination = make.nomination(agency=agency, email=officer.email, status=NominationStatus.APPROVED)
    nomination.user_id = officer.id
    db.session.flush()
    return dict(agency=agency, other_agency=other_agency, instructor=instructor,
                stranger_instructor=stranger_instructor, officer=officer, enrollment=enrollment, tc=tc,
                course=course)


def record_url(officer):
    return f"/officers/{officer.id}/record"


@pytest.mark.parametrize(("who", "status"), [
    ("self", 200), ("another_officer", 404), ("coordinator", 200), ("other_coordinator", 404),
    ("instructor", 200), ("stranger_instructor", 404), ("admin", 200),
])
def test_who_may_read_an_officers_record(client, login, make, world, who, status):
    viewers = {
        "self": lambda: world["officer"],
        "another_officer": lambda: make.user(Role.OFFICER, agency=world["agency"]),
        "coordinator": lambda: make.user(Role.COORDINATOR, agency=world["agency"]),
        "other_coordinator": lambda: make.user(Role.COORDINATOR, agency=world["other_agency"]),
        "instructor": lambda: world["instructor"],
        "stranger_instructor": lambda: world["stranger_instructor"],
        "admin": lambda: make.user(Role.ADMIN),
    }
    login(viewers[who]())
    assert client.get(record_url(world["officer"])).status_code == status
    assert client.get(record_url(world["officer"]) + ".csv").status_code == status


def test_signed_out_visitors_are_sent_to_sign_in(client, world):
    response = client.get(record_url(world["officer"]))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_staff_and_unknown_ids_are_not_records(client, login, make, world):
    login(make.user(Role.ADMIN))
    assert client.get(record_url(world["instructor"])).status_code == 404
    assert client.get("/officers/999999999/record").status_code == 404


def cell_text(html, caption, row_header):
    """The cells of the row headed `row_header` in the table captioned `caption`."""
    table = re.search(rf"<caption>{re.escape(caption)}</caption>(.*?)</table>", html, re.S).group(1)
    row = re.search(rf"<th scope=\"row\">{re.escape(row_header)}.*?</th>(.*?)</tr>", table, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def test_record_shows_progress_the_grade_that_counts_certificates_and_nominations(client, login, make, world):
    officer = world["officer"]
    done = make.enrollment(officer, make.training_class(start=days_ago(400)))
    certificate = make.certificate_record(done, issued_on=days_ago(10))
    login(make.user(Role.COORDINATOR, agency=world["agency"]))
    html = client.get(record_url(officer)).data.decode()
    assert "<h1>Training record: Rosa Alvarez</h1>" in html
    tc = world["tc"].name
    assert cell_text(html, f"Week progress: {tc}", "Week 1")[1] == "50% (1 of 2)"
    assert cell_text(html, f"Week progress: {tc}", "Week 2")[1] == "0% (0 of 2)"
    # Highest-grade policy: the passed second attempt counts, and both attempts are counted.
    assert cell_text(html, f"Exams: the grade that counts, {tc}", "Week 1 exam") == ["70%", "100% Pass", "2"]
    certificate_cells = cell_text(html, "Certificates issued to Rosa Alvarez, newest first", certificate.serial)
    assert certificate_cells[3] == "Valid" and certificate_cells[4].startswith("Download PDF")
    assert "Approved" in cell_text(html, "Nominations of Rosa Alvarez, newest first", "")[1]


def test_instructors_read_the_record_without_certificate_downloads(client, login, make, world):
    make.certificate_record(make.enrollment(world["officer"], make.training_class(start=days_ago(400))))
    login(world["instructor"])
    html = client.get(record_url(world["officer"])).data.decode()
    assert "Certificates issued to Rosa Alvarez" in html and "Download PDF" not in html


def test_record_as_csv(client, login, make, world):
    login(make.user(Role.ADMIN))
    response = client.get(record_url(world["officer"]) + ".csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["section", "class", "course", "item"]
    by_item = {(r[0], r[3]): r for r in rows[1:]}
    assert by_item[("enrollment", "overall progress")][4:6] == ["In progress", "25"]
    assert by_item[("week", "week 1")][5] == "50"
    exam_row = by_item[("exam", "Week 1 exam")]
    assert exam_row[4] == "100% Pass" and float(exam_row[5]) == 100 and exam_row[6] == "2"
    assert by_item[("nomination", world["agency"].name)][4] == "Approved"


def test_officers_reach_their_own_record_from_the_navigation(client, login, world):
    login(world["officer"])
    dashboard = client.get("/my/record")
    assert dashboard.status_code == 302 and dashboard.headers["Location"].endswith(record_url(world["officer"]))
    page = client.get(record_url(world["officer"])).data.decode()
    assert '<a class="usa-nav-link usa-current" href="/my/record" aria-current="true">' in page


def test_names_link_to_the_record_from_the_coordinator_roster_and_user_list(client, login, make, world):
    href = f'href="{record_url(world["officer"])}"'
    login(make.user(Role.COORDINATOR, agency=world["agency"]))
    assert href in client.get("/agency/").data.decode()
    client.post("/logout")
    login(world["instructor"])
    assert href in client.get(f"/teach/classes/{world['tc'].id}").data.decode()
    client.post("/logout")
    login(make.user(Role.ADMIN))
    assert href in client.get("/admin/users/?q=Alvarez").data.decode()
