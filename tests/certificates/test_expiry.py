"""Expiry: the coordinator's list, reminder emails at 90/30/7 days (idempotent), refreshers."""
import re
from datetime import timedelta

import sqlalchemy as sa

from portal.auth.roles import Role
from portal.certificates import services
from portal.certificates.models import Certificate, CertificateStatus
from portal.classes.models import EnrollmentStatus
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.timeutil import today


def outbox():
    return db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "certificate_expiry")
                              .order_by(OutboxMessage.id)).all()


def test_reminder_thresholds():
    assert [services.reminder_threshold(d) for d in (120, 91, 90, 31, 30, 8, 7, 0, -1)] == \
        [None, None, 90, 90, 30, 30, 7, 7, None]


def test_reminders_at_90_30_and_7_days_queued_once_and_sent(app, make):
    validity = 365
    officer = make.user(first="Erin", last="Expiring")
    cert = make.certificate(make.enrollment(officer), issued_on=today() - timedelta(days=validity - 80))
    assert cert.days_left() == 80
    runner = app.test_cli_runner()

    result = runner.invoke(args=["certificates", "remind"])
    assert result.exit_code == 0 and "Queued 1 expiry reminder(s)" in result.output
    [message] = outbox()
    assert message.dedupe_key == f"cert-expiry-{cert.id}-90"
    assert message.to_address == officer.email and cert.serial in message.subject
    assert "in 80 days" in message.body and "refresher" in message.body

    assert "Queued 0" in runner.invoke(args=["certificates", "remind"]).output  # idempotent
    later = (today() + timedelta(days=55)).isoformat()  # 25 days left: the 30-day reminder
    assert "Queued 1" in runner.invoke(args=["certificates", "remind", "--on", later]).output
    assert "Queued 0" in runner.invoke(args=["certificates", "remind", "--on", later]).output
    last = (today() + timedelta(days=76)).isoformat()  # 4 days left
    assert "Queued 1" in runner.invoke(args=["certificates", "remind", "--on", last]).output
    after = (today() + timedelta(days=81)).isoformat()  # expired: nothing more
    assert "Queued 0" in runner.invoke(args=["certificates", "remind", "--on", after]).output
    assert [m.dedupe_key for m in outbox()] == [f"cert-expiry-{cert.id}-{d}" for d in (90, 30, 7)]

    sent = runner.invoke(args=["send-mail"])  # demo mode: printed; the issue announcement and the 3 reminders
    assert sent.exit_code == 0 and "4 sent" in sent.output and cert.serial in sent.output

    # Revoked or superseded certificates get no reminders.
    services.revoke(cert, "other", "test")
    db.session.flush()
    assert services.queue_expiry_reminders(today() + timedelta(days=60)) == 0


def needs_attention(page: str) -> str:
    return page.split('<h2 id="attention">Needs attention</h2>')[1].split("<h2>Download in bulk</h2>")[0]


def test_needs_attention_comes_a_page_at_a_time_beside_the_full_list(client, login, make):
    """Expired certificates pile up over the years: the list is paged by ?attention=N, expired
    ones first, and each list's page links keep the other list's page."""
    agency = make.agency()
    tc = make.training_class(make.course(weeks=1, modules_per_week=1, lessons_per_module=1))
    for n in range(27):
        make.certificate_record(make.enrollment(make.user(agency=agency, first="Exp", last=f"Ired{n:02d}"), tc),
                                issued_on=today() - timedelta(days=400))
    for n in range(3):
        make.certificate_record(make.enrollment(make.user(agency=agency, first="Due", last=f"Soon{n}"), tc),
                                issued_on=today() - timedelta(days=300))
    login(make.user(Role.COORDINATOR, agency=agency))

    first = needs_attention(client.get("/agency/certificates").get_data(as_text=True))
    assert first.count("Exp Ired") == 25 and "Due Soon" not in first and "(30)" in first
    assert 'href="/agency/certificates?attention=2#attention"' in first
    second_page = client.get("/agency/certificates?attention=2&page=2").get_data(as_text=True)
    second = needs_attention(second_page)
    assert second.count("Exp Ired") == 2 and second.count("Due Soon") == 3
    assert 'href="/agency/certificates?page=2&amp;attention=1#attention"' in second
    assert 'href="/agency/certificates?attention=2&amp;page=1#all-certificates"' in second_page
    for bad in ("abc", "0", "-4", "99999999999999999999", "9999"):
        assert client.get(f"/agency/certificates?attention={bad}").status_code == 200


def test_coordinator_sees_expiring_and_expired_per_officer(app, client, login, make):
    agency = make.agency()
    soon = make.certificate(make.enrollment(make.user(agency=agency, first="Sam", last="Soon")),
                            issued_on=today() - timedelta(days=300))
    gone = make.certificate(make.enrollment(make.user(agency=agency, first="Ed", last="Gone")),
                            issued_on=today() - timedelta(days=400))
    login(make.user(Role.COORDINATOR, agency=agency))
    page = client.get("/agency/certificates").get_data(as_text=True)
    attention = needs_attention(page)
    assert "Sam Soon" in attention and "In 65 days" in attention
    assert "Ed Gone" in attention and "35 days ago" in attention
    assert soon.serial in page and gone.serial in page

    assert re.findall(r'<th scope="row">([^<]*)</th>', attention) == ["Ed Gone", "Sam Soon"]  # expired first
    other_coordinator = make.user(Role.COORDINATOR, agency=make.agency())
    other = app.test_client()
    other.post("/login", data={"email": other_coordinator.email, "password": make.PASSWORD})
    assert soon.serial not in other.get("/agency/certificates").get_data(as_text=True)


def test_refresher_before_expiry_extends_from_the_old_expiry_and_supersedes(client, login, make, one_lesson_class):
    officer = make.user(first="Rita", last="Refresh")
    basic = make.certificate(make.enrollment(officer), issued_on=today() - timedelta(days=300))
    refresher_course = make.course(weeks=1, modules_per_week=1, lessons_per_module=1)
    refresher_course.is_refresher = True
    refresher_course.certificate_validity_days = 365
    enrollment = one_lesson_class(officer=officer, course=refresher_course)
    lesson = refresher_course.ordered_lessons()[0]
    login(officer)
    assert client.post(f"/classes/{enrollment.class_id}/lessons/{lesson.id}/complete").status_code == 302
    assert enrollment.status == EnrollmentStatus.COMPLETED

    new = db.session.scalar(sa.select(Certificate).where(Certificate.enrollment_id == enrollment.id))
    db.session.refresh(basic)
    assert new.issued_on == today()
    assert new.expires_on == basic.expires_on + timedelta(days=365)
    assert basic.status == CertificateStatus.SUPERSEDED and basic.superseded_by_id == new.id
    assert new.status == CertificateStatus.VALID
    verify = client.get(f"/verify/{basic.issued_code}").get_data(as_text=True)
    assert "Superseded" in verify and new.serial in verify


def test_refresher_after_expiry_runs_from_its_own_issue_date(make):
    officer = make.user()
    old = make.certificate(make.enrollment(officer), issued_on=today() - timedelta(days=400))
    refresher_course = make.course(weeks=1, modules_per_week=1, lessons_per_module=1)
    refresher_course.is_refresher = True
    new = make.certificate(make.enrollment(officer, make.training_class(refresher_course)))
    assert new.expires_on == today() + timedelta(days=refresher_course.certificate_validity_days)
    assert old.status == CertificateStatus.EXPIRED and old.superseded_at is None
