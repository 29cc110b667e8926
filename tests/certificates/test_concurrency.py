"""Concurrent completions on a real PostgreSQL: serials stay unique and sequential, and a double
completion still yields one certificate.

These tests commit, so they run against a second app on a fresh database of their own (created
and dropped here): the audit table refuses the DELETEs that cleaning the shared one would need.
"""
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from portal import create_app
from portal.auth.roles import Role
from portal.certificates import services
from portal.certificates.models import Certificate
from portal.classes.models import Enrollment, EnrollmentStatus
from portal.extensions import db
from portal.timeutil import today, utcnow
from tests import factories
from tests.conftest import TEST_CONFIG
from tests.databases import fresh_database, postgres_server_url

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(postgres_server_url() is None, reason="needs PostgreSQL (set TEST_DATABASE_URL)"),
]

OFFICERS = 4


@pytest.fixture(scope="module")
def race_app(tmp_path_factory):
    with fresh_database(tmp_path_factory.mktemp("race")) as url:
        app = create_app(TEST_CONFIG, SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            upgrade()
        try:
            yield app
        finally:
            with app.app_context():
                db.engine.dispose()


def run_together(functions):
    """Start every function at the same moment in its own thread; re-raise the first error."""
    barrier = threading.Barrier(len(functions))
    errors = []

    def run(function):
        try:
            barrier.wait(timeout=30)
            function()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(f,)) for f in functions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a completion hung"
    if errors:
        raise errors[0]


def test_concurrent_completions_get_unique_sequential_serials(race_app):
    with race_app.app_context():
        agency = factories.agency()
        course = factories.course(weeks=1, modules_per_week=1, lessons_per_module=1)
        tc = factories.training_class(course, start=today() - timedelta(days=1),
                                      instructors=[factories.user(Role.INSTRUCTOR)])
        officers = [factories.user(Role.OFFICER, agency=agency) for _ in range(OFFICERS)]
        for officer in officers:
            factories.enrollment(officer, tc)
        lesson_id = course.ordered_lessons()[0].id
        class_id, emails = tc.id, [o.email for o in officers]
        db.session.commit()

    clients = []
    for email in emails:
        client = race_app.test_client()
        assert client.post("/login", data={"email": email, "password": factories.PASSWORD}).status_code == 302
        clients.append(client)
    statuses = []

    def complete(client):
        return lambda: statuses.append(client.post(f"/classes/{class_id}/lessons/{lesson_id}/complete").status_code)

    run_together([complete(c) for c in clients])
    assert statuses == [302] * OFFICERS

    with race_app.app_context():
        serials = db.session.scalars(sa.select(Certificate.serial).order_by(Certificate.serial)).all()
        completed = db.session.scalar(sa.select(sa.func.count()).select_from(Enrollment)
                                      .where(Enrollment.status == EnrollmentStatus.COMPLETED))
    year = today().year
    assert completed == OFFICERS
    assert serials == [f"287G-{year}-{n:06d}" for n in range(1, OFFICERS + 1)]


def test_a_double_completion_racing_yields_one_certificate(race_app):
    with race_app.app_context():
        enrollment = factories.enrollment(status=EnrollmentStatus.COMPLETED)
        enrollment.completed_at = utcnow()
        enrollment_id = enrollment.id
        db.session.commit()
    outcomes = []

    def issue():
        with race_app.app_context():
            try:
                services.issue(db.session.get(Enrollment, enrollment_id))
                db.session.commit()
                outcomes.append("issued")
            except services.AlreadyIssued:
                db.session.rollback()
                outcomes.append("already issued")

    run_together([issue, issue])
    assert sorted(outcomes) == ["already issued", "issued"]
    with race_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Certificate.id))
                                 .where(Certificate.enrollment_id == enrollment_id)) == 1
        # The loser's serial was rolled back with it: the serials have no gap.
        numbers = [int(s[-6:]) for s in db.session.scalars(sa.select(Certificate.serial).order_by(Certificate.serial))]
    assert numbers == list(range(1, len(numbers) + 1))
