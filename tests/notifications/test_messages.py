from datetime import timedelta

import sqlalchemy as sa

from portal.auth.roles import Role
from portal.classes.models import EnrollmentStatus
from portal.extensions import db
from portal.notifications.messages import notify_certificate_issued, notify_grading_done
from portal.notifications.models import OutboxMessage
from portal.notifications.services import queue
from portal.progress.completion import complete_if_done
from portal.progress.services import complete_lesson
from portal.timeutil import today


def messages(kind=None):
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return db.session.scalars(query).all()


def test_notify_weeks_queues_the_current_week_once_per_enrollment(app, make):
    course = make.course(weeks=4)
    week_one = make.training_class(course, start=today())
    week_three = make.training_class(course, start=today() - timedelta(days=15))
    finished = make.training_class(course, start=today() - timedelta(days=60))
    future = make.training_class(course, start=today() + timedelta(days=3))
    a = make.enrollment(training_class=week_one)
    b = make.enrollment(training_class=week_three)
    make.enrollment(training_class=finished)
    make.enrollment(training_class=future)
    make.enrollment(training_class=week_one, status=EnrollmentStatus.WITHDRAWN)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["notify-weeks"])
    assert result.exit_code == 0 and "2 week-opening message(s) queued." in result.output
    assert {(m.user_id, m.subject.split(":")[0]) for m in messages("week_open")} == {
        (a.officer_id, "Week 1 opens"),
        (b.officer_id, "Week 3 opens"),
    }
    assert "0 week-opening message(s) queued." in runner.invoke(args=["notify-weeks"]).output
    assert len(messages("week_open")) == 2


def test_completion_signal_queues_course_completed_once(make):
    course = make.course(weeks=1, modules_per_week=1, lessons_per_module=1)
    enrollment = make.enrollment(training_class=make.training_class(course))
    assert complete_lesson(enrollment, course.ordered_lessons()[0])
    assert enrollment.status == EnrollmentStatus.COMPLETED
    assert not complete_if_done(enrollment)
    [message] = messages("completion")
    assert message.user_id == enrollment.officer_id and "Course completed" in message.subject


def test_grading_and_certificate_messages_are_deduplicated(make):
    officer = make.user(first="Rosa", last="Núñez")
    assert notify_grading_done(officer, attempt_id=7, quiz_title="Week 2 exam", percent=82.5, passed=True) is not None
    assert notify_grading_done(officer, attempt_id=7, quiz_title="Week 2 exam", percent=82.5, passed=True) is None
    assert notify_certificate_issued(officer, certificate_id=3, serial="287G-2026-000123", course_title="JEM Basic",
                                     expires_on=today()) is not None
    assert notify_certificate_issued(officer, certificate_id=3, serial="287G-2026-000123", course_title="JEM Basic") is None
    grading, certificate = messages("grading_done")[0], messages("certificate")[0]
    assert "82.5%: passed" in grading.body and "Dear Rosa Núñez" in grading.body
    assert "287G-2026-000123" in certificate.subject


def test_officers_see_their_own_notifications_newest_first_paginated(client, make, login):
    officer, other = make.user(Role.OFFICER), make.user(Role.OFFICER)
    for n in range(23):
        queue("test", officer, f"Message number {n:02d}", "Body <b>not bold</b>")
    queue("test", other, "Someone else's message", "Private")
    db.session.flush()
    login(officer)
    first = client.get("/notifications").get_data(as_text=True)
    assert first.index("Message number 22") < first.index("Message number 03")
    assert "Message number 02" not in first and "Someone else" not in first
    assert "Body &lt;b&gt;not bold&lt;/b&gt;" in first
    second = client.get("/notifications?page=2").get_data(as_text=True)
    assert "Message number 00" in second and "Message number 22" not in second


def test_empty_inbox_says_what_comes(client, make, login):
    login(make.user(Role.OFFICER))
    assert b"You have no notifications yet." in client.get("/notifications").data
