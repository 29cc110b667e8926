"""The officer's messages from exams: one "graded" message when an instructor finishes grading,
and, when that grade completes the course, "course completed" and "certificate issued" once each."""
import sqlalchemy as sa

from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.progress.models import LessonProgress
from tests.quizzes.conftest import take


def messages_of(user):
    return db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.user_id == user.id).order_by(OutboxMessage.id)).all()


def test_grading_the_last_essay_tells_the_officer_and_completion_follows(client, login, world):
    w = world
    for lesson in w.course.ordered_lessons():
        db.session.add(LessonProgress(enrollment_id=w.enrollment.id, lesson_id=lesson.id))
    db.session.flush()
    login(w.officer)
    take(client, w, w.week1)
    take(client, w, w.week2)
    final = take(client, w, w.final)
    assert [m.kind for m in messages_of(w.officer)] == []  # automatic grades show at once: no email
    client.post("/logout")

    login(w.instructor)
    essay = next(r for r in final.responses if r.question_id == w.essay.id)
    assert client.post(f"/teach/responses/{essay.id}/grade",
                       data={f"r{essay.id}-points": "3", f"r{essay.id}-feedback": "Good."}).status_code == 302
    # A regrade changes the score but does not send a second "graded" message.
    assert client.post(f"/teach/responses/{essay.id}/grade",
                       data={f"r{essay.id}-points": "4", f"r{essay.id}-reason": "Re-read the rubric"}).status_code == 302
    client.post("/logout")

    sent = messages_of(w.officer)
    assert [m.kind for m in sent] == ["grading_done", "completion", "certificate"]
    graded, completed, certificate = sent
    assert graded.subject == "Graded: Final exam" and "80%: passed" in graded.body
    assert w.course.title in completed.subject
    assert certificate.subject.startswith("Certificate issued: 287G-")

    login(w.officer)
    inbox = client.get("/notifications").get_data(as_text=True)
    for message in sent:
        assert message.subject in inbox
