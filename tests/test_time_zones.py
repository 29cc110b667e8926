"""Times are stored in UTC and read in the viewer's zone: the agency's for its people, their own for
staff without an agency; a class's weeks open at midnight in the class's zone."""
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from portal.agencies.models import Agency
from portal.auth.roles import Role
from portal.classes.models import EnrollmentStatus
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.notifications.services import queue
from portal.timeutil import today_in

AGENCY = {"name": "Travis County Sheriff's Office", "kind": "county", "state": "TX",
          "contact_name": "Lt. Ana Ruiz", "contact_email": "ruiz@travis.example.gov", "contact_phone": "555-0101"}


def inbox_with_message_at(client, user, at: datetime) -> str:
    message = queue("test", user, "Zone check", "Body")
    message.created_at = at
    db.session.flush()
    return client.get("/notifications").get_data(as_text=True)


@pytest.mark.parametrize("chosen, stored", [
    ("", "America/Chicago"),  # nothing chosen: the state's usual zone
    ("America/Denver", "America/Denver"),
])
def test_a_new_agency_takes_the_chosen_zone_or_its_states(client, login, make, chosen, stored):
    login(make.user(Role.ADMIN))
    assert client.post("/admin/agencies/new", data=AGENCY | {"time_zone": chosen}).status_code == 302
    assert db.session.scalar(sa.select(Agency.time_zone).where(Agency.name == AGENCY["name"])) == stored


def test_an_unknown_zone_is_refused_and_nothing_saved(client, login, make):
    login(make.user(Role.ADMIN))
    response = client.post("/admin/agencies/new", data=AGENCY | {"time_zone": "Mars/Olympus_Mons"})
    assert response.status_code == 200 and "Not a valid choice" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(Agency.id).where(Agency.name == AGENCY["name"])) is None


@pytest.mark.parametrize("at, shown", [
    (datetime(2026, 3, 8, 7, 59), "Mar 8, 2026 1:59 AM CST"),  # the minute before daylight saving
    (datetime(2026, 3, 8, 8, 0), "Mar 8, 2026 3:00 AM CDT"),   # clocks go forward at 2:00 local
    (datetime(2026, 1, 1, 5, 59), "Dec 31, 2025 11:59 PM CST"),  # the local date, not UTC's
])
def test_an_agencys_people_read_times_in_the_agencys_zone(client, login, make, at, shown):
    officer = make.user(Role.OFFICER, agency=make.agency(state="TX"))
    officer.agency.time_zone = "America/Chicago"
    db.session.flush()
    login(officer)
    page = inbox_with_message_at(client, officer, at)
    assert shown in page and "UTC" not in page


def test_staff_choose_their_zone(client, login, make):
    instructor = make.user(Role.INSTRUCTOR)
    login(instructor)
    at = datetime(2026, 7, 4, 16, 0)
    assert "Jul 4, 2026 12:00 PM EDT" in inbox_with_message_at(client, instructor, at)  # the default: New York

    response = client.post("/account/time-zone", data={"time_zone": "Pacific/Honolulu"}, follow_redirects=True)
    assert "Time zone saved" in response.get_data(as_text=True)
    assert "Jul 4, 2026 6:00 AM HST" in client.get("/notifications").get_data(as_text=True)


def test_a_zone_not_offered_is_refused_and_changes_nothing(client, login, make):
    instructor = make.user(Role.INSTRUCTOR)
    login(instructor)
    response = client.post("/account/time-zone", data={"time_zone": "Europe/Paris"})
    assert response.status_code == 200 and "Not a valid choice" in response.get_data(as_text=True)
    db.session.refresh(instructor)
    assert instructor.time_zone == "America/New_York"


def test_an_agencys_people_see_the_agencys_zone_and_cannot_change_their_own(client, login, make):
    coordinator = make.user(Role.COORDINATOR)
    coordinator.agency.time_zone = "America/Phoenix"
    db.session.flush()
    login(coordinator)
    page = client.get("/account/time-zone").get_data(as_text=True)
    assert "America/Phoenix" in page and 'name="time_zone"' not in page
    client.post("/account/time-zone", data={"time_zone": "Pacific/Honolulu"})
    db.session.refresh(coordinator)
    assert coordinator.time_zone == "America/New_York"


def test_the_time_zone_page_needs_a_sign_in(client):
    assert client.get("/account/time-zone").status_code == 302


# Kiritimati (UTC+14) is always at least a day ahead of Pago Pago (UTC-11): a class starting on
# Pago Pago's tomorrow has begun in Kiritimati and not yet in Pago Pago, whatever the hour.
@pytest.mark.parametrize("zone, week_one_open", [("Pacific/Kiritimati", True), ("Pacific/Pago_Pago", False)])
def test_weeks_open_at_midnight_in_the_class_zone(app, client, login, make, zone, week_one_open):
    training_class = make.training_class(make.course(weeks=2), start=today_in("Pacific/Pago_Pago") + timedelta(days=1))
    training_class.time_zone = zone
    db.session.flush()
    enrollment = make.enrollment(training_class=training_class, status=EnrollmentStatus.IN_PROGRESS)
    login(enrollment.officer)
    page = client.get("/dashboard").get_data(as_text=True)
    assert ("Week 1 of 2<" in page) is week_one_open
    assert ("Your class starts on" in page) is not week_one_open

    result = app.test_cli_runner().invoke(args=["notify-weeks"])
    assert result.exit_code == 0, result.output
    queued = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                               .where(OutboxMessage.dedupe_key == f"week-open:{enrollment.id}:1"))
    assert queued == int(week_one_open)


def test_an_exam_window_is_typed_in_the_authors_zone_and_stored_in_utc(client, login, make):
    from portal.quizzes.models import Quiz

    course = make.course(weeks=1, modules_per_week=1)
    author = make.user(Role.ADMIN)
    author.time_zone = "America/Chicago"
    db.session.flush()
    login(author)
    response = client.post(f"/bank/courses/{course.id}/quizzes/new", data={
        "title": "Week 1 exam", "module_id": str(course.modules[0].id), "pass_mark": "70", "attempts_allowed": "2",
        "questions_per_page": "5", "grading_policy": "best", "review_policy": "when_done",
        "opens_at": "2026-07-01T09:00", "closes_at": "2026-12-01T17:30"})
    assert response.status_code == 302
    quiz = db.session.scalar(sa.select(Quiz).where(Quiz.course_id == course.id))
    assert (quiz.opens_at, quiz.closes_at) == (datetime(2026, 7, 1, 14, 0), datetime(2026, 12, 1, 23, 30))  # CDT, CST
    form = client.get(f"/bank/quizzes/{quiz.id}/edit").get_data(as_text=True)
    assert 'value="2026-07-01T09:00"' in form and 'value="2026-12-01T17:30"' in form
