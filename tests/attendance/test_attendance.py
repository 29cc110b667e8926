"""Taking attendance: marks, the audited change after the day, the coordinator told of an absence,
the hours that completion and the certificate count, and who may see it."""
import csv
import io
from datetime import time, timedelta

import sqlalchemy as sa

from portal.attendance.models import AttendanceMark, Presence
from portal.audit.models import AuditEvent
from portal.auth.roles import Role
from portal.certificates.models import Certificate
from portal.classes.models import EnrollmentStatus
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.timeutil import today_in
from tests.attendance.conftest import add_session


def login_as(client, login, user):
    client.post("/logout")
    login(user)


def marks(session):
    query = sa.select(AttendanceMark).where(AttendanceMark.session_id == session.id)
    return {m.enrollment_id: m for m in db.session.scalars(query)}


def test_mark_all_present_then_the_exceptions(client, login, scheduled):
    tc, instructor, (adams, baker), coordinator = scheduled
    session = add_session(tc, today_in(tc.time_zone))
    login(instructor)
    page = client.get(f"/teach/sessions/{session.id}/attendance")
    assert page.status_code == 200 and "Adams" in page.text and "(not taken)" in page.text
    assert client.post(f"/teach/sessions/{session.id}/attendance", data={"all_present": "y"}).status_code == 302
    assert {m.presence for m in marks(session).values()} == {Presence.PRESENT}
    data = {f"presence-{adams.id}": "present", f"late-{adams.id}": "25", f"presence-{baker.id}": "absent", "save": "y"}
    assert client.post(f"/teach/sessions/{session.id}/attendance", data=data).status_code == 302
    got = marks(session)
    assert (got[adams.id].late_minutes, got[baker.id].presence) == (25, Presence.ABSENT)
    assert got[adams.id].attended_minutes(session.minutes) == 8 * 60 + 30 - 25
    message = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.user_id == coordinator.id))
    assert message.kind == "absence" and "Baker" in message.subject


def test_bad_minutes_re_render_with_the_officer_named(client, login, scheduled):
    tc, instructor, (adams, baker), _ = scheduled
    session = add_session(tc, today_in(tc.time_zone))
    login(instructor)
    for late, presence in (("ten", "present"), ("510", "present"), ("5", "absent"), ("99999", "present")):
        response = client.post(f"/teach/sessions/{session.id}/attendance",
                               data={f"presence-{adams.id}": presence, f"late-{adams.id}": late})
        assert response.status_code == 400 and "Adams" in response.text and 'id="error-summary"' in response.text
    response = client.post(f"/teach/sessions/{session.id}/attendance", data={f"presence-{adams.id}": "maybe"})
    assert response.status_code == 400
    assert marks(session) == {}


def test_a_change_after_the_day_needs_a_reason_and_is_audited(client, login, scheduled):
    tc, instructor, (adams, _), _ = scheduled
    session = add_session(tc, today_in(tc.time_zone) - timedelta(days=1))
    login(instructor)
    client.post(f"/teach/sessions/{session.id}/attendance", data={f"presence-{adams.id}": "absent"})  # first taking
    change = {f"presence-{adams.id}": "excused"}
    response = client.post(f"/teach/sessions/{session.id}/attendance", data=change)
    assert "Give the reason" in response.text and marks(session)[adams.id].presence == Presence.ABSENT
    client.post(f"/teach/sessions/{session.id}/attendance", data={**change, "reason": "Doctor's note received"})
    assert marks(session)[adams.id].presence == Presence.EXCUSED
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "attendance_changed"))
    assert event.details["reason"] == "Doctor's note received" and event.details["before"] == "absent"


def test_other_instructors_and_coordinators_get_nothing(client, login, make, scheduled):
    tc, _, _, _ = scheduled
    session = add_session(tc, today_in(tc.time_zone))
    login(make.user(Role.INSTRUCTOR))
    for url in (f"/teach/sessions/{session.id}/attendance", f"/teach/classes/{tc.id}/attendance",
                f"/teach/classes/{tc.id}/attendance.csv"):
        assert client.get(url).status_code == 404
    assert client.post(f"/teach/sessions/{session.id}/attendance", data={"all_present": "y"}).status_code == 404
    assert marks(session) == {}
    login_as(client, login, make.user(Role.COORDINATOR, agency=make.agency()))
    assert client.get(f"/teach/sessions/{session.id}/attendance").status_code == 403
    page = client.get("/agency/attendance")
    assert page.status_code == 200 and "Adams" not in page.text


def test_coordinator_and_officer_see_hours_shortfall_and_missed_sessions(client, login, scheduled):
    tc, instructor, (adams, baker), coordinator = scheduled
    past = today_in(tc.time_zone) - timedelta(days=1)
    session = add_session(tc, past, starts=time(8), ends=time(18))
    login(instructor)
    client.post(f"/teach/sessions/{session.id}/attendance", data={f"presence-{adams.id}": "absent",
                                                                   f"presence-{baker.id}": "present"})
    login_as(client, login, coordinator)
    page = client.get("/agency/attendance")
    assert "Adams" in page.text and "9:00 short" in page.text and f"{past:%b %-d} (absent)" in page.text
    login_as(client, login, adams.officer)
    dashboard = client.get("/dashboard")
    assert "Your class sessions" in dashboard.text and "9:00 short" in dashboard.text and "Add to calendar" in dashboard.text
    schedule = client.get("/classes/upcoming")  # the full schedule, with the calendar address
    assert "Your class sessions" in schedule.text and "9:00 short" in schedule.text and "Add to calendar" in schedule.text
    record = client.get(f"/officers/{adams.officer_id}/record")
    assert "Class attendance" in record.text and "(absent)" in record.text
    rows = list(csv.reader(io.StringIO(client.get(f"/officers/{adams.officer_id}/record.csv").data.decode("utf-8-sig"))))
    attendance = [r for r in rows if r[0] == "attendance"]
    assert [r[1:5] for r in attendance] == [[tc.name, tc.course.code, "class hours", "short"]]
    detail = attendance[0][8]
    assert detail.startswith("attended 0:00 of 10:00 scheduled;") and f"missed {past.isoformat()} (absent)" in detail
    login_as(client, login, instructor)
    sheet = client.get(f"/teach/classes/{tc.id}/attendance.csv")
    assert sheet.mimetype == "text/csv" and "Adams" in sheet.text and ",Absent," in sheet.text


def complete_lessons(client, login, enrollment):
    login_as(client, login, enrollment.officer)
    lesson = enrollment.training_class.course.ordered_lessons()[0]
    client.post(f"/classes/{enrollment.class_id}/lessons/{lesson.id}/complete")


def test_completion_waits_for_the_required_share_of_hours(client, login, scheduled):
    """Ten sessions of 60 minutes: 90% is 540 minutes. 539 attended refuses completion, 540 grants it."""
    tc, instructor, (adams, baker), _ = scheduled
    day = today_in(tc.time_zone)
    sessions = [add_session(tc, day - timedelta(days=n), starts=time(9), ends=time(10)) for n in range(10)]
    for session in sessions[:9]:
        for e in (adams, baker):
            db.session.add(AttendanceMark(session_id=session.id, enrollment_id=e.id, presence=Presence.PRESENT))
    db.session.add(AttendanceMark(session_id=sessions[9].id, enrollment_id=adams.id, presence=Presence.ABSENT))
    db.session.add(AttendanceMark(session_id=sessions[9].id, enrollment_id=baker.id, presence=Presence.ABSENT))
    first_of_adams = marks(sessions[0])[adams.id]
    first_of_adams.late_minutes = 1  # 539 minutes
    db.session.flush()
    complete_lessons(client, login, adams)
    complete_lessons(client, login, baker)
    assert adams.status != EnrollmentStatus.COMPLETED
    assert baker.status == EnrollmentStatus.COMPLETED
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.enrollment_id == baker.id))
    assert certificate.hours == 9  # the hours attended, not the course's 160
    # Marking the lateness away after the day (with a reason) completes Adams at exactly 540 minutes.
    login_as(client, login, instructor)
    client.post(f"/teach/sessions/{sessions[0].id}/attendance",
                data={f"presence-{adams.id}": "present", "reason": "Arrived on time; entered in error"})
    assert adams.status == EnrollmentStatus.COMPLETED


def test_a_class_without_sessions_requires_no_attendance_and_certifies_the_course_hours(client, login, scheduled):
    tc, _, (adams, _), _ = scheduled
    complete_lessons(client, login, adams)
    assert adams.status == EnrollmentStatus.COMPLETED
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.enrollment_id == adams.id))
    assert certificate.hours == tc.course.hours


def test_the_course_form_sets_the_required_share_from_1_to_100(client, login, make):
    course = make.course()
    login(make.user(Role.ADMIN))
    data = {"code": course.code, "title": course.title, "agreement_model": "", "weeks": "2", "hours": "80",
            "pass_mark": "70", "certificate_validity_days": "365", "submit": "y"}
    for share, saved in (("0", False), ("101", False), ("1", True), ("100", True), ("85", True)):
        response = client.post(f"/admin/courses/{course.id}/edit", data={**data, "attendance_share": share})
        assert (response.status_code == 302) is saved, share
        if saved:
            assert course.attendance_share == int(share)
        else:
            assert "Attendance required" in response.text


def test_telling_a_class_and_its_coordinators_takes_the_same_statements_for_more_officers(
        make, scheduled, db_transaction):
    """A cancelled session tells every officer of the class, an absence every coordinator of the
    officer's agency: the dedupe keys are checked in one query, not one per message."""
    from portal.attendance.services import Entry, cancel_session, take_attendance
    from tests.performance.test_statement_counts import StatementCounter

    tc, instructor, enrollments, coordinator = scheduled

    def statements_to_tell(day_offset: int) -> tuple[int, int]:
        day = today_in(tc.time_zone) + timedelta(days=day_offset)
        absent, cancelled = add_session(tc, day), add_session(tc, day, starts=time(17), ends=time(18))
        current = db.session.scalars(sa.select(type(enrollments[0])).where(type(enrollments[0]).class_id == tc.id)).all()
        with StatementCounter(db_transaction) as absences:
            take_attendance(absent, {e.id: Entry(Presence.ABSENT) for e in current}, instructor)
            db.session.flush()
        with StatementCounter(db_transaction) as cancellation:
            cancel_session(cancelled, "Flooded room")
            db.session.flush()
        # Each mark is a row of its own (SQLite gets one INSERT each); the rest must not grow.
        telling = [s for s in absences.statements if not s.startswith("INSERT INTO attendance_marks")]
        return len(telling), cancellation.count

    before = statements_to_tell(0)
    agency = enrollments[0].officer.agency
    for name in ("Clark", "Davis", "Evans"):
        make.enrollment(make.user(Role.OFFICER, agency=agency, last=name), tc)
    make.user(Role.COORDINATOR, agency=agency)
    db.session.flush()
    after = statements_to_tell(-1)
    assert after == before
    messages = db.session.scalars(sa.select(OutboxMessage.kind)).all()
    assert messages.count("session_cancelled") == 2 + 5 and messages.count("absence") == 2 + 5 * 2
