"""Real races on PostgreSQL: several connections committing at the same moment.

These tests cannot run inside the rolled-back test transaction: they commit through the real
engine and delete what they made afterwards."""
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.auth.roles import Role
from portal.extensions import db
from portal.quizzes.models import Attempt, AttemptStatus
from portal.timeutil import today
from tests import factories
from tests.databases import postgres_server_url
from tests.quizzes.conftest import value_of

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(postgres_server_url() is None, reason="needs PostgreSQL (TEST_DATABASE_URL)"),
]


@pytest.fixture
def committed(app, db_transaction):
    """Use the real engine for this test; afterwards delete every row it committed."""
    engines = db.engines
    engines[None] = db_transaction.engine
    db.session.remove()
    with db.engine.connect() as conn:
        marks = {t: conn.execute(sa.text(f"SELECT coalesce(max(id), 0) FROM {t}")).scalar() for t in TABLES}
    try:
        yield
    finally:
        db.session.remove()
        with db.engine.begin() as conn:
            conn.execute(sa.text("SET LOCAL session_replication_role = replica"))  # lets the audit rows go too
            for table in TABLES:
                conn.execute(sa.text(f"DELETE FROM {table} WHERE id > :mark"), {"mark": marks[table]})
        engines[None] = db_transaction


# children first (session_replication_role = replica skips foreign-key actions)
TABLES = ["grade_changes", "responses", "attempts", "quiz_slots", "quizzes", "questions", "question_categories",
          "lesson_progress", "enrollments", "training_classes", "user_sessions", "outbox_messages", "audit_events",
          "lessons", "modules", "courses", "users", "agreements", "agencies"]


def build(attempts_allowed=2):
    course = factories.course(weeks=1, modules_per_week=1, lessons_per_module=1)
    tc = factories.training_class(course, start=today() - timedelta(days=1))
    officer = factories.user(Role.OFFICER)
    enrollment = factories.enrollment(officer, tc)
    question = factories.question(course)
    quiz = factories.quiz(course, [question], module=course.modules[0], attempts_allowed=attempts_allowed)
    db.session.commit()
    return tc.id, officer.email, quiz.id, question.id, enrollment.id


def race(app, email, requests):
    """Sign in one client per request, then fire them all at once. Returns the status codes."""
    clients = []
    for _ in requests:
        client = app.test_client()
        assert client.post("/login", data={"email": email, "password": factories.PASSWORD}).status_code == 302
        clients.append(client)
    barrier = threading.Barrier(len(requests))
    codes = [None] * len(requests)

    def fire(i, client, path, data):
        with app.app_context():
            barrier.wait()
            codes[i] = client.post(path, data=data).status_code
            db.session.remove()

    threads = [threading.Thread(target=fire, args=(i, c, *req)) for i, (c, req) in enumerate(zip(clients, requests, strict=True))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return codes


def attempts(enrollment_id):
    db.session.expire_all()
    return db.session.scalars(sa.select(Attempt).where(Attempt.enrollment_id == enrollment_id)).all()


def test_two_racing_starts_make_one_attempt(app, committed):
    class_id, email, quiz_id, _q, enrollment_id = build()
    codes = race(app, email, [(f"/classes/{class_id}/exams/{quiz_id}/start", {})] * 4)
    assert all(code == 302 for code in codes)
    assert len(attempts(enrollment_id)) == 1


def test_two_concurrent_submits_score_once(app, committed):
    class_id, email, quiz_id, question_id, enrollment_id = build()
    race(app, email, [(f"/classes/{class_id}/exams/{quiz_id}/start", {})])
    (attempt,) = attempts(enrollment_id)
    answer = {"page": "1", f"q{question_id}": value_of(attempt, question_id, "b")}
    codes = race(app, email, [(f"/attempts/{attempt.id}/save", answer)] + [(f"/attempts/{attempt.id}/submit", {})] * 3)
    assert all(code in (200, 302) for code in codes)
    (attempt,) = attempts(enrollment_id)
    assert attempt.status == AttemptStatus.GRADED
    with db.engine.connect() as conn:
        graded = conn.execute(sa.text("SELECT count(*) FROM audit_events WHERE action = 'attempt_graded' AND target_id = :id"),
                              {"id": str(attempt.id)}).scalar()
    assert graded == 1


def test_racing_retakes_never_exceed_the_limit(app, committed):
    class_id, email, quiz_id, question_id, enrollment_id = build(attempts_allowed=2)
    race(app, email, [(f"/classes/{class_id}/exams/{quiz_id}/start", {})])
    (attempt,) = attempts(enrollment_id)
    wrong = {"page": "1", f"q{question_id}": value_of(attempt, question_id, "b")}
    race(app, email, [(f"/attempts/{attempt.id}/save", wrong)])
    race(app, email, [(f"/attempts/{attempt.id}/submit", {})])
    # failed: one retake allowed; four tabs try to start it at once, then submit it
    race(app, email, [(f"/classes/{class_id}/exams/{quiz_id}/start", {})] * 4)
    made = attempts(enrollment_id)
    assert len(made) == 2 and sum(a.is_retake for a in made) == 1
    retake = next(a for a in made if a.is_retake)
    race(app, email, [(f"/attempts/{retake.id}/submit", {})] * 3)
    race(app, email, [(f"/classes/{class_id}/exams/{quiz_id}/start", {})] * 3)
    assert len(attempts(enrollment_id)) == 2
