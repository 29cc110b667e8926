"""The attendance pages run as many statements for three times the officers (tests/performance pattern)."""
from datetime import timedelta

from portal.attendance.models import AttendanceMark, Presence
from portal.auth.roles import Role
from portal.extensions import db
from portal.timeutil import today_in
from tests.attendance.conftest import add_session
from tests.performance.test_statement_counts import signed_in, statements


def add_officers(make, tc, agency, sessions, count):
    for _ in range(count):
        enrollment = make.enrollment(make.user(Role.OFFICER, agency=agency), tc)
        for session in sessions:
            db.session.add(AttendanceMark(session_id=session.id, enrollment_id=enrollment.id, presence=Presence.ABSENT))
    db.session.flush()


def test_attendance_pages_are_flat_in_the_number_of_officers(app, make, db_transaction, scheduled):
    tc, instructor, _, coordinator = scheduled
    day = today_in(tc.time_zone)
    sessions = [add_session(tc, day - timedelta(days=1)), add_session(tc, day)]
    agency = coordinator.agency
    add_officers(make, tc, agency, sessions, 2)
    staff, coordinating = signed_in(app, instructor), signed_in(app, coordinator)
    urls = [(staff, f"/teach/sessions/{sessions[0].id}/attendance"), (staff, f"/teach/classes/{tc.id}/attendance"),
            (staff, f"/teach/classes/{tc.id}/attendance.csv"), (coordinating, "/agency/attendance")]
    before = [statements(db_transaction, client, url) for client, url in urls]
    add_officers(make, tc, agency, sessions, 6)
    after = [statements(db_transaction, client, url) for client, url in urls]
    assert after == before
