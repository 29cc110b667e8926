"""Exam results, for those who teach and oversee: instructors' grading queue, grading and regrading
(by attempt or by question), class gradebooks and their CSV, retake grants, item analysis and its
CSV, and the exams they teach; coordinators' view of their agency's grades.

The blueprint is named `grading` although it holds more than grading: its endpoint names
(`grading.gradebook`, `grading.statistics`, ...) are used throughout the templates and tests."""
import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask import Response as FlaskResponse
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal.access import roles
from portal.auth.models import User
from portal.auth.roles import Role
from portal.classes.models import Enrollment, TrainingClass
from portal.courses.models import Course
from portal.extensions import db
from portal.form_fields import add_error
from portal.pagination import page_number, paginate
from portal.quizzes.forms import GradeForm, RetakeForm
from portal.quizzes.models import Attempt, Question, Quiz, Response
from portal.quizzes.services import grading, rules
from portal.quizzes.services.gradebook import (
    attempt_summaries,
    class_gradebook,
    enrollment_rows,
    gradebook_csv,
    gradebook_sorts,
    item_analysis,
    item_analysis_csv,
)
from portal.quizzes.views_bank import may_author
from portal.sorting import requested_sort

bp = Blueprint("grading", __name__, template_folder="templates")

STAFF = (Role.INSTRUCTOR, Role.ADMIN)


def visible_attempt(attempt_id: int) -> Attempt:
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.is_open or not grading.can_see_attempt(current_user, attempt):
        abort(404)
    return attempt


def visible_class(class_id: int) -> TrainingClass:
    training_class = db.session.get(TrainingClass, class_id)
    if training_class is None or (current_user.role == Role.INSTRUCTOR and current_user not in training_class.instructors):
        abort(404)
    return training_class


@bp.get("/teach/grading")
@roles(*STAFF)
def queue():
    by = "question" if request.args.get("by") == "question" else "attempt"
    if by == "question":
        return render_template("quizzes/grading_queue.html", by=by, questions=grading.pending_by_question(current_user))
    return render_template("quizzes/grading_queue.html", by=by, page=paginate(grading.pending_attempts(current_user)))


def grade_form(response: Response, back: str, **data) -> GradeForm:
    """The grading form of one response, filled from what it holds now (not from the request)."""
    form = GradeForm(prefix=f"r{response.id}", formdata=None, back=back, **data)
    return with_points_hint(form, response)


def with_points_hint(form: GradeForm, response: Response) -> GradeForm:
    form.points.description = f"From 0 to {response.max_points:g}."
    return form


def grading_page(template: str, forms: dict[int, GradeForm], refused: tuple[int, GradeForm] | None, **context):
    """A page of grading forms; `refused` (response id, form) is a grade just refused, shown as
    sent with its errors (and as the page's `form`: an error summary and an "Error: " title)."""
    form = None
    if refused is not None:
        response_id, form = refused
        forms[response_id] = form
    return render_template(template, forms=forms, form=form, **context)


def attempt_page(attempt: Attempt, refused: tuple[int, GradeForm] | None = None, focus: int | None = None):
    """The grading workspace of one attempt: the answers waiting for a grade first, each with its
    form; the graded ones (automatic or by hand) after them, collapsed, still regradable. `focus`:
    the answer waiting whose points field takes the focus (the next to grade, after a save)."""
    forms = {r.id: grade_form(r, "attempt", points=r.score, feedback=r.feedback) for r in attempt.responses}
    pending = [r for r in attempt.responses if r.pending]
    if focus in {r.id for r in pending} and refused is None:
        forms[focus].points.render_kw = {**(forms[focus].points.render_kw or {}), "autofocus": True}
    return grading_page("quizzes/grade_attempt.html", forms, refused, attempt=attempt, pending=pending,
                        graded=[r for r in attempt.responses if not r.pending], open_id=refused[0] if refused else None,
                        history=grading.grade_history(attempt), standing=rules.standing(attempt.enrollment))


QUESTION_PAGE_SIZE = 20


def question_page(question: Question, refused: tuple[int, GradeForm] | None = None):
    """A page of the answers to one question waiting for a grade: page ?page=N, which the grading
    forms post back (so that a refused grade comes back on the page it was typed on). Should that
    answer have moved to another page meanwhile (answers before it graded by someone else), the
    page that holds it is shown, so that the error and the text typed are never out of view."""
    pending = grading.pending_responses(current_user, question.id).options(
        selectinload(Response.attempt).selectinload(Attempt.enrollment).selectinload(Enrollment.officer))
    page = paginate(pending, per_page=QUESTION_PAGE_SIZE)
    if refused is not None and refused[0] not in {r.id for r in page.items}:
        ids = list(db.session.scalars(pending.with_only_columns(Response.id)))
        if refused[0] in ids:
            page = paginate(pending, per_page=QUESTION_PAGE_SIZE, number=ids.index(refused[0]) // QUESTION_PAGE_SIZE + 1)
    forms = {r.id: grade_form(r, "question") for r in page.items}
    return grading_page("quizzes/grade_question.html", forms, refused, question=question, page=page)


@bp.get("/teach/grading/attempts/<int:attempt_id>")
@roles(*STAFF)
def grade_attempt(attempt_id: int):
    return attempt_page(visible_attempt(attempt_id), focus=request.args.get("focus", type=int))


def authored_question(question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None or not may_author(question.course_id):
        abort(404)
    return question


@bp.get("/teach/grading/questions/<int:question_id>")
@roles(*STAFF)
def grade_question(question_id: int):
    return question_page(authored_question(question_id))


@bp.post("/teach/responses/<int:response_id>/grade")
@roles(*STAFF)
def grade(response_id: int):
    response = db.session.get(Response, response_id)
    if response is None:
        abort(404)
    attempt = visible_attempt(response.attempt_id)
    form = with_points_hint(GradeForm(prefix=f"r{response.id}"), response)
    back_to_question = form.back.data == "question"
    if form.validate_on_submit():
        try:
            points = form.points.data
            assert points is not None  # InputRequired
            grading.grade_response(response, float(points), form.feedback.data or "", current_user, form.reason.data or "")
        except grading.GradingError as exc:
            db.session.rollback()
            add_error(form[exc.field], str(exc))
        else:
            if back_to_question:
                db.session.commit()
                flash(graded_message(response), "success")
                number = page_number(request.args.get("page"))
                return redirect(url_for("grading.grade_question", question_id=response.question_id,
                                        page=number if number > 1 else None))
            return after_grading(response, then_next=request.form.get("then") == "next")
    # Refused: the same page again (no redirect), the errors next to the fields and in a summary
    # that takes the focus, and what the grader typed kept.
    if back_to_question:
        return question_page(authored_question(response.question_id), (response.id, form)), 400
    return attempt_page(attempt, (response.id, form)), 400


def graded_message(response: Response) -> str:
    return f"Question {response.position} of {response.attempt.enrollment.officer.full_name}'s attempt graded."


def after_grading(response: Response, then_next: bool):
    """Commit a grade saved on the attempt's page and go on: to the next answer waiting in the class
    ("Save and next ungraded"), else back to this attempt, the focus on its next answer waiting.
    The confirmation sticks to the top of the workspace, in view above the focused answer."""
    attempt = response.attempt
    upcoming = grading.next_ungraded(current_user, attempt)
    db.session.commit()
    graded, training_class = graded_message(response), attempt.enrollment.training_class
    if not then_next:
        flash(graded, "success")
        focus = upcoming.id if upcoming is not None and upcoming.attempt_id == attempt.id else None
        return redirect(url_for("grading.grade_attempt", attempt_id=attempt.id, focus=focus))
    if upcoming is None:
        flash(f"{graded} No other answer in {training_class.name} is waiting for a grade.", "success")
        return redirect(url_for("grading.queue"))
    officer = upcoming.attempt.enrollment.officer.full_name
    flash(f"{graded} Next ungraded: question {upcoming.position} of {officer}'s {upcoming.attempt.quiz.title}, "
          f"attempt {upcoming.attempt.number}.", "success")
    return redirect(url_for("grading.grade_attempt", attempt_id=upcoming.attempt_id, focus=upcoming.id))


@bp.get("/teach/classes/<int:class_id>/gradebook")
@roles(*STAFF)
def gradebook(class_id: int):
    training_class = visible_class(class_id)
    quizzes, rows = class_gradebook(training_class)
    sorts = gradebook_sorts(quizzes)
    sort = requested_sort(sorts, "officer")
    attempt_url = url_for("grading.grade_attempt", attempt_id=0).removesuffix("0")
    return render_template("quizzes/gradebook.html", training_class=training_class, quizzes=quizzes,
                           rows=sort.apply(rows, sorts), sort=sort, attempt_url=attempt_url)


@bp.get("/teach/classes/<int:class_id>/gradebook.csv")
@roles(*STAFF)
def gradebook_export(class_id: int):
    training_class = visible_class(class_id)
    filename = f"gradebook-class-{training_class.id}.csv"
    return FlaskResponse(gradebook_csv(training_class), mimetype="text/csv",
                         headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/teach/enrollments/<int:enrollment_id>/retake", methods=["GET", "POST"])
@roles(*STAFF)
def grant_retake(enrollment_id: int):
    enrollment = db.session.get(Enrollment, enrollment_id)
    if enrollment is None:
        abort(404)
    visible_class(enrollment.class_id)
    form = RetakeForm()
    if form.validate_on_submit():
        try:
            rules.grant_retake(enrollment, form.reason.data or "", current_user)
            db.session.commit()
            flash(f"{enrollment.officer.full_name} may take one more retake.", "success")
            return redirect(url_for("grading.gradebook", class_id=enrollment.class_id))
        except ValueError as exc:
            db.session.rollback()
            add_error(form.reason, str(exc))
    return render_template("quizzes/grant_retake.html", enrollment=enrollment, form=form, standing=rules.standing(enrollment))


def analysed_quiz(quiz_id: int) -> tuple[Quiz, list[int] | None]:
    """The quiz and the classes whose attempts the viewer may analyse (None: all, for an admin)."""
    quiz = db.get_or_404(Quiz, quiz_id)
    class_ids = None
    if current_user.role == Role.INSTRUCTOR:
        class_ids = [c.id for c in grading.classes_taught(current_user) if c.course_id == quiz.course_id]
        if not class_ids:
            abort(404)
    return quiz, class_ids


@bp.get("/teach/quizzes/<int:quiz_id>/statistics")
@roles(*STAFF)
def statistics(quiz_id: int):
    quiz, class_ids = analysed_quiz(quiz_id)
    count, stats = item_analysis(quiz, class_ids)
    return render_template("quizzes/statistics.html", quiz=quiz, count=count, stats=stats)


@bp.get("/teach/quizzes/<int:quiz_id>/statistics.csv")
@roles(*STAFF)
def statistics_export(quiz_id: int):
    quiz, class_ids = analysed_quiz(quiz_id)
    return FlaskResponse(item_analysis_csv(quiz, class_ids), mimetype="text/csv",
                         headers={"Content-Disposition": f'attachment; filename="item-analysis-exam-{quiz.id}.csv"'})


@bp.get("/teach/exams")
@roles(*STAFF)
def teaching_exams():
    """Gradebooks 25 classes a page (an administrator sees every class the program ever ran); the
    courses of all those classes, and their exams, in full: they are as many as the curriculum has."""
    taught = grading.classes_taught_query(current_user)
    page = paginate(taught.options(selectinload(TrainingClass.course)))
    courses = db.session.scalars(
        sa.select(Course).where(Course.id.in_(taught.with_only_columns(TrainingClass.course_id).order_by(None)))
        .order_by(Course.code)
    ).all()
    by_course = rules.quizzes_by_course([c.id for c in courses])
    quizzes = [quiz for course in courses for quiz in by_course[course.id]]
    pending = db.session.scalar(sa.select(sa.func.count()).select_from(grading.pending_responses(current_user).subquery()))
    return render_template("quizzes/teaching_exams.html", page=page, courses=courses, quizzes=quizzes, pending=pending)


@bp.get("/agency/grades")
@roles(Role.COORDINATOR)
def agency_grades():
    """The agency's officers' grades, newest class first, 25 officers' rows a page: over the years an
    agency's enrollments run to thousands."""
    page = paginate(
        sa.select(Enrollment).join(User, Enrollment.officer_id == User.id)
        .join(TrainingClass, Enrollment.class_id == TrainingClass.id)
        .where(User.agency_id == current_user.agency_id)
        .order_by(TrainingClass.start_date.desc(), TrainingClass.id.desc(), User.last_name, User.first_name, Enrollment.id)
        .options(selectinload(Enrollment.officer), selectinload(Enrollment.training_class).selectinload(TrainingClass.course))
    )
    by_class: dict[int, tuple[TrainingClass, list]] = {}
    for enrollment in page.items:
        by_class.setdefault(enrollment.class_id, (enrollment.training_class, []))[1].append(enrollment)
    quizzes = rules.quizzes_by_course({tc.course_id for tc, _members in by_class.values()})
    attempts = attempt_summaries(Enrollment.id.in_([e.id for e in page.items])) if page.items else {}
    sections = [(tc, quizzes[tc.course_id], enrollment_rows(members, quizzes[tc.course_id], attempts))
                for tc, members in by_class.values()]
    return render_template("quizzes/agency_grades.html", sections=sections, page=page, agency=current_user.agency)
