"""Certificate rules (portal.certificates): the year's serials, refreshers up to the expiry day,
reminders to active officers only, the coordinator's 90-day window, revoked and superseded ones."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.auth.roles import Role
from portal.certificates import services
from portal.certificates.models import Certificate, RevocationReason, SerialCounter
from portal.certificates.serials import MAX_PER_YEAR, SerialsExhausted, format_serial, next_serial
from portal.classes.models import EnrollmentStatus
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.timeutil import today, utcnow

YEAR = 2091  # a year no other test issues in


def test_serials_run_from_000001_in_each_year(app):
    assert [next_serial(YEAR), next_serial(YEAR), next_serial(YEAR + 1)] == \
        ["287G-2091-000001", "287G-2091-000002", "287G-2092-000001"]


def test_the_years_last_serial_is_issued_and_the_next_one_refused(app):
    db.session.add(SerialCounter(year=YEAR, last_number=MAX_PER_YEAR - 1))
    db.session.flush()
    assert next_serial(YEAR) == "287G-2091-999999"
    with pytest.raises(SerialsExhausted, match="2091"):
        next_serial(YEAR)
    assert format_serial(YEAR, 7) == "287G-2091-000007"


# --- refreshers ---------------------------------------------------------------------------------

@pytest.fixture
def refresher(make):
    """An officer with a basic certificate expiring on day D, and a completed refresher enrollment."""
    def build(basic_expires_on):
        officer = make.user(first="Rita", last="Refresh")
        basic = make.certificate_record(make.enrollment(officer), issued_on=basic_expires_on - timedelta(days=365))
        course = make.course(weeks=1, modules_per_week=1, lessons_per_module=1)
        course.is_refresher = True
        course.certificate_validity_days = 730
        enrollment = make.enrollment(officer, make.training_class(course), status=EnrollmentStatus.COMPLETED)
        return basic, enrollment
    return build


def test_a_refresher_completed_on_the_expiry_day_still_extends_the_certificate(refresher):
    expiry_day = today()
    basic, enrollment = refresher(expiry_day)
    new = services.issue(enrollment, issued_on=expiry_day)
    assert new.expires_on == basic.expires_on + timedelta(days=730)
    assert basic.superseded_by_id == new.id and basic.superseded_at is not None
    assert services.current_certificate(basic.enrollment) is None


def test_a_refresher_completed_the_day_after_expiry_starts_afresh(refresher):
    basic, enrollment = refresher(today() - timedelta(days=1))
    new = services.issue(enrollment, issued_on=today())
    assert new.expires_on == today() + timedelta(days=730)
    assert basic.superseded_at is None


def test_a_refresher_does_not_extend_a_revoked_certificate(refresher):
    basic, enrollment = refresher(today() + timedelta(days=10))
    services.revoke(basic, RevocationReason("other"), "Misconduct")
    new = services.issue(enrollment, issued_on=today())
    assert new.expires_on == today() + timedelta(days=730) and basic.superseded_at is None


def test_a_refresher_extends_the_certificate_running_longest(make, refresher):
    short, enrollment = refresher(today() + timedelta(days=10))
    longer = make.certificate_record(make.enrollment(short.officer), issued_on=today() - timedelta(days=300))
    newest = make.certificate_record(make.enrollment(short.officer), issued_on=today() - timedelta(days=350))
    new = services.issue(enrollment, issued_on=today())
    assert new.expires_on == longer.expires_on + timedelta(days=730)
    assert longer.superseded_by_id == new.id and short.superseded_at is None and newest.superseded_at is None


def test_a_refresher_extends_only_the_officers_own_current_certificate(make, refresher):
    mine, enrollment = refresher(today() + timedelta(days=10))
    replaced = make.certificate_record(make.enrollment(mine.officer), issued_on=today() - timedelta(days=100))
    replaced.superseded_at = utcnow()
    make.certificate_record(make.enrollment(), issued_on=today() - timedelta(days=50))  # another officer's
    new = services.issue(enrollment, issued_on=today())
    assert new.expires_on == mine.expires_on + timedelta(days=730) and mine.superseded_by_id == new.id


def test_a_course_that_is_not_a_refresher_never_extends(refresher):
    basic, enrollment = refresher(today() + timedelta(days=10))
    enrollment.training_class.course.is_refresher = False
    new = services.issue(enrollment, issued_on=today())
    assert new.expires_on == today() + timedelta(days=730) and basic.superseded_at is None


def test_only_a_completed_enrollment_earns_one_certificate(make):
    enrollment = make.enrollment(status=EnrollmentStatus.IN_PROGRESS)
    with pytest.raises(services.CertificateError, match="completed"):
        services.issue(enrollment)
    enrollment.status = EnrollmentStatus.COMPLETED
    enrollment.completed_at = utcnow() - timedelta(days=3)
    first = services.issue(enrollment)
    assert first.issued_on == today() - timedelta(days=3)
    assert first.expires_on == first.issued_on + timedelta(days=365)
    with pytest.raises(services.AlreadyIssued):
        services.issue(enrollment)
    assert services.issue_on_completion(enrollment) is None
    undated = make.enrollment(status=EnrollmentStatus.COMPLETED)  # completed before completion dates were kept
    assert services.issue(undated).issued_on == today()


# --- reminders ----------------------------------------------------------------------------------

def reminders():
    return db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "certificate_expiry")).all()


def remind(app, on=None):
    args = ["certificates", "remind"] + (["--on", on.isoformat()] if on else [])
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    return result.output


def certificate_expiring_in(make, days, **officer):
    enrollment = make.enrollment(make.user(**officer))
    return make.certificate_record(enrollment, issued_on=today() + timedelta(days=days) - timedelta(days=365))


def test_expiry_reminders_are_not_sent_to_inactive_officers(app, make):
    certificate_expiring_in(make, 30, active=False)
    assert "Queued 0" in remind(app) and reminders() == []
    active = certificate_expiring_in(make, 30)
    assert "Queued 1" in remind(app)
    assert [m.to_address for m in reminders()] == [active.officer.email]


@pytest.mark.parametrize("days_left, reminded", [(91, False), (90, True), (0, True), (-1, False)])
def test_expiry_reminders_run_from_90_days_to_the_expiry_day(app, make, days_left, reminded):
    certificate_expiring_in(make, days_left)
    assert f"Queued {int(reminded)}" in remind(app)


def test_superseded_and_revoked_certificates_get_no_reminder(app, make):
    revoked = certificate_expiring_in(make, 30)
    services.revoke(revoked, RevocationReason("other"), "Left the agency")
    old = certificate_expiring_in(make, 30)
    old.superseded_at = utcnow()
    db.session.flush()
    assert "Queued 0" in remind(app)


@pytest.mark.parametrize("days_left, threshold", [
    (91, None), (90, 90), (31, 90), (30, 30), (8, 30), (7, 7), (0, 7), (-1, None),
])
def test_the_reminder_due_is_the_nearest_threshold(days_left, threshold):
    assert services.reminder_threshold(days_left) == threshold


# --- the coordinator's 90-day window ----------------------------------------------------------------

def needs_attention(page: str) -> str:
    return page.split('id="attention"')[1].split("<h2>Download in bulk</h2>")[0]


@pytest.mark.parametrize("days_left, listed", [(89, True), (90, True), (91, False), (-400, True)])
def test_the_coordinators_expiry_window_includes_day_90(client, login, make, days_left, listed):
    agency = make.agency()
    certificate = certificate_expiring_in(make, days_left, agency=agency, first="Win", last="Dow")
    login(make.user(Role.COORDINATOR, agency=agency))
    attention = needs_attention(client.get("/agency/certificates").get_data(as_text=True))
    assert (certificate.serial in attention) is listed
    assert services.count_expiring_for_agency(agency.id) == int(listed)


# --- revoked and superseded ------------------------------------------------------------------------

def test_a_revoked_certificate_is_not_reissued(client, login, make):
    certificate = make.certificate_record(make.enrollment())
    services.revoke(certificate, RevocationReason("other"), "Misconduct")
    login(make.user(Role.ADMIN))
    page = client.post(f"/admin/certificates/{certificate.id}/reissue",
                       data={"reason": "Name corrected", "confirm": "y"}).get_data(as_text=True)
    assert "A revoked certificate cannot be reissued." in page
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))
                             .where(Certificate.enrollment_id == certificate.enrollment_id)) == 1


def test_a_superseded_certificate_is_not_reissued_again_nor_revoked(make):
    old = make.certificate(make.enrollment())
    new = services.reissue(old, "Name corrected")
    with pytest.raises(services.CertificateError, match="already been replaced"):
        services.reissue(old, "Again")
    with pytest.raises(services.CertificateError, match="has been replaced"):
        services.revoke(old, RevocationReason("other"), "Too late")
    assert (new.issued_on, new.expires_on) == (old.issued_on, old.expires_on) and new.serial != old.serial


def test_reissue_and_revoke_need_a_reason(make):
    certificate = make.certificate_record(make.enrollment())
    with pytest.raises(services.CertificateError, match="reason"):
        services.reissue(certificate, "  ")
    with pytest.raises(services.CertificateError, match="reason"):
        services.revoke(certificate, RevocationReason("other"), " ")
    with pytest.raises(services.CertificateError, match="reason"):
        services.revoke(certificate, RevocationReason("other"), None)
    with pytest.raises(services.CertificateError, match="reason"):
        services.reissue(certificate, None)
    services.revoke(certificate, RevocationReason("other"), "Misconduct")
    with pytest.raises(services.CertificateError, match="already revoked"):
        services.revoke(certificate, RevocationReason("other"), "Twice")
    assert certificate.revocation_reason == "Misconduct"


def test_a_superseded_certificate_is_not_counted_as_current(client, login, make):
    agency = make.agency()
    enrollment = make.enrollment(make.user(agency=agency))
    old = make.certificate(enrollment, issued_on=today() - timedelta(days=300))
    new = services.reissue(old, "Name corrected")
    assert services.current_certificate(enrollment) == new
    assert services.current_certificates([enrollment.id]) == {enrollment.id: new}
    assert [c.id for c in db.session.scalars(services.expiring_for_agency_query(agency.id))] == [new.id]
    login(make.user(Role.COORDINATOR, agency=agency))
    attention = needs_attention(client.get("/agency/certificates").get_data(as_text=True))
    assert new.serial in attention and old.serial not in attention


def test_a_revocation_keeps_who_why_and_which_category(make):
    admin = make.user(Role.ADMIN)
    certificate = make.certificate_record(make.enrollment())
    services.revoke(certificate, "misconduct", "  Found to have cheated  " + "." * 2000, actor=admin)
    assert (certificate.revoked_by_id, certificate.revocation_category, certificate.revocation_reason) == \
        (admin.id, RevocationReason.MISCONDUCT, ("Found to have cheated  " + "." * 2000)[:1000])
    assert certificate.revoked_at is not None


def test_each_reminder_counts_and_tells_the_days_left_on_the_day_it_is_run_for(app, make):
    first, second = certificate_expiring_in(make, 100), certificate_expiring_in(make, 120)
    run_on = today() + timedelta(days=40)  # 60 and 80 days left
    assert "Queued 2" in remind(app, run_on)
    bodies = {m.to_address: m.body for m in reminders()}
    assert "expires in 60 days" in bodies[first.officer.email]
    assert "expires in 80 days" in bodies[second.officer.email]
