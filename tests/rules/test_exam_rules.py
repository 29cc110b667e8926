"""The exam rules (portal.quizzes.services.rules and grading): the 70% pass mark, the exam window,
the one remediation retake, completion on required exams only, settled enrollments left alone."""
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from portal.auth.roles import Role
from portal.classes.models import Enrollment, EnrollmentStatus, TrainingClass
from portal.courses.models import Course, Module
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.progress.services import completed_lesson_ids
from portal.quizzes.models import Quiz
from portal.quizzes.services import grading, rules
from portal.quizzes.services.gradebook import lessons_and_retakes
from portal.timeutil import today
from tests.rules.exam_support import take_exam

RIGHT, WRONG = "Right", "Wrong"


@pytest.fixture
def officer_in_class(make, login):
    course = make.course(weeks=1, modules_per_week=1, lessons_per_module=1)
    instructor = make.user(Role.INSTRUCTOR)
    tc = make.training_class(course, start=today() - timedelta(days=1), instructors=[instructor])
    officer = make.user(Role.OFFICER)
    enrollment = make.enrollment(officer, tc)
    login(officer)
    return enrollment


def choice(make, course, points):
    return make.question(course, lines=f"100 | {RIGHT}\n0 | {WRONG}", points=points)


@pytest.mark.parametrize("right_points, percent, passed", [
    ((69, 1), 70, True),        # exactly the pass mark
    ((69,), 69, False),         # just below
    ((69, 1, 1), 71, True),     # just above
])
def test_an_exam_passes_at_70_percent_or_above(client, make, officer_in_class, right_points, percent, passed):
    course = officer_in_class.training_class.course
    questions = [choice(make, course, p) for p in (69, 1, 1, 29)]
    exam = make.quiz(course, questions, module=course.modules[0], questions_per_page=10)
    answers = {}
    remaining = list(right_points)
    for q in questions:
        if remaining and q.points == remaining[0]:
            answers[q.id] = RIGHT
            remaining.pop(0)
        else:
            answers[q.id] = WRONG
    attempt = take_exam(client, officer_in_class, exam, answers)
    assert attempt.percent == percent and attempt.passed is passed
    result = client.get(f"/attempts/{attempt.id}/result").get_data(as_text=True)
    assert f"{'Passed' if passed else 'Not passed'}: {percent}%" in result


def test_the_pass_mark_is_70_unless_set(make):
    course = Course(code="DEFAULTS-1", title="Defaults", weeks=1, hours=8)
    db.session.add(course)
    db.session.flush()
    exam = Quiz(course_id=course.id, title="Exam")
    db.session.add(exam)
    db.session.flush()
    assert (course.pass_mark, exam.pass_mark) == (70, 70)


def test_the_new_course_form_offers_70_as_the_pass_mark(client, make, login):
    login(make.user(Role.ADMIN))
    page = client.get("/admin/courses/new").get_data(as_text=True)
    assert 'name="pass_mark"' in page
    tag = page[page.index('name="pass_mark"') - 200: page.index('name="pass_mark"') + 200]
    assert 'value="70"' in tag


# --- the exam window --------------------------------------------------------------------------

CLASS_START = date(2026, 3, 2)
MOMENT = datetime(2026, 3, 20, 14, 30)
INSTANT = timedelta(microseconds=1)


def window(week=1, opens_at=None, closes_at=None, zone="UTC"):
    training_class = TrainingClass(start_date=CLASS_START, time_zone=zone)
    exam = Quiz(title="Exam", opens_at=opens_at, closes_at=closes_at, module=Module(week=week), course=Course(weeks=2))
    return exam, Enrollment(training_class=training_class)


def test_an_exam_window_closes_exactly_at_its_closing_time():
    exam, enrollment = window(closes_at=MOMENT)
    assert rules.quiz_window_problem(exam, enrollment, MOMENT - INSTANT) is None
    assert "closed" in rules.quiz_window_problem(exam, enrollment, MOMENT)
    assert "closed" in rules.quiz_window_problem(exam, enrollment, MOMENT + INSTANT)


def test_an_exam_window_opens_exactly_at_its_opening_time():
    exam, enrollment = window(opens_at=MOMENT)
    assert "not open yet" in rules.quiz_window_problem(exam, enrollment, MOMENT - INSTANT)
    assert rules.quiz_window_problem(exam, enrollment, MOMENT) is None
    assert rules.quiz_window_problem(exam, enrollment, MOMENT + INSTANT) is None


def test_a_weekly_exam_opens_on_the_first_day_of_its_week():
    exam, enrollment = window(week=2)
    week_two = datetime.combine(CLASS_START + timedelta(days=7), datetime.min.time())
    assert "week 2" in rules.quiz_window_problem(exam, enrollment, week_two - INSTANT)
    assert rules.quiz_window_problem(exam, enrollment, week_two) is None


@pytest.mark.parametrize("zone, midnight", [
    ("America/Chicago", datetime(2026, 3, 9, 5, 0)),  # daylight saving began on March 8: UTC-5
    ("Pacific/Guam", datetime(2026, 3, 8, 14, 0)),    # UTC+10: the day before, in UTC
])
def test_a_weekly_exam_opens_at_midnight_in_the_class_zone(zone, midnight):
    exam, enrollment = window(week=2, zone=zone)
    assert "week 2" in rules.quiz_window_problem(exam, enrollment, midnight - INSTANT)
    assert rules.quiz_window_problem(exam, enrollment, midnight) is None


def test_without_dates_an_exam_is_open_from_its_week_on():
    exam, enrollment = window()
    assert rules.quiz_window_problem(exam, enrollment, datetime.combine(CLASS_START, datetime.min.time())) is None


# --- retakes and disqualification ----------------------------------------------------------------

@pytest.fixture
def exams(make):
    course = make.course(weeks=2, modules_per_week=1, lessons_per_module=1)
    enrollment = make.enrollment(training_class=make.training_class(course), status=EnrollmentStatus.IN_PROGRESS)
    week1 = make.quiz(course, [make.question(course)], module=course.modules[0])
    week2 = make.quiz(course, [make.question(course)], module=course.modules[1])
    optional = make.quiz(course, [make.question(course)], module=course.modules[1], required=False)
    return enrollment, week1, week2, optional


def test_one_failed_exam_means_remediation_not_disqualification(make, exams):
    enrollment, week1, _week2, _optional = exams
    make.attempt(week1, enrollment, outcome=False)
    assert rules.apply_rules(enrollment) == EnrollmentStatus.REMEDIATION
    assert enrollment.status == EnrollmentStatus.REMEDIATION


def test_a_passed_retake_ends_remediation(make, exams):
    enrollment, week1, _week2, _optional = exams
    make.attempt(week1, enrollment, outcome=False)
    make.attempt(week1, enrollment, outcome=True, number=2)
    now = rules.standing(enrollment)
    assert (now.failures, now.retakes_used, now.retakes_left) == (1, 1, 0)
    assert now.failed_quiz_ids == set() and now.passed_quiz_ids == {week1.id}
    assert rules.apply_rules(enrollment) == EnrollmentStatus.IN_PROGRESS


def test_a_second_failed_exam_disqualifies(make, exams):
    enrollment, week1, week2, _optional = exams
    make.attempt(week1, enrollment, outcome=False)
    make.attempt(week2, enrollment, outcome=False)
    assert rules.apply_rules(enrollment) == EnrollmentStatus.DISQUALIFIED


def test_an_extra_retake_granted_allows_exactly_one_more_failure(make, exams):
    enrollment, week1, week2, _optional = exams
    instructor = make.user(Role.INSTRUCTOR)
    make.attempt(week1, enrollment, outcome=False)
    make.attempt(week2, enrollment, outcome=False)
    rules.grant_retake(enrollment, "  Illness during the exam  ", instructor)
    assert rules.retakes_allowed(enrollment) == 2
    assert enrollment.status == EnrollmentStatus.REMEDIATION
    make.attempt(week1, enrollment, outcome=False, number=2)
    assert rules.apply_rules(enrollment) == EnrollmentStatus.DISQUALIFIED


def test_retakes_granted_count_for_their_own_enrollment_only(make, exams):
    enrollment, *_ = exams
    other = make.enrollment()
    instructor = make.user(Role.INSTRUCTOR)
    rules.grant_retake(enrollment, "one", instructor)
    rules.grant_retake(enrollment, "two", instructor)
    assert rules.retakes_allowed_by_enrollment([enrollment.id, other.id]) == {enrollment.id: 3, other.id: 1}
    assert rules.retakes_allowed_by_enrollment([]) == {}


def test_the_dashboard_reads_retakes_and_lessons_together_as_each_alone(make, exams):
    """ExamRecords reads the completed lessons and the retakes allowed in one statement."""
    enrollment, *_ = exams
    other, untouched = make.enrollment(), make.enrollment()
    instructor = make.user(Role.INSTRUCTOR)
    rules.grant_retake(enrollment, "one", instructor)
    rules.grant_retake(enrollment, "two", instructor)
    rules.grant_retake(other, "one", instructor)
    make.lesson_done(enrollment, enrollment.training_class.course.modules[0].lessons[0])
    make.lesson_done(other, other.training_class.course.modules[0].lessons[0])
    ids = [enrollment.id, other.id, untouched.id]
    done, allowed = lessons_and_retakes(ids)
    assert (done, allowed) == (completed_lesson_ids(ids), rules.retakes_allowed_by_enrollment(ids))
    assert allowed == {enrollment.id: 3, other.id: 2, untouched.id: 1}
    assert [len(done[i]) for i in ids] == [1, 1, 0]
    assert lessons_and_retakes([]) == ({}, {})


def test_a_retake_needs_a_reason_and_an_open_enrollment(make, exams):
    enrollment, *_ = exams
    instructor = make.user(Role.INSTRUCTOR)
    with pytest.raises(ValueError, match="reason"):
        rules.grant_retake(enrollment, "   ", instructor)
    with pytest.raises(ValueError, match="reason"):
        rules.grant_retake(enrollment, None, instructor)
    assert rules.grant_retake(enrollment, "x" * 3000, instructor).reason == "x" * 2000
    for settled in (EnrollmentStatus.COMPLETED, EnrollmentStatus.WITHDRAWN):
        enrollment.status = settled
        with pytest.raises(ValueError, match=settled.label.lower()):
            rules.grant_retake(enrollment, "a reason", instructor)
    assert rules.retakes_allowed(enrollment) == 2


def test_failed_optional_exams_count_for_nothing(make, exams):
    enrollment, _week1, _week2, optional = exams
    make.attempt(optional, enrollment, outcome=False)
    make.attempt(optional, enrollment, outcome=False, number=2)
    now = rules.standing(enrollment)
    assert now.failures == 0 and now.retakes_used == 1
    assert rules.apply_rules(enrollment) == EnrollmentStatus.IN_PROGRESS


def test_an_exam_pending_grading_is_neither_passed_nor_failed(make, exams):
    enrollment, week1, _week2, _optional = exams
    make.attempt(week1, enrollment, outcome=None)
    now = rules.standing(enrollment)
    assert now.pending_quiz_ids == {week1.id} and now.failures == 0 and now.passed_quiz_ids == set()


@pytest.mark.parametrize("settled", [EnrollmentStatus.COMPLETED, EnrollmentStatus.WITHDRAWN])
def test_completed_and_withdrawn_enrollments_are_not_re_evaluated(make, exams, settled):
    enrollment, week1, week2, _optional = exams
    make.attempt(week1, enrollment, outcome=False)
    make.attempt(week2, enrollment, outcome=False)
    enrollment.status = settled
    assert rules.apply_rules(enrollment) == settled
    assert enrollment.status == settled


def test_an_enrollment_still_open_is_re_evaluated(make, exams):
    enrollment, week1, _week2, _optional = exams
    enrollment.status = EnrollmentStatus.ENROLLED
    make.attempt(week1, enrollment, outcome=True)
    assert rules.apply_rules(enrollment) == EnrollmentStatus.IN_PROGRESS


# --- completion ----------------------------------------------------------------------------------

def test_completion_needs_the_required_exams_only(client, make, officer_in_class):
    course = officer_in_class.training_class.course
    required = make.quiz(course, [choice(make, course, 1)], module=course.modules[0], title="Required exam")
    make.quiz(course, [choice(make, course, 1)], module=course.modules[0], title="Practice quiz", required=False)
    lesson = course.ordered_lessons()[0]
    client.post(f"/classes/{officer_in_class.class_id}/lessons/{lesson.id}/complete")
    assert officer_in_class.status != EnrollmentStatus.COMPLETED
    assert rules.required_exams_passed(officer_in_class) == "not passed: Required exam"
    take_exam(client, officer_in_class, required, {required.slots[0].question_id: RIGHT})
    assert officer_in_class.status == EnrollmentStatus.COMPLETED
    assert rules.required_exams_passed(officer_in_class) is None


def test_a_course_without_required_exams_asks_for_none(make, officer_in_class):
    course = officer_in_class.training_class.course
    make.quiz(course, [choice(make, course, 1)], module=course.modules[0], required=False)
    assert rules.required_exams_passed(officer_in_class) is None


def test_an_exam_pending_grading_holds_completion(make, exams):
    enrollment, week1, week2, _optional = exams
    make.attempt(week1, enrollment, outcome=True)
    make.attempt(week2, enrollment, outcome=None)
    assert rules.required_exams_passed(enrollment) == "an exam is pending grading"


# --- grading by hand ------------------------------------------------------------------------------

@pytest.fixture
def pending_essay(make, exams):
    enrollment, week1, *_ = exams
    course = enrollment.training_class.course
    essay = make.question(course, "essay", "", points=4)
    exam = make.quiz(course, [essay], module=course.modules[0], title="Essay exam")
    attempt = make.attempt(exam, enrollment, outcome=None, answers=[(essay, None)])
    attempt.max_score = 4.0
    return attempt.responses[0], make.user(Role.INSTRUCTOR)


@pytest.mark.parametrize("points, accepted", [(-0.01, False), (0, True), (4, True), (4.01, False)])
def test_a_hand_grade_lies_between_0_and_the_questions_points(pending_essay, points, accepted):
    response, grader = pending_essay
    if accepted:
        grading.grade_response(response, points, "", grader)
        assert response.score == points
    else:
        with pytest.raises(grading.GradingError, match="between 0 and 4"):
            grading.grade_response(response, points, "", grader)
        assert response.manual_score is None


def test_the_last_hand_grade_finalizes_the_attempt_at_the_pass_mark(pending_essay):
    response, grader = pending_essay
    grading.grade_response(response, 2.8, "Good enough", grader)  # 70%
    attempt = response.attempt
    assert attempt.status.value == "graded" and attempt.percent == 70 and attempt.passed is True


@pytest.mark.parametrize("points, passed, shown", [
    (2.7984, False, 69.9),  # 69.96%: short of 70 however it would round
    (2.8, True, 70.0),      # exactly the pass mark
    (2.8004, True, 70.0),   # 70.01%
])
def test_the_pass_mark_is_met_by_the_exact_score_and_a_failing_percent_never_shows_as_70(pending_essay, points, passed, shown):
    response, grader = pending_essay
    grading.grade_response(response, points, "", grader)
    attempt = response.attempt
    assert (attempt.passed, attempt.percent) == (passed, shown)


def test_a_regrade_needs_a_reason(pending_essay):
    response, grader = pending_essay
    grading.grade_response(response, 2.7, "", grader)  # 67.5%: not passed
    assert response.attempt.passed is False
    with pytest.raises(grading.GradingError, match="reason") as refused:
        grading.grade_response(response, 3, "", grader, reason="  ")
    assert refused.value.field == "reason"
    grading.grade_response(response, 3, "", grader, reason="Recounted")
    assert response.score == 3 and response.attempt.passed is True


def test_an_attempt_is_seen_by_administrators_and_the_instructors_of_its_class_only(make, exams):
    enrollment, week1, *_ = exams
    attempt = make.attempt(week1, enrollment, outcome=None)
    teacher = make.user(Role.INSTRUCTOR)
    enrollment.training_class.instructors.append(teacher)
    db.session.flush()
    seen = {role: grading.can_see_attempt(make.user(role), attempt) for role in Role}
    assert seen == {Role.ADMIN: True, Role.INSTRUCTOR: False, Role.COORDINATOR: False, Role.OFFICER: False}
    assert grading.can_see_attempt(teacher, attempt) is True
    assert grading.can_see_attempt(enrollment.officer, attempt) is False


@pytest.mark.parametrize("fraction, max_points, earned", [(1, 4, 4), (0.7, 3, 2.1), (1 / 3, 1, 0.3333), (0, 5, 0)])
def test_points_are_the_fraction_of_the_questions_points_to_four_places(fraction, max_points, earned):
    assert grading.points(fraction, max_points) == earned


def test_an_answered_essay_waits_for_a_grader_and_a_blank_one_scores_0_at_once(make, exams):
    enrollment, week1, *_ = exams
    course = enrollment.training_class.course
    essay, choice_question = make.question(course, "essay", "", points=3), choice(make, course, 2)
    exam = make.quiz(course, [essay, choice_question], module=course.modules[0])
    attempt = make.attempt(exam, enrollment, outcome="open", answers=[(essay, None), (choice_question, None)])
    choice_response = attempt.responses[1]
    choice_response.answer = choice_question.type.model_answer(choice_question, right=True)
    grading.auto_grade(attempt)
    essay_response = attempt.responses[0]
    assert (essay_response.auto_score, essay_response.needs_grading) == (None, True)
    assert (choice_response.auto_score, choice_response.needs_grading) == (2.0, False)
    assert attempt.max_score == 5 and attempt.status.value == "pending_grading" and attempt.passed is None

    essay_response.answer = None
    grading.auto_grade(attempt)
    assert (essay_response.auto_score, essay_response.needs_grading) == (0.0, False)
    assert attempt.status.value == "graded" and attempt.score == 2 and attempt.passed is False  # 40%


def test_every_hand_grade_and_regrade_is_kept_with_its_grader_and_reason(pending_essay):
    response, grader = pending_essay
    grading.grade_response(response, 2, "  Needs sources.  ", grader)
    assert (response.manual_score, response.feedback, response.grader_id) == (2, "Needs sources.", grader.id)
    assert response.graded_at is not None and response.attempt.graded_at is not None
    grading.grade_response(response, 3.5, "", grader, reason=" Recounted ")
    changes = grading.grade_history(response.attempt)
    assert [(c.old_score, c.new_score, c.reason, c.grader_id) for c in changes] == [
        (None, 2, "", grader.id), (2, 3.5, "Recounted", grader.id)]


def test_the_officer_is_told_when_the_last_answer_is_graded_by_hand(pending_essay):
    response, grader = pending_essay
    officer = response.attempt.enrollment.officer
    grading.grade_response(response, 4, "", grader)
    grading.grade_response(response, 3, "", grader, reason="Recounted")  # a regrade keeps the first message
    told = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "grading_done")).all()
    assert [m.to_address for m in told] == [officer.email] and "100%" in told[0].body


def test_an_ungraded_attempt_cannot_be_graded_by_hand(make, exams):
    enrollment, week1, *_ = exams
    essay = make.question(enrollment.training_class.course, "essay", "")
    attempt = make.attempt(week1, enrollment, outcome="open", answers=[(essay, None)])
    with pytest.raises(grading.GradingError, match="not been submitted"):
        grading.grade_response(attempt.responses[0], 1, "", make.user(Role.INSTRUCTOR))


def test_remediation_and_disqualification_are_each_announced_once(make, exams):
    enrollment, week1, week2, _optional = exams
    make.attempt(week1, enrollment, outcome=False)
    rules.apply_rules(enrollment)
    rules.apply_rules(enrollment)  # no change: no second message
    make.attempt(week2, enrollment, outcome=False)
    rules.apply_rules(enrollment)
    kinds = db.session.scalars(sa.select(OutboxMessage.kind).where(OutboxMessage.to_address == enrollment.officer.email)
                               .order_by(OutboxMessage.id)).all()
    assert kinds == ["remediation", "disqualified"]


def test_hand_grades_are_kept_to_four_places_with_their_texts_cut_at_their_limits(pending_essay):
    response, grader = pending_essay
    grading.grade_response(response, 2.333333, None, grader)
    assert (response.manual_score, response.feedback) == (2.3333, "")
    grading.grade_response(response, 3, "f" * 15000, grader, reason="r" * 3000)
    assert len(response.feedback) == 10000
    assert grading.grade_history(response.attempt)[-1].reason == "r" * 2000
    with pytest.raises(grading.GradingError, match="reason"):
        grading.grade_response(response, 1, "", grader)  # a regrade, and no reason given at all


def test_an_automatically_graded_attempt_is_dated_when_asked_and_tells_no_one(make, exams):
    enrollment, week1, *_ = exams
    course = enrollment.training_class.course
    questions = [choice(make, course, 0.33333) for _ in range(3)]
    exam = make.quiz(course, questions, module=course.modules[0])
    attempt = make.attempt(exam, enrollment, outcome="open", answers=[(q, None) for q in questions])
    for response in attempt.responses:
        response.answer = response.question.type.model_answer(response.question, right=True)
    at = datetime(2026, 3, 20, 14, 30)
    grading.auto_grade(attempt, now=at)
    assert (attempt.max_score, attempt.score, attempt.graded_at) == (1.0, 0.9999, at)  # each to four places
    assert db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "grading_done")).all() == []


def test_every_retake_taken_is_counted(make, exams):
    enrollment, week1, week2, _optional = exams
    rules.grant_retake(enrollment, "Second chance", make.user(Role.INSTRUCTOR))
    make.attempt(week1, enrollment, outcome=False)
    make.attempt(week1, enrollment, outcome=True, number=2)
    make.attempt(week2, enrollment, outcome=False)
    make.attempt(week2, enrollment, outcome=True, number=2)
    now = rules.standing(enrollment)
    assert (now.retakes_used, now.retakes_allowed, now.retakes_left, now.failures) == (2, 2, 0, 2)


def test_standing_uses_the_attempts_and_retakes_it_is_given(make, exams):
    """Pages showing many enrollments load them once and pass them in."""
    enrollment, week1, week2, _optional = exams
    make.attempt(week1, enrollment, outcome=False)
    make.attempt(week2, enrollment, outcome=False)
    given = rules.standing(enrollment, attempts=[], retakes=5)
    assert (given.failures, given.retakes_allowed, given.disqualified) == (0, 5, False)
