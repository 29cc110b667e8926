"""Features act on each other through the receivers listed in portal.CONNECTIONS, connected once
however many apps are created, and run in the listed order."""
from datetime import timedelta

import sqlalchemy as sa

from portal import create_app
from portal.auth.roles import Role
from portal.certificates.models import Certificate
from portal.classes.models import EnrollmentStatus
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.timeutil import today
from tests.conftest import TEST_CONFIG


def test_completing_a_course_tells_the_officer_then_issues_the_certificate_once(app, client, login, make):
    create_app(TEST_CONFIG, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])  # connects again
    course = make.course(weeks=1, modules_per_week=1, lessons_per_module=1)
    tc = make.training_class(course, start=today() - timedelta(days=1), instructors=[make.user(Role.INSTRUCTOR)])
    officer = make.user(Role.OFFICER)
    enrollment = make.enrollment(officer, tc)
    login(officer)
    lesson = course.ordered_lessons()[0]
    assert client.post(f"/classes/{tc.id}/lessons/{lesson.id}/complete").status_code == 302

    assert enrollment.status == EnrollmentStatus.COMPLETED
    kinds = db.session.scalars(sa.select(OutboxMessage.kind).where(OutboxMessage.user_id == officer.id)
                               .order_by(OutboxMessage.id)).all()
    assert kinds[-2:] == ["completion", "certificate"] and kinds.count("completion") == 1
    assert db.session.scalar(sa.select(sa.func.count()).where(Certificate.enrollment_id == enrollment.id)) == 1
