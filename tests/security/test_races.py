"""Item 10: races on PostgreSQL, through HTTP, several browsers at the same moment: nothing
duplicated, nothing lost, no server error."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.auth.roles import Role
from portal.classes.models import Enrollment, EnrollmentStatus
from portal.extensions import db
from portal.progress.models import LessonProgress
from portal.timeutil import today
from tests.security.concurrency import committed, max_id, run_concurrently, signed_in_client

pytestmark = pytest.mark.postgres_only
ROUNDS = 3


def count(model, *where):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_the_same_lesson_completed_at_once_from_four_browsers_is_recorded_once(race_db, make):
    for _ in range(ROUNDS):
        with committed(race_db):
            course = make.course(weeks=1, modules_per_week=1, lessons_per_module=2)
            tc = make.training_class(course, start=today() - timedelta(days=1))
            officer = make.user(Role.OFFICER)
            enrollment = make.enrollment(officer, tc)
            url = f"/classes/{tc.id}/lessons/{course.modules[0].lessons[0].id}/complete"
            email, enrollment_id = officer.email, enrollment.id
        first_audit = max_id(race_db, AuditEvent)
        clients = [signed_in_client(race_db, email) for _ in range(4)]
        outcomes = run_concurrently(race_db, *[lambda c=c, url=url: c.post(url) for c in clients])
        assert all(o.ok for o in outcomes), [o.error for o in outcomes]
        assert [o.value.status_code for o in outcomes] == [302] * 4
        with race_db.app_context():
            assert count(LessonProgress, LessonProgress.enrollment_id == enrollment_id) == 1
            assert count(AuditEvent, AuditEvent.id > first_audit, AuditEvent.action == "lesson_completed") == 1
            assert db.session.get(Enrollment, enrollment_id).status == EnrollmentStatus.IN_PROGRESS


def test_the_last_two_lessons_completed_at_once_still_complete_the_course(race_db, make):
    for _ in range(ROUNDS):
        with committed(race_db):
            course = make.course(weeks=1, modules_per_week=2, lessons_per_module=1)  # two open lessons
            tc = make.training_class(course, start=today() - timedelta(days=1))
            officer = make.user(Role.OFFICER)
            # Already in progress, so neither request updates the enrollment row on its own.
            enrollment = make.enrollment(officer, tc, status=EnrollmentStatus.IN_PROGRESS)
            urls = [f"/classes/{tc.id}/lessons/{m.lessons[0].id}/complete" for m in course.modules]
            email, enrollment_id = officer.email, enrollment.id
        first_audit = max_id(race_db, AuditEvent)
        clients = [signed_in_client(race_db, email) for _ in urls]
        outcomes = run_concurrently(race_db, *[lambda c=c, u=u: c.post(u) for c, u in zip(clients, urls, strict=True)])
        assert all(o.ok and o.value.status_code == 302 for o in outcomes), [o.error for o in outcomes]
        with race_db.app_context():
            assert count(LessonProgress, LessonProgress.enrollment_id == enrollment_id) == 2
            assert db.session.get(Enrollment, enrollment_id).status == EnrollmentStatus.COMPLETED
            assert count(AuditEvent, AuditEvent.id > first_audit, AuditEvent.action == "enrollment_completed") == 1


def test_officers_racing_for_the_last_seat_never_exceed_the_capacity(race_db, make):
    for _ in range(ROUNDS):
        with committed(race_db):
            tc = make.training_class(capacity=2)
            make.enrollment(make.user(Role.OFFICER), tc)  # one seat left
            admin = make.user(Role.ADMIN)
            agency = make.agency()
            officer_ids = [make.user(Role.OFFICER, agency=agency).id for _ in range(4)]
            class_id, email = tc.id, admin.email
        clients = [signed_in_client(race_db, email) for _ in officer_ids]
        outcomes = run_concurrently(race_db, *[
            lambda c=c, o=o, class_id=class_id: c.post(f"/admin/classes/{class_id}", data={"officer_ids": [o]})
            for c, o in zip(clients, officer_ids, strict=True)])
        assert all(o.ok for o in outcomes), [o.error for o in outcomes]
        statuses = sorted(o.value.status_code for o in outcomes)
        assert statuses == [200, 200, 200, 302]  # one enrolled, three told the class is full
        assert all(b"free seat" in o.value.data for o in outcomes if o.value.status_code == 200)
        with race_db.app_context():
            assert count(Enrollment, Enrollment.class_id == class_id) == 2


def test_the_same_officer_enrolled_twice_at_once_is_enrolled_once(race_db, make):
    with committed(race_db):
        tc = make.training_class(capacity=10)
        admin = make.user(Role.ADMIN)
        officer = make.user(Role.OFFICER)
        class_id, email, officer_id = tc.id, admin.email, officer.id
    clients = [signed_in_client(race_db, email) for _ in range(3)]
    outcomes = run_concurrently(race_db, *[
        lambda c=c: c.post(f"/admin/classes/{class_id}", data={"officer_ids": [officer_id]}) for c in clients])
    assert all(o.ok and o.value.status_code < 500 for o in outcomes), [o.error or o.value.status_code for o in outcomes]
    assert sorted(o.value.status_code for o in outcomes) == [200, 200, 302]
    with race_db.app_context():
        assert count(Enrollment, Enrollment.class_id == class_id) == 1


def test_the_helper_runs_callables_at_the_same_time(race_db):
    import threading
    import time

    inside = []
    lock = threading.Lock()

    def hold():
        with lock:
            inside.append(time.monotonic())
        time.sleep(0.2)
        return db.session.scalar(sa.text("SELECT pg_backend_pid()"))

    outcomes = run_concurrently(race_db, hold, hold, hold)
    assert all(o.ok for o in outcomes)
    assert max(inside) - min(inside) < 0.15  # released together by the barrier
    assert len({o.value for o in outcomes}) == 3  # three connections


def test_cleanup_empties_every_table_but_the_audit_trail(race_db, make):
    from tests.security.concurrency import NEVER_TRUNCATED, truncate_all

    with committed(race_db):
        make.enrollment()
    truncate_all(race_db)
    with race_db.app_context():
        for table in db.metadata.sorted_tables:
            if table.name not in NEVER_TRUNCATED:
                assert db.session.scalar(sa.select(sa.func.count()).select_from(table)) == 0, table.name
