"""Calendar feeds, read back with the icalendar library: one event per session in the class's zone,
stable UIDs, SEQUENCE raised by a move, cancelled sessions, and secret addresses that can be revoked."""
import re
from datetime import date, time, timedelta

from icalendar import Calendar

from portal.attendance.services import CLASS_FEED, OFFICER_FEED, feed_token
from portal.auth.roles import Role
from tests.attendance.conftest import add_session


def feed(client, url):
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    return Calendar.from_ical(response.data)


def events(cal):
    return {str(e["uid"]): e for e in cal.walk("VEVENT")}


def officer_url(officer):
    return f"/calendar/officer/{officer.id}/{feed_token(OFFICER_FEED, officer.id)}.ics"


def test_officer_feed_follows_a_move_and_a_cancellation(app, client, login, make, scheduled):
    tc, _, (adams, _), _ = scheduled
    first = add_session(tc, date(2027, 3, 12), topic="Immigration law", room="Room 101")
    second = add_session(tc, date(2027, 3, 15))
    with app.test_request_context():
        url = officer_url(adams.officer)
    cal = feed(client, url)  # no session: a calendar app subscribes
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["America/New_York"]
    got = events(cal)
    assert len(got) == 2
    one = got[f"session-{first.id}@287g-training-portal"]
    assert one["DTSTART"].params["TZID"] == "America/New_York" and one.decoded("DTSTART").hour == 8
    assert one.decoded("DTSTART").utcoffset().total_seconds() == -5 * 3600
    assert events(cal)[f"session-{second.id}@287g-training-portal"].decoded("DTSTART").utcoffset().total_seconds() == -4 * 3600
    assert int(one["SEQUENCE"]) == 0 and str(one["STATUS"]) == "CONFIRMED" and "Immigration law" in str(one["SUMMARY"])

    login(make.user(Role.ADMIN))
    client.post(f"/admin/sessions/{first.id}/edit", data={"day": "2027-03-12", "starts_at": "10:00", "ends_at": "12:00",
                                                         "room": "Room 101", "address": "", "online_url": "",
                                                         "topic": "Immigration law", "instructor_id": ""})
    client.post(f"/admin/sessions/{second.id}/cancel", data={"reason": "Snow"})
    client.post("/logout")
    moved = events(feed(client, url))
    assert int(moved[f"session-{first.id}@287g-training-portal"]["SEQUENCE"]) == 1
    assert moved[f"session-{first.id}@287g-training-portal"].decoded("DTSTART").hour == 10
    cancelled = moved[f"session-{second.id}@287g-training-portal"]
    assert str(cancelled["STATUS"]) == "CANCELLED" and int(cancelled["SEQUENCE"]) == 1


def test_class_feed_and_its_link(app, client, login, scheduled):
    tc, instructor, _, _ = scheduled
    add_session(tc, date(2027, 3, 12), starts=time(8), ends=time(9))
    login(instructor)
    page = client.get(f"/teach/classes/{tc.id}/attendance")
    url = re.search(r'href="http://portal.test(/calendar/class/[^"]+)"', page.text).group(1)
    assert len(events(feed(client, url))) == 1


def test_wrong_or_revoked_tokens_answer_404(app, client, login, make, scheduled):
    tc, instructor, (adams, _), _ = scheduled
    with app.test_request_context():
        url = officer_url(adams.officer)
        class_url = f"/calendar/class/{tc.id}/{feed_token(CLASS_FEED, tc.id)}.ics"
    assert client.get(url).status_code == 200
    assert client.get(url.replace(f"/{adams.officer_id}/", f"/{instructor.id}/")).status_code == 404  # another's id
    assert client.get(f"/calendar/officer/{adams.officer_id}/{'0' * 40}.ics").status_code == 404
    assert client.get(f"/calendar/class/{tc.id + 1000}/{'0' * 40}.ics").status_code == 404
    login(adams.officer)
    assert client.post("/my/calendar/renew").status_code == 302
    assert client.get(url).status_code == 404
    with app.test_request_context():
        assert client.get(officer_url(adams.officer)).status_code == 200
    client.post("/logout")
    login(instructor)
    client.post(f"/teach/classes/{tc.id}/calendar/renew")
    assert client.get(class_url).status_code == 404
    client.post("/logout")
    login(make.user(Role.INSTRUCTOR))
    assert client.post(f"/teach/classes/{tc.id}/calendar/renew").status_code == 404


def test_officer_feed_carries_exam_windows(app, client, make, scheduled):
    tc, _, (adams, _), _ = scheduled
    course = tc.course
    make.quiz(course, [make.question(course)], module=course.modules[0], title="Week 1 exam")
    with app.test_request_context():
        cal = feed(client, officer_url(adams.officer))
    window = next(e for e in cal.walk("VEVENT") if "Week 1 exam" in str(e["SUMMARY"]))
    opens = window.decoded("DTSTART")
    assert (opens.date(), opens.hour, str(opens.tzinfo)) == (tc.start_date, 0, "America/New_York")
    assert window.decoded("DTEND").date() == tc.end_date + timedelta(days=1)
