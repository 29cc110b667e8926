"""The administrator's schedule: sessions from a pattern (skipping holidays, across a clock change),
single sessions moved or cancelled with a notice to the class."""
from datetime import UTC, date, datetime, time

import sqlalchemy as sa

from portal.attendance.holidays import federal_holidays
from portal.attendance.models import ClassSession, Holiday
from portal.auth.roles import Role
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from tests.attendance.conftest import add_session


def sessions_of(tc):
    return db.session.scalars(sa.select(ClassSession).where(ClassSession.class_id == tc.id).order_by(ClassSession.day)).all()


def pattern(first_day, weeks=1, **extra):
    data = {"first_day": first_day.isoformat(), "weeks": str(weeks), "weekdays": ["0", "1", "2", "3", "4"],
            "starts_at": "08:00", "ends_at": "16:30", "skip_holidays": "y", "room": "Room 101",
            "address": "600 E Trade St, Charlotte, NC", "topic": "Immigration law", "instructor_id": ""}
    data.update(extra)
    return data


def test_federal_holidays_are_observed_on_weekdays():
    days = dict((name, day) for day, name in federal_holidays(2027))
    assert days["Birthday of Martin Luther King, Jr."] == date(2027, 1, 18)
    assert days["Independence Day"] == date(2027, 7, 5)  # the 4th is a Sunday
    assert days["Christmas Day"] == date(2027, 12, 24)  # the 25th is a Saturday
    assert days["Thanksgiving Day"] == date(2027, 11, 25)
    assert db.session.scalar(sa.select(Holiday.name).where(Holiday.day == date(2027, 1, 18)))  # seeded by the migration


def test_pattern_skips_a_listed_holiday_and_says_so(client, login, make):
    tc = make.training_class()
    login(make.user(Role.ADMIN))
    response = client.post(f"/admin/classes/{tc.id}/sessions", data=pattern(date(2027, 1, 18)), follow_redirects=True)
    assert response.status_code == 200
    assert "4 session(s) added" in response.text and "Birthday of Martin Luther King" in response.text
    assert [s.day for s in sessions_of(tc)] == [date(2027, 1, d) for d in (19, 20, 21, 22)]


def test_pattern_without_skipping_meets_on_the_holiday(client, login, make):
    tc = make.training_class()
    login(make.user(Role.ADMIN))
    data = pattern(date(2027, 1, 18))
    del data["skip_holidays"]
    client.post(f"/admin/classes/{tc.id}/sessions", data=data)
    assert sessions_of(tc)[0].day == date(2027, 1, 18) and len(sessions_of(tc)) == 5


def test_a_session_stays_at_eight_local_across_the_clock_change(client, login, make):
    tc = make.training_class()
    tc.time_zone = "America/New_York"
    login(make.user(Role.ADMIN))
    client.post(f"/admin/classes/{tc.id}/sessions", data=pattern(date(2027, 3, 8), weeks=2))
    by_day = {s.day: s for s in sessions_of(tc)}
    assert len(by_day) == 10
    before, after = by_day[date(2027, 3, 12)], by_day[date(2027, 3, 15)]  # DST starts Sunday March 14
    assert before.start.hour == after.start.hour == 8
    assert before.start.astimezone(UTC) == datetime(2027, 3, 12, 13, tzinfo=UTC)
    assert after.start.astimezone(UTC) == datetime(2027, 3, 15, 12, tzinfo=UTC)


def test_pattern_errors_re_render_the_form(client, login, make):
    tc = make.training_class()
    login(make.user(Role.ADMIN))
    response = client.post(f"/admin/classes/{tc.id}/sessions", data=pattern(date(2027, 1, 18), ends_at="08:00"))
    assert response.status_code == 200 and "must end after it starts" in response.text
    response = client.post(f"/admin/classes/{tc.id}/sessions", data=pattern(date(2027, 1, 18), weekdays=[]))
    assert "Choose at least one day" in response.text
    response = client.post(f"/admin/classes/{tc.id}/sessions", data=pattern(date(2027, 1, 18), online_url="not a link"))
    assert "Online meeting link" in response.text
    response = client.post(f"/admin/classes/{tc.id}/sessions", data=pattern(date(2027, 1, 18), starts_at="25:00"))
    assert response.status_code == 200 and "for example 08:00" in response.text
    assert sessions_of(tc) == []


def test_moving_a_session_raises_its_sequence_and_tells_the_class(client, login, make):
    tc = make.training_class()
    officer = make.user(Role.OFFICER)
    make.enrollment(officer, tc)
    session = add_session(tc, date(2027, 2, 1))
    login(make.user(Role.ADMIN))
    data = {"day": "2027-02-02", "starts_at": "09:00", "ends_at": "17:00", "room": "B", "address": "", "online_url": "",
            "topic": "", "instructor_id": ""}
    assert client.post(f"/admin/sessions/{session.id}/edit", data=data).status_code == 302
    assert (session.day, session.starts_at, session.sequence) == (date(2027, 2, 2), time(9), 1)
    message = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.user_id == officer.id))
    assert message.kind == "session_moved" and "Tuesday, February 2, 2027 from 9:00 AM" in message.body


def test_cancelling_asks_to_confirm_then_tells_the_class(client, login, make):
    tc = make.training_class()
    officer = make.user(Role.OFFICER)
    make.enrollment(officer, tc)
    session = add_session(tc, date(2027, 2, 1))
    login(make.user(Role.ADMIN))
    page = client.get(f"/admin/sessions/{session.id}/cancel")
    assert "Please confirm" in page.text and not session.cancelled
    assert "Reason" in client.post(f"/admin/sessions/{session.id}/cancel", data={"reason": ""}).text
    assert client.post(f"/admin/sessions/{session.id}/cancel", data={"reason": "Snow closure"}).status_code == 302
    assert session.cancelled and session.sequence == 1
    message = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.user_id == officer.id))
    assert message.kind == "session_cancelled" and "Snow closure" in message.body


def test_holidays_are_editable(client, login, make):
    login(make.user(Role.ADMIN))
    response = client.post("/admin/holidays", data={"one-day": "2027-08-02", "one-name": "Founders' Day",
                                                    "one-submit": "y"}, follow_redirects=True)
    assert "Founders" in response.text
    holiday = db.session.scalar(sa.select(Holiday).where(Holiday.day == date(2027, 8, 2)))
    again = client.post("/admin/holidays", data={"one-day": "2027-08-02", "one-name": "Again", "one-submit": "y"})
    assert "already listed" in again.text
    holiday_id = holiday.id
    client.post(f"/admin/holidays/{holiday_id}/delete")
    assert db.session.scalar(sa.select(Holiday.id).where(Holiday.id == holiday_id)) is None
    client.post("/admin/holidays", data={"year-year": "2031", "year-submit": "y"})
    assert db.session.scalar(sa.select(sa.func.count()).where(Holiday.day.between(date(2031, 1, 1), date(2031, 12, 31)))) == 11
