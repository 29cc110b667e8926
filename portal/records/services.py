"""Who may read an officer's record, and the record itself (read only: nothing here writes)."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.attendance.services import Hours, classes_attended, hours_minutes
from portal.auth.models import User
from portal.auth.roles import Role
from portal.certificates.models import Certificate, CertificateStatus
from portal.classes.models import Enrollment, TrainingClass, class_instructors
from portal.extensions import db
from portal.nominations.models import Nomination
from portal.progress.services import EnrollmentProgress, build_progress
from portal.quizzes.services.gradebook import Cell, ExamRecords, cell
from portal.quizzes.services.rules import Standing, standing
from portal.timeutil import today


def visible_officer(viewer: User, officer_id: int) -> User | None:
    """The officer whose record `viewer` may read, else None (the caller answers 404, as for an
    unknown id): officers their own; coordinators their agency's; instructors those enrolled in
    a class they teach; administrators every officer."""
    officer = db.session.get(User, officer_id)
    if officer is None or officer.role != Role.OFFICER:
        return None
    if viewer.role == Role.ADMIN:
        return officer
    if viewer.role == Role.OFFICER:
        return officer if officer.id == viewer.id else None
    if viewer.role == Role.COORDINATOR:
        return officer if viewer.agency_id is not None and officer.agency_id == viewer.agency_id else None
    if viewer.role == Role.INSTRUCTOR:
        taught = sa.select(class_instructors.c.class_id).where(class_instructors.c.user_id == viewer.id)
        teaches_officer = db.session.scalar(
            sa.select(sa.exists().where(Enrollment.officer_id == officer.id, Enrollment.class_id.in_(taught)))
        )
        return officer if teaches_officer else None
    return None


@dataclass
class ExamLine:
    title: str
    required: bool
    pass_mark: int
    counted: Cell


@dataclass
class EnrollmentRecord:
    enrollment: Enrollment
    progress: EnrollmentProgress
    standing: Standing
    exams: list[ExamLine]


@dataclass
class CertificateLine:
    certificate: Certificate
    status: CertificateStatus


@dataclass
class OfficerRecord:
    officer: User
    enrollments: list[EnrollmentRecord]
    certificates: list[CertificateLine]
    nominations: list[Nomination]
    attendance: list[tuple[Enrollment, Hours]]  # the classes with sessions, newest first


def enrollment_records(enrollments: list[Enrollment]) -> list[EnrollmentRecord]:
    """Each enrollment with its week-by-week progress, standing and each exam's grade that counts
    (the record page's, and the API's enrollments)."""
    exams = ExamRecords.load(enrollments)  # with the completed lessons, which progress reads too
    records = []
    for enrollment in enrollments:
        attempts = exams.by_enrollment.get(enrollment.id, [])
        lines = [
            ExamLine(quiz.title, quiz.required, quiz.pass_mark,
                     cell(quiz, exams.attempts.get((enrollment.id, quiz.id), [])))
            for quiz in exams.quizzes[enrollment.training_class.course_id]
        ]
        records.append(EnrollmentRecord(
            enrollment, build_progress(enrollment, exams.done[enrollment.id]),
            standing(enrollment, attempts, exams.retakes[enrollment.id]), lines,
        ))
    return records


def officer_record(officer: User) -> OfficerRecord:
    enrollments = db.session.scalars(
        sa.select(Enrollment).where(Enrollment.officer_id == officer.id)
        .join(TrainingClass).order_by(TrainingClass.start_date.desc(), Enrollment.id.desc())
        .options(selectinload(Enrollment.training_class).selectinload(TrainingClass.course))
    ).all()
    records = enrollment_records(list(enrollments))
    on = today()
    certificates = [
        CertificateLine(c, c.status_on(on))
        for c in db.session.scalars(
            sa.select(Certificate).where(Certificate.officer_id == officer.id)
            .order_by(Certificate.issued_on.desc(), Certificate.id.desc())
        )
    ]
    nominations = db.session.scalars(
        sa.select(Nomination).where(Nomination.user_id == officer.id).order_by(Nomination.nominated_at.desc())
    ).all()
    return OfficerRecord(officer, records, certificates, list(nominations), classes_attended(enrollments))


CSV_HEADER = ("section", "class", "course", "item", "status", "score (%)", "attempts", "date", "detail")


def record_rows(record: OfficerRecord) -> Iterator[tuple[object, ...]]:
    """The record as CSV rows: one per enrollment, week, exam, class attended, certificate and nomination."""
    for item in record.enrollments:
        tc = item.enrollment.training_class
        yield ("enrollment", tc.name, tc.course.code, "overall progress", item.enrollment.status.label,
               item.progress.overall.percent, "", tc.start_date.isoformat(),
               f"{item.progress.overall.done} of {item.progress.overall.total} lessons")
        for week in item.progress.weeks:
            yield ("week", tc.name, tc.course.code, f"week {week.week}", "open" if week.open else "not open yet",
                   week.tally.percent, "", week.opens_on.isoformat(), f"{week.tally.done} of {week.tally.total} lessons")
        for exam in item.exams:
            counted = exam.counted
            yield ("exam", tc.name, tc.course.code, exam.title, counted.text,
                   counted.percent if counted.percent is not None else "", counted.attempts, "",
                   f"pass mark {exam.pass_mark}%" + ("" if exam.required else ", optional"))
    for enrollment, hours in record.attendance:
        tc = enrollment.training_class
        status = "short" if hours.shortfall else "met" if hours.attended >= hours.required else "in progress"
        missed = ", ".join(f"{s.day.isoformat()} ({presence.label.lower()})" for s, presence in hours.missed)
        yield ("attendance", tc.name, tc.course.code, "class hours", status, "", "", "",
               f"attended {hours_minutes(hours.attended)} of {hours_minutes(hours.scheduled)} scheduled; "
               f"{hours_minutes(hours.required)} ({hours.share}%) required" + (f"; missed {missed}" if missed else ""))
    for line in record.certificates:
        c = line.certificate
        yield ("certificate", "", c.course_code, c.serial, line.status.label, "", "", c.issued_on.isoformat(),
               f"valid through {c.expires_on.isoformat()}")
    for nomination in record.nominations:
        yield ("nomination", "", "", nomination.agency.name, nomination.status.label, "", "",
               nomination.nominated_at.date().isoformat(), "")
