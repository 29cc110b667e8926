"""The demo's running class meets Monday to Friday; its past sessions have their attendance taken
(everyone present, one officer late once, one excused once)."""
from datetime import date, time

import sqlalchemy as sa

from portal.attendance.models import AttendanceMark, Presence
from portal.attendance.services import Pattern, create_sessions
from portal.auth.models import User
from portal.classes.models import Enrollment, EnrollmentStatus, TrainingClass
from portal.extensions import db


def seed_attendance(running: TrainingClass, on: date, instructor: User) -> None:
    sessions, _ = create_sessions(running, Pattern(
        first_day=running.start_date, weeks=running.course.weeks, weekdays=[0, 1, 2, 3, 4],
        starts_at=time(8), ends_at=time(16, 30), room="Training room B",
        address="801 E 4th St, Charlotte, NC 28202", topic="287(g) Jail Enforcement Model", instructor_id=instructor.id))
    enrollments = db.session.scalars(
        sa.select(Enrollment).where(Enrollment.class_id == running.id, Enrollment.status == EnrollmentStatus.IN_PROGRESS)
        .order_by(Enrollment.id)).all()
    held = [s for s in sessions if s.day < on]
    for n, session in enumerate(held):
        for m, enrollment in enumerate(enrollments):
            mark = AttendanceMark(session_id=session.id, enrollment_id=enrollment.id, presence=Presence.PRESENT,
                                  recorded_by_id=instructor.id)
            if (n, m) == (0, 0):
                mark.late_minutes = 20  # a late arrival
            elif (n, m) == (len(held) - 1, 1):
                mark.presence = Presence.EXCUSED  # an excused absence
            db.session.add(mark)
    db.session.flush()
