from datetime import date, time

import pytest

from portal.attendance.models import ClassSession
from portal.auth.roles import Role
from portal.extensions import db
from tests import factories


def add_session(training_class, day: date, starts=time(8), ends=time(16, 30), **values) -> ClassSession:
    session = ClassSession(training_class=training_class, day=day, starts_at=starts, ends_at=ends, **values)
    db.session.add(session)
    db.session.flush()
    return session


@pytest.fixture
def scheduled(make):
    """A running class (New York time) with an instructor, two officers of one agency and its coordinator."""
    agency = make.agency()
    instructor = make.user(Role.INSTRUCTOR)
    course = make.course(weeks=1, modules_per_week=1, lessons_per_module=1)
    tc = make.training_class(course, start=factories.days_ago(3), instructors=[instructor])
    tc.time_zone = "America/New_York"
    officers = [make.user(Role.OFFICER, agency=agency, last=name) for name in ("Adams", "Baker")]
    enrollments = [make.enrollment(o, tc) for o in officers]
    coordinator = make.user(Role.COORDINATOR, agency=agency)
    return tc, instructor, enrollments, coordinator
