"""The portal's messages: what each event tells the officer, queued in the outbox (never commits).

Other features call these functions (or receive them through signals, see receivers.py) inside their own transaction:
the message is sent by `flask send-mail` only if that transaction commits. A dedupe key makes each
message at most once per event. The `*_message` functions only build a message, for a batch that
`queue_all` queues at once."""
from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import contains_eager, joinedload

from portal.auth.models import User
from portal.auth.tokens import make_set_password_token
from portal.classes.models import ACTIVE_ENROLLMENT_STATUSES, Enrollment, TrainingClass
from portal.extensions import db
from portal.links import BaseUrlNotConfigured, external_url
from portal.notifications.models import OutboxMessage
from portal.notifications.services import outbox_message, queue, queue_all
from portal.timeutil import today, today_in

if TYPE_CHECKING:
    from portal.certificates.models import Certificate

SIGN_OFF = "\n\n— The 287(g) Training Program office"


def portal_link(endpoint: str, **values) -> str:
    """An absolute link at the configured address (never the request's host), else ''."""
    try:
        return external_url(endpoint, **values)
    except BaseUrlNotConfigured:
        return ""


def portal_path(endpoint: str, **values) -> str:
    """The path of a portal page, inside a request or not (a message links to what it is about)."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def sign_in_line() -> str:
    link = portal_link("auth.login")
    return f"Sign in to the portal{': ' + link if link else ''}."


def class_line(tc: TrainingClass) -> str:
    where = f", {tc.location}" if tc.location else ""
    return f"{tc.name} ({tc.course.code} — {tc.course.title}), {tc.start_date:%A %B %-d, %Y} to {tc.end_date:%B %-d, %Y}{where}"


def notify_invitation(user: User) -> OutboxMessage | None:
    """The approved officer's invitation, with the single-use link to choose a password."""
    link = external_url("auth.set_password_from_link", token=make_set_password_token(user))
    hours = current_app.config["SET_PASSWORD_LINK_MAX_AGE"] // 3600
    body = (
        f"Dear {user.full_name},\n\n"
        f"Your agency nominated you for 287(g) training and the program office approved the nomination. "
        f"An account was opened for you on the 287(g) Training Portal with this email address.\n\n"
        f"Choose your password here (the link works once, for {hours} hours):\n{link}\n\n"
        f"You will then see your class dates and lessons." + SIGN_OFF
    )
    return queue("invitation", user, "Your 287(g) Training Portal account", body, dedupe_key=f"invitation:{user.id}")


def notify_enrolled(enrollment: Enrollment) -> OutboxMessage | None:
    tc, officer = enrollment.training_class, enrollment.officer
    body = (f"Dear {officer.full_name},\n\nYou are enrolled in {class_line(tc)}.\n"
            f"Week 1 opens on {tc.start_date:%B %-d, %Y}. {sign_in_line()}" + SIGN_OFF)
    return queue("enrollment", officer, f"Enrolled: {tc.name}", body)


def notify_moved(enrollment: Enrollment, old_class: TrainingClass) -> OutboxMessage | None:
    tc, officer = enrollment.training_class, enrollment.officer
    body = (f"Dear {officer.full_name},\n\nYour enrollment moved from {old_class.name} to {class_line(tc)}.\n"
            f"The lessons you completed are kept. {sign_in_line()}" + SIGN_OFF)
    return queue("enrollment_moved", officer, f"Class changed: {tc.name}", body)


def week_opens_message(enrollment: Enrollment, week: int) -> OutboxMessage:
    """The "week N opens" message, not queued yet: `queue_week_openings` queues them all at once."""
    tc, officer = enrollment.training_class, enrollment.officer
    body = (f"Dear {officer.full_name},\n\nWeek {week} of {tc.course.weeks} of {tc.name} opened on "
            f"{tc.week_opens_on(week):%A %B %-d, %Y}: its lessons are now available. {sign_in_line()}" + SIGN_OFF)
    return outbox_message("week_open", officer, f"Week {week} opens: {tc.course.title}", body,
                          dedupe_key=f"week-open:{enrollment.id}:{week}")


def queue_week_openings(on: date | None = None) -> int:
    """Queue "week N opens" for the current week of every active enrollment (once each), in a
    number of statements that does not grow with the enrollments. Without `on`, each class's week
    turns at midnight in the class's time zone."""
    latest_today = on or today() + timedelta(days=1)  # no zone is more than a day ahead of UTC
    enrollments = db.session.scalars(
        sa.select(Enrollment).join(TrainingClass)
        .where(Enrollment.status.in_(ACTIVE_ENROLLMENT_STATUSES), TrainingClass.start_date <= latest_today)
        .options(contains_eager(Enrollment.training_class).joinedload(TrainingClass.course),
                 joinedload(Enrollment.officer))
    ).all()
    messages = []
    for enrollment in enrollments:
        tc = enrollment.training_class
        week = ((on or today_in(tc.time_zone)) - tc.start_date).days // 7 + 1
        if 1 <= week <= tc.course.weeks:
            messages.append(week_opens_message(enrollment, week))
    return queue_all(messages)


def notify_grading_done(officer: User, *, attempt_id: int, quiz_title: str, percent: float | None,
                        passed: bool | None, class_id: int | None = None) -> OutboxMessage | None:
    """An exam attempt finished grading (called by the quizzes feature)."""
    if percent is None:
        result = "Your result is available."
    else:
        result = f"Your score is {percent:g}%: {'passed' if passed else 'not passed'}."
    body = (f"Dear {officer.full_name},\n\nGrading of your attempt at “{quiz_title}” is complete. {result}\n"
            f"Feedback from your instructor is in the portal. {sign_in_line()}" + SIGN_OFF)
    return queue("grading_done", officer, f"Graded: {quiz_title}", body, dedupe_key=f"graded:{attempt_id}",
                 link=portal_path("quizzes.result", attempt_id=attempt_id))


def notify_remediation(enrollment: Enrollment) -> OutboxMessage | None:
    """A failed exam put the enrollment in remediation (called by the exam rules)."""
    course = enrollment.training_class.course
    return queue("remediation", enrollment.officer, f"{course.code}: remediation retake available",
                 f"You did not reach the pass mark on an exam of {course.title}. You may take one remediation "
                 "retake for the whole course; a second failed exam ends your enrollment. Your instructor can help "
                 "you prepare.")


def notify_disqualified(enrollment: Enrollment) -> OutboxMessage | None:
    """A second failed exam ended the enrollment (called by the exam rules)."""
    course = enrollment.training_class.course
    return queue("disqualified", enrollment.officer, f"{course.code}: enrollment ended",
                 f"You have failed two exams of {course.title}, the remediation retake counted, so under the "
                 "program's rules your enrollment is disqualified. Contact your agency coordinator.")


def notify_completed(enrollment: Enrollment) -> OutboxMessage | None:
    tc, officer = enrollment.training_class, enrollment.officer
    body = (f"Dear {officer.full_name},\n\nCongratulations: you completed {tc.course.title} ({tc.name}). "
            f"Your certificate follows once it is issued. {sign_in_line()}" + SIGN_OFF)
    return queue("completion", officer, f"Course completed: {tc.course.title}", body,
                 dedupe_key=f"completed:{enrollment.id}")


def notify_certificate_issued(officer: User, *, certificate_id: int, serial: str, course_title: str,
                              expires_on: date | None = None) -> OutboxMessage | None:
    """A certificate was issued (called by the certificates feature)."""
    expiry = f" It is valid until {expires_on:%B %-d, %Y}." if expires_on else ""
    body = (f"Dear {officer.full_name},\n\nYour certificate {serial} for {course_title} is issued.{expiry} "
            f"Download it from the portal. {sign_in_line()}" + SIGN_OFF)
    return queue("certificate", officer, f"Certificate issued: {serial}", body,
                 dedupe_key=f"certificate:{certificate_id}")


def certificate_expiry_message(certificate: Certificate, on: date, days: int) -> OutboxMessage:
    """The reminder at `days` days before a certificate expires, not queued yet: the certificates
    feature queues them all at once."""
    return outbox_message("certificate_expiry", certificate.officer,
                          f"Your 287(g) certificate {certificate.serial} expires on {certificate.expires_on:%B %-d, %Y}",
                          expiry_body(certificate, on), dedupe_key=f"cert-expiry-{certificate.id}-{days}")


def expiry_body(certificate: Certificate, on: date) -> str:
    left = certificate.days_left(on)
    when = "today" if left == 0 else f"in {left} day{'s' if left != 1 else ''}"
    return (
        f"Dear {certificate.officer_name},\n\n"
        f"Your certificate {certificate.serial} for {certificate.course_title} ({certificate.course_code}) "
        f"expires {when}, on {certificate.expires_on:%B %-d, %Y}.\n\n"
        "To keep your authorization current, complete the refresher course before that date; your agency "
        "coordinator can arrange your enrollment. A refresher completed before expiry extends your "
        "certificate from its current expiry date.\n\n"
        "— 287(g) Training Portal\n"
    )
