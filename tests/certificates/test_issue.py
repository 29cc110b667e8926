"""Issuing on completion: one certificate in the completing transaction, read back from its PDF."""
import hashlib
import io
import re
import xml.etree.ElementTree as ET
import zlib
from datetime import timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from portal.audit.models import AuditEvent
from portal.auth.roles import Role
from portal.certificates import codes, services
from portal.certificates.models import Certificate, CertificateStatus
from portal.classes.models import EnrollmentStatus
from portal.extensions import db
from portal.timeutil import today
from tests.certificates.conftest import pdf_text, printed_code

RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
PDFAID = "{http://www.aiim.org/pdfa/ns/id/}"


def certificates_of(enrollment):
    return db.session.scalars(sa.select(Certificate).where(Certificate.enrollment_id == enrollment.id)).all()


def test_completing_the_last_lesson_issues_one_certificate_read_back_from_the_pdf(client, login, one_lesson_class, make):
    agency = make.agency(name="Condado de Núñez Sheriff's Office")
    enrollment = one_lesson_class(officer=make.user(agency=agency, first="María", last="Ñúñez-O'Brien"))
    lesson = enrollment.training_class.course.ordered_lessons()[0]
    login(enrollment.officer)

    response = client.post(f"/classes/{enrollment.class_id}/lessons/{lesson.id}/complete")
    assert response.status_code == 302
    assert enrollment.status == EnrollmentStatus.COMPLETED
    [certificate] = certificates_of(enrollment)

    year = today().year
    assert re.fullmatch(rf"287G-{year}-\d{{6}}", certificate.serial)
    assert certificate.issued_on == today()
    assert certificate.expires_on == today() + timedelta(days=enrollment.training_class.course.certificate_validity_days)
    assert certificate.officer_name == "María Ñúñez-O'Brien"
    assert certificate.instructor_name == "Dana Instructor"
    assert certificate.hours == enrollment.training_class.course.hours
    assert certificate.pdf_sha256 == hashlib.sha256(certificate.pdf).hexdigest()
    assert (certificate.pdf_size, certificate.pdf_crc32) == (len(certificate.pdf), zlib.crc32(certificate.pdf))
    assert db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "certificate_issued", AuditEvent.target_id == str(certificate.id))) is not None

    # The PDF as an officer downloads it.
    download = client.get(f"/certificates/{certificate.id}/download")
    assert download.status_code == 200
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"] == f'attachment; filename="{certificate.serial}.pdf"'
    assert download.headers["Cache-Control"] == "no-store"
    assert download.data == certificate.pdf
    assert client.get(f"/certificates/{certificate.id}/download").data == download.data  # identical bytes

    reader = PdfReader(io.BytesIO(download.data))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    rdf = ET.fromstring(xmp[xmp.index(b"<rdf:RDF"):xmp.index(b"</rdf:RDF>") + len(b"</rdf:RDF>")])
    [ident] = [d for d in rdf.iter(f"{RDF}Description") if f"{PDFAID}part" in d.attrib]
    assert (ident.attrib[f"{PDFAID}part"], ident.attrib[f"{PDFAID}conformance"]) == ("3", "A")  # signed, still PDF/A
    info = reader.metadata
    assert certificate.serial in info.title and enrollment.training_class.course.title in info.title
    assert info.author == "Section 287(g) Program"
    assert "María Ñúñez-O'Brien" in info.subject

    text = pdf_text(download.data)
    code = printed_code(download.data)
    for expected in ["María Ñúñez-O'Brien", "Condado de Núñez Sheriff's Office", certificate.serial,
                     enrollment.training_class.course.code, "Dana Instructor",
                     f"http://portal.test/verify/{code.replace('-', '')}"]:
        assert expected in text, expected
    # Only the hash of the code is stored, and it is the code printed on the paper.
    assert certificate.code_sha256 == codes.code_hash(code.replace("-", ""))
    assert len(code.replace("-", "")) * 5 >= 128


def test_completing_twice_never_yields_two_certificates(make):
    enrollment = make.enrollment()
    certificate = make.certificate(enrollment)
    with pytest.raises(services.AlreadyIssued):
        services.issue(enrollment)
    assert services.issue_on_completion(enrollment) is None  # the signal receiver is idempotent
    assert certificates_of(enrollment) == [certificate]


def test_the_unique_index_backs_the_rule_and_becomes_a_domain_error(make):
    enrollment = make.enrollment()
    make.certificate(enrollment)
    # Skip the friendly check, as a concurrent transaction would: the database refuses a second one.
    with pytest.raises(services.AlreadyIssued):
        services._create(enrollment, issued_on=today(), expires_on=today() + timedelta(days=10))
    assert len(certificates_of(enrollment)) == 1


def test_only_completed_enrollments_earn_certificates(make):
    with pytest.raises(services.CertificateError):
        services.issue(make.enrollment())


def test_serials_are_sequential_within_a_year_and_restart_each_year(make):
    first = make.certificate(issued_on=today() - timedelta(days=1))
    second = make.certificate(issued_on=today() - timedelta(days=1))
    year, number = first.serial.rsplit("-", 2)[1:]
    assert second.serial == f"287G-{year}-{int(number) + 1:06d}"
    past = make.certificate(issued_on=today().replace(year=2001, month=6, day=1))
    assert past.serial == "287G-2001-000001"


def test_the_snapshot_does_not_follow_later_edits_and_reissue_takes_the_correction(make, client, login):
    enrollment = make.enrollment(officer=make.user(first="Jon", last="Smyth"))
    old = make.certificate(enrollment)
    old_pdf = old.pdf
    enrollment.officer.last_name = "Smith"  # the name fix
    db.session.flush()
    assert old.officer_name == "Jon Smyth"

    admin = make.user(Role.ADMIN)
    login(admin)
    page = client.get(f"/admin/certificates/{old.id}/reissue")
    assert b"superseded" in page.data
    refused = client.post(f"/admin/certificates/{old.id}/reissue", data={"reason": "Surname corrected"})
    assert refused.status_code == 200 and b"Tick the box to confirm" in refused.data
    assert len(certificates_of(enrollment)) == 1

    response = client.post(f"/admin/certificates/{old.id}/reissue",
                           data={"reason": "Surname corrected from Smyth to Smith", "confirm": "y"})
    assert response.status_code == 302
    new = db.session.scalar(sa.select(Certificate).where(Certificate.enrollment_id == enrollment.id,
                                                         Certificate.superseded_at.is_(None)))
    db.session.refresh(old)
    assert new.serial != old.serial
    assert new.officer_name == "Jon Smith" and "Jon Smith" in pdf_text(new.pdf)
    assert (new.issued_on, new.expires_on) == (old.issued_on, old.expires_on)
    assert old.status == CertificateStatus.SUPERSEDED and old.superseded_by_id == new.id
    assert old.pdf == old_pdf  # the old file is kept as it was
    assert "Surname corrected" in old.supersede_reason
    assert (
        db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "certificate_reissued")).details["replaces"]
        == old.serial
    )

    detail = client.get(f"/admin/certificates/{new.id}")
    assert old.serial.encode() in detail.data and new.serial.encode() in detail.data  # the history chain
    # The superseded one cannot be reissued again.
    again = client.post(f"/admin/certificates/{old.id}/reissue", data={"reason": "again", "confirm": "y"})
    assert again.status_code == 200 and b"already been replaced" in again.data
