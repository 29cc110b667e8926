"""The demo data shows every exam situation, and every exam page renders for it."""
import re

import sqlalchemy as sa

from portal.auth.models import User
from portal.classes.models import Enrollment, EnrollmentStatus
from portal.demo.seed import DEMO_PASSWORD
from portal.extensions import db
from portal.quizzes.models import Attempt, AttemptStatus, Question, Quiz


def sign_in(app, email):
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": DEMO_PASSWORD}).status_code == 302
    return client


def statuses():
    rows = db.session.execute(sa.select(User.email, Enrollment.status).join(Enrollment, Enrollment.officer_id == User.id))
    return {email: status for email, status in rows}


def test_demo_exams_and_pages(app, seeded_demo):
    # The demo data, loaded once for the tests that check it (tests/conftest.py: seeded_demo).
    kinds = set(db.session.scalars(sa.select(Question.kind)))
    assert kinds == {"single_choice", "multiple_response", "true_false", "short_answer", "numeric", "matching", "essay"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Quiz)) == 5
    now = statuses()
    assert now["r.nunez@example.com"] == now["c.martinez@example.com"] == EnrollmentStatus.COMPLETED
    assert now["e.thompson@example.com"] == EnrollmentStatus.DISQUALIFIED
    assert now["d.hughes@example.com"] == EnrollmentStatus.REMEDIATION
    pending = db.session.scalars(sa.select(Attempt).where(Attempt.status == AttemptStatus.PENDING_GRADING)
                                 .order_by(Attempt.id)).all()
    assert [a.enrollment.officer.email for a in pending] == ["j.williams@example.com", "a.patel@example.com"]
    pending = pending[0]

    instructor = sign_in(app, "instructor@example.com")
    queue = instructor.get("/teach/grading")
    assert b"Williams, James" in queue.data and b"Patel, Anita" in queue.data
    for link in set(re.findall(r'href="(/teach/[^"#?]+)', instructor.get("/teach/exams").get_data(as_text=True))):
        assert instructor.get(link).status_code == 200, link
    for link in set(re.findall(r'href="(/teach/grading/attempts/\d+)', queue.get_data(as_text=True))):
        assert instructor.get(link).status_code == 200, link

    officer = sign_in(app, "officer@example.com")
    dashboard = officer.get("/dashboard").get_data(as_text=True)
    exams_url = re.search(r'href="(/classes/\d+/exams)"', dashboard).group(1)
    exams = officer.get(exams_url).get_data(as_text=True)
    week1 = re.search(r'href="(/classes/\d+/exams/\d+)">Week 1 exam', exams).group(1)
    # Jordan Reyes has done 3 of week 1's 8 lessons: the week exam asks for them first.
    assert "Complete the lessons of week 1 before starting this exam: 5 lessons to go." in exams
    assert officer.post(week1 + "/start").headers["Location"] == week1
    assert len(re.findall(r'href="/classes/\d+/lessons/\d+"', officer.get(week1).get_data(as_text=True))) == 5

    finished = sign_in(app, "k.johnson@example.com")  # week 1's lessons all done
    start = finished.post(week1 + "/start")
    assert start.status_code == 302
    take = finished.get(start.headers["Location"])
    assert take.status_code == 200 and b"Time left" in take.data

    for email in ("e.thompson@example.com", "r.nunez@example.com"):
        client = sign_in(app, email)
        page = client.get("/dashboard").get_data(as_text=True)
        for url in re.findall(r'href="(/classes/\d+/exams)"', page):
            body = client.get(url).get_data(as_text=True)
            assert ("Enrollment disqualified" in body) == (email.startswith("e."))
            for result in re.findall(r'href="(/classes/\d+/exams/\d+)"', body):
                assert client.get(result).status_code == 200

    coordinator = sign_in(app, "coordinator@example.com")
    grades = coordinator.get("/agency/grades")
    assert b"N\xc3\xba\xc3\xb1ez, Rosa" in grades.data and b"Pass" in grades.data
    admin = sign_in(app, "admin@example.com")
    course_id = pending.quiz.course_id
    for url in (f"/bank/courses/{course_id}/", f"/bank/courses/{course_id}/quizzes", f"/bank/quizzes/{pending.quiz_id}",
                f"/teach/quizzes/{pending.quiz_id}/statistics", f"/bank/courses/{course_id}/export?format=gift"):
        assert admin.get(url).status_code == 200, url
