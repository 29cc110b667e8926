"""Item 8: an officer holds at most one active enrollment per course (a second is refused, and the
message offers a move instead), and every page showing "the officer's status" picks the enrollment
by one rule (portal.classes.services.enrollment_precedence): an active enrollment first."""
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.auth.roles import Role
from portal.classes.models import Enrollment, EnrollmentStatus, TrainingClass
from portal.extensions import db
from portal.timeutil import today


@pytest.fixture
def admin(make, login):
    user = make.user(Role.ADMIN)
    login(user)
    return user


def enrollments_of(officer) -> list[tuple[int, EnrollmentStatus]]:
    return sorted(db.session.execute(
        sa.select(Enrollment.class_id, Enrollment.status).where(Enrollment.officer_id == officer.id)).all())


@pytest.mark.parametrize("status", [EnrollmentStatus.ENROLLED, EnrollmentStatus.IN_PROGRESS, EnrollmentStatus.REMEDIATION])
def test_a_second_enrollment_in_a_course_is_refused_while_one_is_active(client, make, admin, status):
    course = make.course()
    first, second = make.training_class(course), make.training_class(course)
    first.name = "January class"
    officer = make.user(Role.OFFICER, first="Ana", last="Lopez")
    make.enrollment(officer, first, status=status)
    other = make.user(Role.OFFICER)
    response = client.post(f"/admin/classes/{second.id}", data={"officer_ids": [officer.id, other.id]})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert (f"Ana Lopez is already enrolled in {first.name}, a class of the same course: "
            "move that enrollment to this class instead.") in page
    assert enrollments_of(officer) == [(first.id, status)] and enrollments_of(other) == []  # all or nothing


@pytest.mark.parametrize("status", [EnrollmentStatus.WITHDRAWN, EnrollmentStatus.COMPLETED, EnrollmentStatus.DISQUALIFIED])
def test_an_ended_enrollment_does_not_stop_a_new_one_in_the_course(client, make, admin, status):
    course = make.course()
    first, second = make.training_class(course), make.training_class(course)
    officer = make.user(Role.OFFICER)
    make.enrollment(officer, first, status=status)
    assert client.post(f"/admin/classes/{second.id}", data={"officer_ids": [officer.id]}).status_code == 302
    assert enrollments_of(officer) == [(first.id, status), (second.id, EnrollmentStatus.ENROLLED)]


def test_an_active_enrollment_in_another_course_does_not_stop_one(client, make, admin):
    officer = make.user(Role.OFFICER)
    make.enrollment(officer, make.training_class())
    other_course = make.training_class()
    assert client.post(f"/admin/classes/{other_course.id}", data={"officer_ids": [officer.id]}).status_code == 302


def test_the_move_the_message_offers_works(client, make, admin):
    course = make.course()
    first, second = make.training_class(course), make.training_class(course)
    enrollment = make.enrollment(make.user(Role.OFFICER), first)
    assert client.post(f"/admin/enrollments/{enrollment.id}/move", data={"class_id": second.id}).status_code == 302
    db.session.refresh(enrollment)
    assert enrollment.class_id == second.id


def test_re_enrolling_a_withdrawn_officer_in_the_same_class_reuses_the_row(client, make, admin):
    tc = make.training_class()
    enrollment = make.enrollment(training_class=tc, status=EnrollmentStatus.WITHDRAWN)
    assert client.post(f"/admin/classes/{tc.id}", data={"officer_ids": [enrollment.officer_id]}).status_code == 302
    db.session.refresh(enrollment)
    assert enrollment.status == EnrollmentStatus.ENROLLED and enrollment.withdrawn_at is None
    again = client.post(f"/admin/classes/{tc.id}", data={"officer_ids": [enrollment.officer_id]})
    assert again.status_code == 200 and b"is not a valid choice" in again.data  # no longer offered


def test_seat_counts_come_from_the_database_not_a_model_method():
    """The Python count over loaded enrollments (TrainingClass.seats_taken) raced and was slow;
    seats are counted by portal.classes.services.seats_taken(_by_class) in SQL."""
    assert not hasattr(TrainingClass, "seats_taken")


# --- one rule for "the officer's status" -----------------------------------------------------------

@pytest.fixture
def two_enrollments(make):
    """An officer active in an earlier class and withdrawn from a later one of the same course (as
    double enrollments left behind), and an officer who completed a class then withdrew from a later one."""
    agency = make.agency(name="Alpha County Sheriff's Office")
    course = make.course()
    running = make.training_class(course, start=today() - timedelta(days=3))
    running.name = "Running class"
    later = make.training_class(course, start=today() + timedelta(days=30))
    later.name = "Later class"
    active = make.user(Role.OFFICER, agency=agency, first="Ana", last="Active")
    make.enrollment(active, running, status=EnrollmentStatus.IN_PROGRESS)
    make.enrollment(active, later, status=EnrollmentStatus.WITHDRAWN)
    finished = make.user(Role.OFFICER, agency=agency, first="Fin", last="Finished")
    make.enrollment(finished, make.training_class(start=today() - timedelta(days=90)), status=EnrollmentStatus.COMPLETED)
    make.enrollment(finished, later, status=EnrollmentStatus.WITHDRAWN)
    db.session.flush()
    return agency


def test_the_coordinator_dashboard_shows_the_active_enrollment_not_a_later_withdrawn_one(client, make, login, two_enrollments):
    login(make.user(Role.COORDINATOR, agency=two_enrollments))
    page = client.get("/agency/").get_data(as_text=True)
    row = page[page.index("Active, Ana"):]
    row = row[:row.index("</tr>")]
    assert "In progress" in row and "Running class" in row and "Later class" not in row
    row = page[page.index("Finished, Fin"):]
    assert "Completed" in row[:row.index("</tr>")]
    counts = dict((label, int(n)) for n, label in re.findall(r'<span class="portal-figure">(\d+)</span> ([^<]+)</a>', page))
    assert (counts["In progress"], counts["Completed"], counts["Withdrawn"]) == (1, 1, 0)
    filtered = client.get("/agency/?status=in_progress").get_data(as_text=True)
    assert "Active, Ana" in filtered


def test_the_officer_status_report_uses_the_same_rule(client, make, login, two_enrollments):
    login(make.user(Role.COORDINATOR, agency=two_enrollments))
    csv = client.get("/agency/reports/officer-status.csv").get_data(as_text=True)
    [ana] = [line for line in csv.splitlines() if "Active" in line and "Ana" in line]
    assert "In progress" in ana and "Running class" in ana
    [fin] = [line for line in csv.splitlines() if "Finished" in line]
    assert "Completed" in fin and "Later class" not in fin
