"""The scheduled message jobs (`flask notify-weeks`, `flask certificates remind`) run a number of SQL
statements that does not grow with the enrollments or certificates they go through (no query per row):
each job runs on a small world, the world grows to three times the rows, and the job runs again (queuing
only the new messages, the earlier ones already queued): the two statement counts must be equal."""
from datetime import timedelta

from portal.classes.models import EnrollmentStatus
from portal.extensions import db
from portal.timeutil import today
from tests import factories as make
from tests.performance.test_statement_counts import StatementCounter

SMALL, GROWTH = 2, 4


def run(app, connection, args: list[str]) -> tuple[str, int]:
    """The command's output and the statements it ran, from an empty session (nothing already loaded)."""
    db.session.flush()
    db.session.expunge_all()
    with StatementCounter(connection) as counter:
        result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    return result.output, counter.count


def running_enrollments(units: int) -> None:
    """Each unit: a class of its own course in its second week, with two officers in it, one of them
    withdrawn (no message)."""
    for _ in range(units):
        training_class = make.training_class(make.course(weeks=4), start=make.days_ago(8))
        make.enrollment(training_class=training_class, status=EnrollmentStatus.IN_PROGRESS)
        make.enrollment(training_class=training_class, status=EnrollmentStatus.WITHDRAWN)


def test_week_openings_statement_count_does_not_grow(app, db_transaction):
    running_enrollments(SMALL)
    output, before = run(app, db_transaction, ["notify-weeks"])
    assert f"{SMALL} week-opening message(s) queued." in output
    running_enrollments(GROWTH)
    output, after = run(app, db_transaction, ["notify-weeks"])
    assert f"{GROWTH} week-opening message(s) queued." in output
    assert after == before, f"notify-weeks: {before} statements with {SMALL} enrollments, {after} with {SMALL + GROWTH}"


def expiring_certificates(units: int) -> None:
    """Each unit: a certificate of an officer of their own agency and class, 80 days from expiry, and
    one of an inactive officer (no reminder)."""
    for active in [True, False] * units:
        officer = make.user(agency=make.agency(), active=active)
        enrollment = make.enrollment(officer, make.training_class(), status=EnrollmentStatus.COMPLETED)
        make.certificate_record(enrollment, issued_on=today() - timedelta(days=365 - 80))


def test_expiry_reminders_statement_count_does_not_grow(app, db_transaction):
    expiring_certificates(SMALL)
    output, before = run(app, db_transaction, ["certificates", "remind"])
    assert f"Queued {SMALL} expiry reminder(s)" in output
    expiring_certificates(GROWTH)
    output, after = run(app, db_transaction, ["certificates", "remind"])
    assert f"Queued {GROWTH} expiry reminder(s)" in output
    assert after == before, f"certificates remind: {before} statements with {SMALL} certificates, {after} with " \
                            f"{SMALL + GROWTH}"
