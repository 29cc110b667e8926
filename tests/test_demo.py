import pytest
import sqlalchemy as sa

from portal.courses.models import Course
from portal.extensions import db


@pytest.fixture(scope="module")
def seeded_demo_plain(seed):
    """The demo data as `flask seed-demo` (without --if-empty) loads it into an empty database,
    run once for the tests below that check it."""
    with seed(lambda app: app.test_cli_runner().invoke(args=["seed-demo"])) as seeded:
        yield seeded


@pytest.fixture
def plain_demo_seed_result(seeded_demo_plain):
    return seeded_demo_plain.load()


def test_seed_demo_loads_course_and_accounts_that_sign_in(app, client, demo_seed_result):
    result = demo_seed_result
    assert result.exit_code == 0, result.output
    assert "officer@example.com" in result.output
    course = db.session.scalar(sa.select(Course).where(Course.code == "287G-JEM-BASIC"))
    assert course.weeks == 4 and len(course.ordered_lessons()) >= 20
    for email, landing in [("admin@example.com", "/admin/"), ("instructor@example.com", "/teach/"),
                           ("coordinator@example.com", "/agency/"), ("officer@example.com", "/dashboard")]:
        fresh = app.test_client()
        response = fresh.post("/login", data={"email": email, "password": "demo-287g-portal"})
        assert response.status_code == 302, email
        assert response.headers["Location"].endswith(landing)
        assert fresh.get(landing).status_code == 200


def test_seed_demo_refuses_a_database_with_data(app, make):
    make.user()
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "already has data" in result.output


def test_seed_demo_has_a_pending_application_pending_nominations_and_a_scheduled_class(app, plain_demo_seed_result):
    from datetime import date

    from portal.agencies.models import Agreement, AgreementStatus
    from portal.classes.models import TrainingClass
    from portal.nominations.models import Nomination, NominationStatus

    assert plain_demo_seed_result.exit_code == 0
    applied = db.session.scalars(sa.select(Agreement).where(Agreement.status == AgreementStatus.APPLIED)).all()
    assert "Collier County Sheriff's Office" in {a.agency.name for a in applied}
    assert all(a.history for a in db.session.scalars(sa.select(Agreement)))
    pending = db.session.scalars(sa.select(Nomination).where(Nomination.status == NominationStatus.NOMINATED)).all()
    assert len(pending) >= 2 and "O'Malley" in {n.last_name for n in pending}
    assert (
        db.session.scalar(sa.select(TrainingClass).where(TrainingClass.name == "JEM Basic — Houston, TX")).start_date
        > date.today()
    )
    admin = app.test_client()
    admin.post("/login", data={"email": "admin@example.com", "password": "demo-287g-portal"})
    for url in ["/admin/reports/", "/admin/nominations/", "/admin/applications/", "/admin/audit/", "/admin/agencies/"]:
        assert admin.get(url).status_code == 200, url
    coordinator = app.test_client()
    coordinator.post("/login", data={"email": "coordinator@example.com", "password": "demo-287g-portal"})
    for url in ["/agency/", "/agency/nominations/", "/classes/upcoming", "/apply"]:
        assert coordinator.get(url).status_code == 200, url


def test_seed_demo_has_issued_expiring_expired_and_revoked_certificates(app, demo_seed_result):
    from datetime import timedelta

    from portal.certificates.models import Certificate, CertificateStatus
    from portal.timeutil import today

    result = demo_seed_result
    assert result.exit_code == 0, result.output
    assert "Verify a demo certificate (no sign-in): http://portal.test/verify/" in result.output
    certificates = db.session.scalars(sa.select(Certificate)).all()
    statuses = {c.status for c in certificates}
    assert {CertificateStatus.VALID, CertificateStatus.EXPIRED, CertificateStatus.REVOKED} <= statuses
    assert any(c.status == CertificateStatus.VALID and c.expires_on <= today() + timedelta(days=90) for c in certificates)
    url = result.output.split("(no sign-in): ")[1].split()[0]
    assert app.test_client().get(url.replace("http://portal.test", "")).status_code == 200


def test_seed_demo_agreement_history_names_who_made_each_change(app, plain_demo_seed_result):
    from portal.agencies.models import AgreementStatusChange

    assert plain_demo_seed_result.exit_code == 0
    changes = db.session.scalars(sa.select(AgreementStatusChange)).all()
    applications = [c for c in changes if c.from_status is None]
    decisions = [c for c in changes if c.from_status is not None]
    assert applications and all(c.actor_id is None for c in applications)  # the agency applied, signed out
    assert decisions and {c.actor_name for c in decisions} == {"Dana Whitfield"}
