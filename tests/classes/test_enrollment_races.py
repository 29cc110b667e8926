"""Item 8 races on PostgreSQL, through HTTP, two administrators at the same moment: two moves into
the last seat of a class take it once; one officer enrolled at once in two classes of the same
course is enrolled once. (Real connections committing for real: tests/security/concurrency.py.)"""
import pytest
import sqlalchemy as sa

from portal.auth.roles import Role
from portal.classes.models import ACTIVE_ENROLLMENT_STATUSES, Enrollment, TrainingClass
from portal.extensions import db
from tests.security.concurrency import committed, run_concurrently, signed_in_client

pytestmark = pytest.mark.postgres_only
ROUNDS = 3


def active_enrollments(*where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Enrollment).join(TrainingClass)
                             .where(Enrollment.status.in_(ACTIVE_ENROLLMENT_STATUSES), *where))


def test_two_moves_into_the_last_seat_take_it_once(race_db, make):
    for _ in range(ROUNDS):
        with committed(race_db):
            course = make.course()
            source, target = make.training_class(course, capacity=5), make.training_class(course, capacity=2)
            make.enrollment(training_class=target)  # one seat left
            moving = [make.enrollment(training_class=source).id for _ in range(2)]
            admin_email, target_id = make.user(Role.ADMIN).email, target.id
        clients = [signed_in_client(race_db, admin_email) for _ in moving]
        outcomes = run_concurrently(race_db, *[
            lambda c=c, e=e, target_id=target_id: c.post(f"/admin/enrollments/{e}/move", data={"class_id": target_id})
            for c, e in zip(clients, moving, strict=True)])
        assert all(o.ok for o in outcomes), [o.error for o in outcomes]
        assert sorted(o.value.status_code for o in outcomes) == [200, 302]  # one moved, one told it is full
        assert all(b"is full (2 seats)" in o.value.data for o in outcomes if o.value.status_code == 200)
        with race_db.app_context():
            assert active_enrollments(Enrollment.class_id == target_id) == 2


def test_one_officer_enrolled_at_once_in_two_classes_of_a_course_is_enrolled_once(race_db, make):
    for _ in range(ROUNDS):
        with committed(race_db):
            course = make.course()
            classes = [make.training_class(course).id for _ in range(2)]
            officer = make.user(Role.OFFICER)
            admin_email, officer_id, course_id = make.user(Role.ADMIN).email, officer.id, course.id
        clients = [signed_in_client(race_db, admin_email) for _ in classes]
        outcomes = run_concurrently(race_db, *[
            lambda c=c, k=k, officer_id=officer_id: c.post(f"/admin/classes/{k}", data={"officer_ids": [officer_id]})
            for c, k in zip(clients, classes, strict=True)])
        assert all(o.ok for o in outcomes), [o.error for o in outcomes]
        assert sorted(o.value.status_code for o in outcomes) == [200, 302]
        assert all(b"move that enrollment to this class instead" in o.value.data
                   for o in outcomes if o.value.status_code == 200)
        with race_db.app_context():
            assert active_enrollments(Enrollment.officer_id == officer_id, TrainingClass.course_id == course_id) == 1
