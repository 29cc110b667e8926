"""Issuing, reissuing, revoking, refreshing and verifying certificates.

Functions change objects and record audit events; they never commit (the view or CLI command
does). Issuing runs inside the transaction that completed the enrollment (see receivers.py).
"""
from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal.attendance.services import certified_hours
from portal.audit.services import record
from portal.auth.models import User
from portal.certificates import codes
from portal.certificates.files import PdfFiles
from portal.certificates.models import Certificate, RevocationReason
from portal.certificates.pdf import CertificatePdfValues, build_certificate_html, render_pdf
from portal.certificates.serials import next_serial
from portal.certificates.signing import SignatureCheck, signer_of_app
from portal.classes.models import Enrollment, EnrollmentStatus
from portal.extensions import db
from portal.links import BaseUrlNotConfigured, external_url
from portal.notifications.messages import certificate_expiry_message, notify_certificate_issued
from portal.notifications.services import queue_all
from portal.timeutil import today, utcnow

VERIFY_ENDPOINT = "certificates.verify_code"
NO_INSTRUCTOR = "287(g) Program Training Office"
REMINDER_DAYS = (90, 30, 7)
EXPIRY_WINDOW_DAYS = 90


class CertificateError(ValueError):
    """A certificate action that the rules do not allow; the message is for the user."""


class AlreadyIssued(CertificateError):
    def __init__(self, enrollment_id: int):
        super().__init__("A certificate has already been issued for this enrollment.")
        self.enrollment_id = enrollment_id


class VerifyUrlNotConfigured(CertificateError):
    pass


# --------------------------------------------------------------------------------------------
# Verification URL
# --------------------------------------------------------------------------------------------

def verify_url(canonical_code: str) -> str:
    """The absolute URL printed (and QR-encoded) on a certificate: at the configured address,
    never the request's host (see portal/links.py)."""
    try:
        return external_url(VERIFY_ENDPOINT, code=canonical_code)
    except BaseUrlNotConfigured as exc:
        raise VerifyUrlNotConfigured(f"{exc} Certificates print the portal's address.") from None


# --------------------------------------------------------------------------------------------
# Issuing
# --------------------------------------------------------------------------------------------

def instructor_of_record(enrollment: Enrollment) -> User | None:
    instructors = enrollment.training_class.instructors
    return instructors[0] if instructors else None


@dataclass(frozen=True)
class Snapshot:
    officer_name: str
    agency_name: str
    agency_id: int | None
    course_title: str
    course_code: str
    hours: int
    instructor_name: str


def snapshot(enrollment: Enrollment) -> Snapshot:
    officer = enrollment.officer
    course = enrollment.training_class.course
    instructor = instructor_of_record(enrollment)
    return Snapshot(
        officer_name=officer.full_name.strip(),
        agency_name=officer.agency.name if officer.agency else "No agency on record",
        agency_id=officer.agency_id,
        course_title=course.title,
        course_code=course.code,
        hours=certified_hours(enrollment, course.hours),
        instructor_name=instructor.full_name if instructor else NO_INSTRUCTOR,
    )


def current_certificate(enrollment: Enrollment) -> Certificate | None:
    return db.session.scalar(
        sa.select(Certificate).where(Certificate.enrollment_id == enrollment.id, Certificate.superseded_at.is_(None))
    )


def current_certificates(enrollment_ids: list[int]) -> dict[int, Certificate]:
    """The current certificate of each enrollment that has one, in one query."""
    if not enrollment_ids:
        return {}
    return {c.enrollment_id: c for c in db.session.scalars(
        sa.select(Certificate).where(Certificate.enrollment_id.in_(enrollment_ids), Certificate.superseded_at.is_(None))
    )}


def refreshable_certificate(officer_id: int, on: date, exclude_enrollment_id: int | None = None) -> Certificate | None:
    """The officer's current certificate that a refresher completed on `on` extends: not revoked,
    not superseded, not yet expired; the one running longest if there are several."""
    query = sa.select(Certificate).where(
        Certificate.officer_id == officer_id,
        Certificate.revoked_at.is_(None),
        Certificate.superseded_at.is_(None),
        Certificate.expires_on >= on,
    )
    if exclude_enrollment_id is not None:
        query = query.where(Certificate.enrollment_id != exclude_enrollment_id)
    return db.session.scalar(query.order_by(Certificate.expires_on.desc(), Certificate.id.desc()).limit(1))


def _create(enrollment: Enrollment, *, issued_on: date, expires_on: date) -> Certificate:
    """Allocate a serial and a code, render and store the PDF. Raises AlreadyIssued if the
    enrollment already has a current certificate (also when a concurrent transaction won)."""
    facts = snapshot(enrollment)
    code = codes.new_code()
    try:
        with db.session.begin_nested():
            serial = next_serial(issued_on.year)
            values = CertificatePdfValues(
                serial=serial, verification_code=codes.grouped(code), verify_url=verify_url(code),
                officer_name=facts.officer_name, agency_name=facts.agency_name,
                course_title=facts.course_title, course_code=facts.course_code, hours=facts.hours,
                instructor_name=facts.instructor_name, issued_on=issued_on, expires_on=expires_on,
            )
            signer, signed_at = signer_of_app(), utcnow().replace(microsecond=0)
            pdf = signer.sign(render_pdf(build_certificate_html(values)))
            certificate = Certificate(
                serial=serial, code_sha256=codes.code_hash(code),
                enrollment_id=enrollment.id, officer_id=enrollment.officer_id, agency_id=facts.agency_id,
                class_id=enrollment.class_id, course_id=enrollment.training_class.course_id,
                officer_name=facts.officer_name, agency_name=facts.agency_name,
                course_title=facts.course_title, course_code=facts.course_code, hours=facts.hours,
                instructor_name=facts.instructor_name, issued_on=issued_on, expires_on=expires_on,
                pdf=pdf, pdf_sha256=hashlib.sha256(pdf).hexdigest(), pdf_size=len(pdf), pdf_crc32=zlib.crc32(pdf),
                signed_by=signer.signer_name, signed_at=signed_at,
            )
            db.session.add(certificate)
            db.session.flush()
            certificate.issued_code = code
        PdfFiles.of_app().save(certificate.pdf_sha256, pdf)
    except IntegrityError as exc:
        if current_certificate(enrollment) is not None or "enrollment" in str(exc.orig):
            raise AlreadyIssued(enrollment.id) from None
        raise
    # Issued and reissued certificates alike: the officer has a new serial to download.
    notify_certificate_issued(enrollment.officer, certificate_id=certificate.id, serial=certificate.serial,
                              course_title=certificate.course_title, expires_on=certificate.expires_on)
    return certificate


def issue(enrollment: Enrollment, *, issued_on: date | None = None, actor: User | None = None) -> Certificate:
    """Issue the certificate of a completed enrollment (exactly one; AlreadyIssued otherwise).

    A refresher completed while the officer holds an unexpired certificate extends it: the new
    certificate's expiry runs from the old one's, and the old one is superseded.
    """
    if enrollment.status != EnrollmentStatus.COMPLETED:
        raise CertificateError("Only a completed enrollment earns a certificate.")
    if current_certificate(enrollment) is not None:
        raise AlreadyIssued(enrollment.id)
    course = enrollment.training_class.course
    if issued_on is None:
        issued_on = enrollment.completed_at.date() if enrollment.completed_at else today()
    validity = timedelta(days=course.certificate_validity_days)
    expires_on = issued_on + validity
    refreshed = None
    if course.is_refresher:
        refreshed = refreshable_certificate(enrollment.officer_id, issued_on, exclude_enrollment_id=enrollment.id)
        if refreshed is not None:
            expires_on = refreshed.expires_on + validity
    certificate = _create(enrollment, issued_on=issued_on, expires_on=expires_on)
    record("certificate_issued", certificate, actor=actor, serial=certificate.serial,
           enrollment_id=enrollment.id, officer_id=enrollment.officer_id, expires_on=expires_on.isoformat())
    if refreshed is not None:
        _supersede(refreshed, certificate, f"Refreshed by {course.code} ({certificate.serial})")
        record("certificate_superseded", refreshed, actor=actor, serial=refreshed.serial,
               by=certificate.serial, reason="refresher")
    return certificate


def issue_on_completion(enrollment: Enrollment) -> Certificate | None:
    """Signal receiver body: issue, and treat "already issued" as done (idempotent)."""
    try:
        return issue(enrollment)
    except AlreadyIssued:
        return None


def _supersede(old: Certificate, new: Certificate, reason: str) -> None:
    if old.superseded_at is None:
        old.superseded_at = utcnow()
    old.superseded_by_id = new.id
    old.supersede_reason = reason[:500]


def reissue(old: Certificate, reason: str, *, actor: User | None = None) -> Certificate:
    """Replace a certificate after a correction (e.g. the officer's name): new serial and code,
    the same issue and expiry dates, details taken afresh; the old one is marked superseded."""
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError("Give the reason for reissuing.")
    if old.revoked_at is not None:
        raise CertificateError("A revoked certificate cannot be reissued.")
    if old.superseded_at is not None:
        raise CertificateError("This certificate has already been replaced; reissue the current one.")
    # Step aside first: the enrollment may have only one current certificate.
    old.superseded_at = utcnow()
    db.session.flush()
    new = _create(old.enrollment, issued_on=old.issued_on, expires_on=old.expires_on)
    _supersede(old, new, f"Reissued: {reason}")
    record("certificate_reissued", new, actor=actor, serial=new.serial, replaces=old.serial, reason=reason[:500])
    record("certificate_superseded", old, actor=actor, serial=old.serial, by=new.serial, reason="reissue")
    return new


def revoke(certificate: Certificate, category: RevocationReason, reason: str, *, actor: User | None = None,
           via: str = "web") -> None:
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError("Give the reason for revoking.")
    if certificate.revoked_at is not None:
        raise CertificateError(f"Certificate {certificate.serial} is already revoked.")
    if certificate.superseded_at is not None:
        raise CertificateError(f"Certificate {certificate.serial} has been replaced; revoke the current one.")
    certificate.revoked_at = utcnow()
    certificate.revoked_by_id = getattr(actor, "id", None)
    certificate.revocation_category = RevocationReason(category)
    certificate.revocation_reason = reason[:1000]
    record("certificate_revoked", certificate, actor=actor, serial=certificate.serial,
           category=str(certificate.revocation_category), reason=reason[:500], via=via)


# --------------------------------------------------------------------------------------------
# Looking up
# --------------------------------------------------------------------------------------------

def find_by_code(raw: str | None) -> Certificate | None:
    canonical = codes.normalise(raw)
    if canonical is None:
        return None
    return db.session.scalar(sa.select(Certificate).where(Certificate.code_sha256 == codes.code_hash(canonical)))


def find_by_pdf(data: bytes) -> Certificate | None:
    digest = hashlib.sha256(data).hexdigest()
    return db.session.scalar(sa.select(Certificate).where(Certificate.pdf_sha256 == digest))


def find_issued_pdf(data: bytes) -> tuple[Certificate, SignatureCheck | None] | None:
    """The certificate whose stored PDF is exactly `data`, and what its signature says (None:
    issued before certificates were signed). A PDF changed after signing is not one, even by an
    appended update the signature still covers, and neither is a stored PDF whose signature
    no longer holds."""
    certificate = find_by_pdf(data)
    if certificate is None:
        return None
    signature = signer_of_app().check(data)
    if signature is not None and not signature.intact:
        return None
    return certificate, signature


def find_by_serial(serial: str) -> Certificate | None:
    return db.session.scalar(sa.select(Certificate).where(Certificate.serial == (serial or "").strip().upper()))


def history(certificate: Certificate) -> list[Certificate]:
    """The supersession chain through `certificate`, oldest first."""
    chain = [certificate]
    seen = {certificate.id}
    earlier = certificate
    while True:
        previous = db.session.scalar(
            sa.select(Certificate).where(Certificate.superseded_by_id == earlier.id).order_by(Certificate.id).limit(1)
        )
        if previous is None or previous.id in seen:
            break
        chain.insert(0, previous)
        seen.add(previous.id)
        earlier = previous
    later = certificate
    while later.superseded_by is not None and later.superseded_by.id not in seen:
        later = later.superseded_by
        chain.append(later)
        seen.add(later.id)
    return chain


# --------------------------------------------------------------------------------------------
# Expiry
# --------------------------------------------------------------------------------------------

def current_clause() -> sa.ColumnElement[bool]:
    return sa.and_(Certificate.revoked_at.is_(None), Certificate.superseded_at.is_(None))


def _expiring(agency_id: int, on: date | None, within: int) -> tuple[sa.ColumnElement[bool], ...]:
    """Current certificates of the agency that expire within `within` days or have expired."""
    on = on or today()
    return (Certificate.agency_id == agency_id, current_clause(), Certificate.expires_on <= on + timedelta(days=within))


def expiring_for_agency_query(agency_id: int, on: date | None = None,
                              within: int = EXPIRY_WINDOW_DAYS) -> sa.Select[Certificate]:
    """The agency's current certificates that have expired (first) or expire within `within`
    days, each group by officer."""
    on = on or today()
    return (sa.select(Certificate).where(*_expiring(agency_id, on, within))
            .order_by(sa.case((Certificate.expires_on < on, 0), else_=1), Certificate.officer_name,
                      Certificate.expires_on))


def count_expiring_for_agency(agency_id: int, on: date | None = None, within: int = EXPIRY_WINDOW_DAYS) -> int:
    return db.session.scalars(sa.select(sa.func.count(Certificate.id)).where(*_expiring(agency_id, on, within))).one()


def reminder_threshold(days_left: int) -> int | None:
    """The reminder due for a certificate with `days_left` days to run (the nearest threshold)."""
    if days_left < 0:
        return None
    for days in sorted(REMINDER_DAYS):
        if days_left <= days:
            return days
    return None


def queue_expiry_reminders(on: date | None = None) -> int:
    """Queue the reminder due for every current certificate expiring within 90 days; a reminder
    already queued (same certificate, same threshold) is never queued again. Returns how many.
    The statements run do not grow with the certificates."""
    on = on or today()
    candidates = db.session.scalars(
        sa.select(Certificate)
        .where(current_clause(), Certificate.expires_on >= on,
               Certificate.expires_on <= on + timedelta(days=max(REMINDER_DAYS)))
        .order_by(Certificate.expires_on, Certificate.id)
        .options(joinedload(Certificate.officer))
    ).all()
    messages = []
    for certificate in candidates:
        days = reminder_threshold(certificate.days_left(on))
        if days is not None and certificate.officer.active:
            messages.append(certificate_expiry_message(certificate, on, days))
    return queue_all(messages)
