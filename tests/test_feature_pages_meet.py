"""Where the features meet on one page: the officer's dashboard (lessons, exams, standing,
certificate), the administrator's class page (gradebook, class ZIP) and the coordinator's home."""
import io
import re
import zipfile
from datetime import timedelta

from portal.auth.roles import Role
from portal.classes.models import EnrollmentStatus
from portal.extensions import db
from portal.quizzes.models import Attempt, AttemptStatus
from portal.timeutil import today, utcnow


def failed_attempt(quiz, enrollment):
    return Attempt(quiz=quiz, enrollment=enrollment, number=1, status=AttemptStatus.GRADED, submitted_at=utcnow(),
                   graded_at=utcnow(), score=0.0, max_score=1.0, passed=False)


def test_officer_dashboard_shows_exams_standing_and_certificate(client, login, make):
    course = make.course(weeks=2, modules_per_week=1, lessons_per_module=1)
    running = make.enrollment(training_class=make.training_class(course, start=today() - timedelta(days=2)),
                              status=EnrollmentStatus.REMEDIATION)
    officer = running.officer
    week1 = make.quiz(course, [make.question(course)], module=course.modules[0], title="Week 1 exam")
    make.quiz(course, [make.question(course)], module=course.modules[1], title="Week 2 exam")
    db.session.add(failed_attempt(week1, running))
    finished = make.enrollment(officer, make.training_class(start=today() - timedelta(days=90)))
    certificate = make.certificate(finished)
    login(officer)

    page = client.get("/dashboard").get_data(as_text=True)
    assert page.count("<h1>") == 1 and "style=" not in page
    # Remediation explained, under the class's h2.
    assert '<h3 class="usa-alert__heading">Remediation</h3>' in page and "1 remediation retake left" in page
    # Exams: the grade that counts, and when the next one opens.
    assert f"<caption>Exams of {running.training_class.name}: the grade that counts and what comes next</caption>" in page
    week1_row = re.search(r"Week 1 exam</a></th>(.*?)</tr>", page, re.S).group(1)
    assert "0% Fail" in week1_row and "Ready to start" in week1_row  # the remediation retake
    opens = running.training_class.week_opens_on(2)
    assert f"it opens with week 2 on {opens:%B %-d, %Y}" in page
    # The finished class: its certificate, downloadable.
    assert f"{certificate.serial}" in page and f"valid through {certificate.expires_on:%b %-d, %Y}" in page
    assert f'href="/certificates/{certificate.id}/download">Download certificate {certificate.serial} (PDF)' in page
    assert client.get(f"/certificates/{certificate.id}/download").data == certificate.pdf

    running.status = EnrollmentStatus.DISQUALIFIED
    db.session.commit()
    page = client.get("/dashboard").get_data(as_text=True)
    assert '<h3 class="usa-alert__heading">Enrollment disqualified</h3>' in page
    assert "failing two exams (the remediation retake counted) ends the enrollment" in page


def test_admin_class_page_links_the_gradebook_and_the_class_zip(client, login, make):
    training_class = make.training_class()
    login(make.user(Role.ADMIN))
    page = client.get(f"/admin/classes/{training_class.id}").get_data(as_text=True)
    assert f'href="/teach/classes/{training_class.id}/gradebook"' in page
    assert "certificates.zip" not in page and "No certificates issued in this class yet" in page
    assert client.get(f"/teach/classes/{training_class.id}/gradebook").status_code == 200

    certificate = make.certificate(make.enrollment(training_class=training_class))
    page = client.get(f"/admin/classes/{training_class.id}").get_data(as_text=True)
    assert (
        f'href="/certificates/classes/{training_class.id}/certificates.zip" download>Download the class\'s 1 certificate (ZIP)'
        in page
    )
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/certificates/classes/{training_class.id}/certificates.zip").data))
    assert any(certificate.serial in name for name in archive.namelist())


def test_coordinator_home_links_grades_and_certificates_and_flags_expiry(client, login, make):
    agency = make.agency()
    officer = make.user(Role.OFFICER, agency=agency)
    login(make.user(Role.COORDINATOR, agency=agency))
    page = client.get("/agency/").get_data(as_text=True)
    assert 'href="/agency/grades"' in page and 'href="/agency/certificates"' in page and "within 90 days" not in page

    make.certificate(make.enrollment(officer), issued_on=today() - timedelta(days=300))  # valid 365 days: 65 left
    page = client.get("/agency/").get_data(as_text=True)
    assert "1 of your officers' certificates expires within 90 days or has expired" in page
