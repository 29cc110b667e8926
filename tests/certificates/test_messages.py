"""Completing a course tells the officer twice, once each: the course is completed, the
certificate is issued (and a reissue announces the new serial)."""
import sqlalchemy as sa

from portal.auth.roles import Role
from portal.certificates.models import Certificate
from portal.extensions import db
from portal.notifications.models import OutboxMessage


def kinds(user):
    return [m.kind for m in db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.user_id == user.id).order_by(OutboxMessage.id))]


def test_completing_the_last_lesson_queues_completed_and_certificate_once_each(client, login, make, one_lesson_class):
    enrollment = one_lesson_class()
    officer, lesson = enrollment.officer, enrollment.training_class.course.ordered_lessons()[0]
    login(officer)
    for _ in range(2):  # a double submit completes nothing twice
        assert client.post(f"/classes/{enrollment.class_id}/lessons/{lesson.id}/complete").status_code == 302
    assert kinds(officer) == ["completion", "certificate"]
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.enrollment_id == enrollment.id))
    message = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "certificate"))
    assert message.subject == f"Certificate issued: {certificate.serial}"
    assert f"valid until {certificate.expires_on:%B %-d, %Y}" in message.body
    inbox = client.get("/notifications").get_data(as_text=True)
    assert f"Certificate issued: {certificate.serial}" in inbox and "Course completed" in inbox
    client.post("/logout")

    login(make.user(Role.ADMIN))
    assert (
        client.post(
            f"/admin/certificates/{certificate.id}/reissue", data={"reason": "Name corrected", "confirm": "y"}
        ).status_code
        == 302
    )
    assert kinds(officer) == ["completion", "certificate", "certificate"]
