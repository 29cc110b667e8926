"""The program's exam rules, manual grading with audited regrades, gradebooks and completion."""
import csv
import io
import re

import sqlalchemy as sa

from portal.auth.roles import Role
from portal.classes.models import EnrollmentStatus
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.progress.models import LessonProgress
from portal.quizzes.models import AttemptStatus, GradeChange, RetakeGrant
from portal.signals import enrollment_completed
from tests.quizzes.conftest import take


def status(w):
    db.session.refresh(w.enrollment)
    return w.enrollment.status


def start_response(client, w, quiz):
    return client.post(f"/classes/{w.training_class.id}/exams/{quiz.id}/start", follow_redirects=True)


def test_fail_then_pass_the_retake_then_fail_another_exam_disqualifies(client, login, world):
    w = world
    login(w.officer)
    take(client, w, w.week1, correct=False)
    assert status(w) == EnrollmentStatus.REMEDIATION
    assert b"Remediation" in client.get(f"/classes/{w.training_class.id}/exams").data
    retake = take(client, w, w.week1, correct=True)
    assert retake.is_retake and retake.passed and status(w) == EnrollmentStatus.IN_PROGRESS
    take(client, w, w.week2, correct=False)  # a second failed exam, the retake counted
    assert status(w) == EnrollmentStatus.DISQUALIFIED
    assert b"Enrollment disqualified" in client.get(f"/classes/{w.training_class.id}/exams").data
    r = start_response(client, w, w.week2)
    assert b"disqualified" in r.data
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "disqualified")) == 1
    )


def test_failing_the_retake_disqualifies(client, login, world):
    w = world
    login(w.officer)
    take(client, w, w.week1, correct=False)
    take(client, w, w.week1, correct=False)
    assert status(w) == EnrollmentStatus.DISQUALIFIED


def test_only_one_retake_for_the_whole_course(client, login, world):
    w = world
    w.week2.attempts_allowed = 3
    login(w.officer)
    take(client, w, w.week1, correct=False)
    take(client, w, w.week1, correct=True)  # the retake is used
    # week 2 first attempt passes; no retake is needed
    take(client, w, w.week2, correct=True)
    assert status(w) == EnrollmentStatus.IN_PROGRESS


def test_failing_two_different_exams_without_retake_disqualifies(client, login, world):
    w = world
    login(w.officer)
    take(client, w, w.week1, correct=False)
    take(client, w, w.week2, correct=False)
    assert status(w) == EnrollmentStatus.DISQUALIFIED


def test_instructor_grants_another_retake_with_a_reason(client, login, world):
    w = world
    login(w.officer)
    take(client, w, w.week1, correct=False)
    take(client, w, w.week1, correct=False)
    assert status(w) == EnrollmentStatus.DISQUALIFIED
    client.post("/logout")
    login(w.instructor)
    url = f"/teach/enrollments/{w.enrollment.id}/retake"
    empty = client.post(url, data={"reason": ""})
    assert empty.status_code == 200 and b"This field is required" in empty.data
    assert client.post(url, data={"reason": "Documented medical absence during week 1"}).status_code == 302
    grant = db.session.scalar(sa.select(RetakeGrant))
    assert grant.granted_by_id == w.instructor.id and "medical" in grant.reason
    assert status(w) == EnrollmentStatus.REMEDIATION
    client.post("/logout")
    login(w.officer)
    w.week1.attempts_allowed = 2  # the grant adds one attempt to the quiz's own limit
    attempt = take(client, w, w.week1, correct=True)
    assert attempt.number == 3 and attempt.passed and status(w) == EnrollmentStatus.IN_PROGRESS


def test_other_instructors_cannot_grant_or_grade(client, login, make, world):
    w = world
    login(w.officer)
    attempt = take(client, w, w.final)
    client.post("/logout")
    login(make.user(Role.INSTRUCTOR))
    assert client.get(f"/teach/enrollments/{w.enrollment.id}/retake").status_code == 404
    assert client.get(f"/teach/grading/attempts/{attempt.id}").status_code == 404
    assert client.post(f"/teach/responses/{attempt.responses[1].id}/grade").status_code == 404
    assert client.get(f"/teach/classes/{w.training_class.id}/gradebook").status_code == 404
    assert client.get(f"/teach/grading/questions/{w.essay.id}").status_code == 404
    assert client.get(f"/teach/quizzes/{w.final.id}/statistics").status_code == 404
    assert b"Nothing to grade" in client.get("/teach/grading").data


def complete_lessons(w):
    for lesson in w.course.ordered_lessons():
        db.session.add(LessonProgress(enrollment_id=w.enrollment.id, lesson_id=lesson.id))
    db.session.flush()


def test_pending_essay_blocks_completion_until_graded(client, login, world):
    w = world
    complete_lessons(w)
    completed = []
    enrollment_completed.connect(completed.append, weak=False)
    try:
        login(w.officer)
        take(client, w, w.week1)
        take(client, w, w.week2)
        final = take(client, w, w.final)
        assert final.status == AttemptStatus.PENDING_GRADING and final.score is None
        assert status(w) != EnrollmentStatus.COMPLETED
        assert b"Pending grading" in client.get(f"/attempts/{final.id}/result").data
        client.post("/logout")
        login(w.instructor)
        queue = client.get("/teach/grading")
        assert w.officer.sort_name.encode() in queue.data
        by_question = client.get("/teach/grading?by=question")
        assert w.essay.name.encode() in by_question.data
        book = client.get(f"/teach/classes/{w.training_class.id}/gradebook")
        assert b"Pending grading" in book.data and b"0% Fail" not in book.data
        essay_response = next(r for r in final.responses if r.question_id == w.essay.id)
        page = client.get(f"/teach/grading/questions/{w.essay.id}")
        assert b"My essay." in page.data
        too_many = client.post(
            f"/teach/responses/{essay_response.id}/grade",
            data={f"r{essay_response.id}-points": "5", f"r{essay_response.id}-back": "question"},
            follow_redirects=True,
        )
        assert b"between 0 and 4" in too_many.data
        r = client.post(f"/teach/responses/{essay_response.id}/grade",
                        data={f"r{essay_response.id}-points": "3", f"r{essay_response.id}-feedback": "Good, cite the MOA."})
        assert r.status_code == 302
        db.session.refresh(final)
        assert final.status == AttemptStatus.GRADED and final.score == 4 and final.passed  # 4 of 5 = 80%
        assert status(w) == EnrollmentStatus.COMPLETED and w.enrollment.completed_at is not None
        assert [e.id for e in completed] == [w.enrollment.id]
        client.post("/logout")
        login(w.officer)
        assert b"Good, cite the MOA." in client.get(f"/attempts/{final.id}/result").data
    finally:
        enrollment_completed.disconnect(completed.append)


def test_regrade_needs_a_reason_and_is_audited(client, login, world):
    w = world
    login(w.officer)
    attempt = take(client, w, w.week1, correct=False)
    assert status(w) == EnrollmentStatus.REMEDIATION
    client.post("/logout")
    login(w.instructor)
    response = attempt.responses[0]
    prefix = f"r{response.id}"
    no_reason = client.post(f"/teach/responses/{response.id}/grade", data={f"{prefix}-points": "1"}, follow_redirects=True)
    assert b"give the reason" in no_reason.data
    assert client.post(f"/teach/responses/{response.id}/grade",
                       data={f"{prefix}-points": "1", f"{prefix}-reason": "Choice B is also defensible"}).status_code == 302
    change = db.session.scalar(sa.select(GradeChange))
    assert (change.old_score, change.new_score, change.grader_id) == (0, 1, w.instructor.id)
    assert change.reason == "Choice B is also defensible"
    db.session.refresh(attempt)
    assert attempt.passed and status(w) == EnrollmentStatus.IN_PROGRESS  # the rules follow the regrade
    page = client.get(f"/teach/grading/attempts/{attempt.id}")
    assert b"Choice B is also defensible" in page.data


def test_gradebook_policy_and_csv(client, login, world):
    w = world
    w.week1.attempts_allowed = 2
    login(w.officer)
    take(client, w, w.week1, correct=False)
    take(client, w, w.week1, correct=True)
    client.post("/logout")
    login(w.instructor)
    book = client.get(f"/teach/classes/{w.training_class.id}/gradebook")
    assert b"100% Pass" in book.data and b"(2 attempts)" in book.data
    csv_response = client.get(f"/teach/classes/{w.training_class.id}/gradebook.csv")
    assert csv_response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(csv_response.data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Officer", "Email", "Agency", "Status"] and "Week 1 exam" in rows[0]
    assert rows[1][rows[0].index("Week 1 exam")] == "100% Pass"
    assert rows[1][rows[0].index("Final exam")] == "Not attempted"
    w.week1.grading_policy = "last"
    db.session.flush()
    assert b"100% Pass" in client.get(f"/teach/classes/{w.training_class.id}/gradebook").data


def test_coordinators_see_their_agencys_grades_only(client, login, make, world):
    w = world
    stranger = make.enrollment(training_class=w.training_class)
    login(w.officer)
    take(client, w, w.week1)
    client.post("/logout")
    login(make.user(Role.COORDINATOR, agency=w.officer.agency))
    page = client.get("/agency/grades")
    assert w.officer.sort_name.encode() in page.data and b"100% Pass" in page.data
    assert stranger.officer.sort_name.encode() not in page.data


def test_item_analysis(client, login, make, world):
    w = world
    officers = [w.enrollment] + [make.enrollment(training_class=w.training_class) for _ in range(3)]
    good = w.choice
    bad = make.question(w.course, lines="100 | Right answer\n0 | Wrong answer")
    quiz = make.quiz(w.course, [good, bad], module=w.course.modules[0], review_policy="after_submit")
    pattern = [(True, False), (True, False), (False, True), (False, True)]  # the "bad" key discriminates negatively
    for enrollment, (first, second) in zip(officers, pattern, strict=True):
        client.post("/logout")
        login(enrollment.officer)
        client.post(f"/classes/{w.training_class.id}/exams/{quiz.id}/start")
        from tests.quizzes.conftest import latest_attempt, value_of
        attempt = latest_attempt(enrollment, quiz)
        client.post(f"/attempts/{attempt.id}/save", data={"page": "1", "action": "finish",
                                                          f"q{good.id}": value_of(attempt, good.id, "a" if first else "b"),
                                                          f"q{bad.id}": value_of(attempt, bad.id, "a" if second else "b")})
        client.post(f"/attempts/{attempt.id}/submit")
    client.post("/logout")
    login(w.instructor)
    page = client.get(f"/teach/quizzes/{quiz.id}/statistics").get_data(as_text=True)
    assert "first graded attempt of 4 officers" in page
    rows = {m[1]: re.findall(r"<td>(.*?)</td>", m[2]) for m in re.finditer(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', page)}
    # Facility and discrimination cells: each question against the rest of the quiz (here, the other one).
    assert rows[good.name][2:] == rows[bad.name][2:] == ["50%", "-100 <strong>(check)</strong>"]


def test_a_refused_grade_is_shown_next_to_its_field_and_keeps_what_was_typed(client, login, world):
    w = world
    login(w.officer)
    take(client, w, w.week1)
    take(client, w, w.week2)
    final = take(client, w, w.final)
    client.post("/logout")
    login(w.instructor)
    essay = next(r for r in final.responses if r.question_id == w.essay.id)
    prefix = f"r{essay.id}"
    for back, points, message in [("attempt", "5", "Points must be between 0 and 4."), ("question", "", "Enter the points."),
                                  ("attempt", "four", "Not a valid decimal value.")]:
        page = client.post(f"/teach/responses/{essay.id}/grade",
                           data={f"{prefix}-points": points, f"{prefix}-feedback": "Cite the MOA <section>.",
                                 f"{prefix}-back": back})
        assert page.status_code == 400  # the page again, not a redirect to a flash
        html = page.get_data(as_text=True)
        assert "<title>Error: Grade" in html
        assert f'<a href="#{prefix}-points">Points: {message}</a>' in html
        assert f'id="{prefix}-points-error"' in html and 'aria-invalid="true"' in html
        assert "Cite the MOA &lt;section&gt;.</textarea>" in html  # what the grader wrote is kept, escaped
    db.session.refresh(essay)
    assert essay.pending and essay.feedback in (None, "")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GradeChange)) == 0
    client.post(f"/teach/responses/{essay.id}/grade", data={f"{prefix}-points": "4", f"{prefix}-back": "attempt"})
    refused = client.post(f"/teach/responses/{essay.id}/grade", data={f"{prefix}-points": "3", f"{prefix}-back": "attempt"})
    assert refused.status_code == 400
    assert f'<a href="#{prefix}-reason">' in refused.get_data(as_text=True)  # a regrade's missing reason
