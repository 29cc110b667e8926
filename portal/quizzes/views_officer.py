"""Officers take exams: list, start, answer page by page, submit, results and review."""
import functools

import sqlalchemy as sa
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import contains_eager

from portal.access import roles
from portal.auth.roles import Role
from portal.classes.models import Enrollment
from portal.classes.services import holding_enrollment_lock
from portal.classes.views import own_enrollment
from portal.extensions import db
from portal.pagination import page_number
from portal.quizzes.models import Attempt, AttemptStatus, Quiz, ReviewPolicy
from portal.quizzes.services import attempts as svc
from portal.quizzes.services import review as marks
from portal.quizzes.services import rules
from portal.quizzes.services.banks import render_inline, render_text
from portal.quizzes.services.gradebook import officer_exam_rows
from portal.quizzes.types import AnswerRefused, preview_layout
from portal.timeutil import utcnow

bp = Blueprint("quizzes", __name__, template_folder="templates")


@bp.app_context_processor
def quiz_helpers():
    return {"render_text": render_text, "render_inline": render_inline, "preview_layout": preview_layout,
            "review_mark": marks.mark, "answer_parts": marks.answer_parts, "correct_parts": marks.correct_parts}


def quiz_of(enrollment: Enrollment, quiz_id: int) -> Quiz:
    quiz = db.session.get(Quiz, quiz_id)
    if quiz is None or quiz.course_id != enrollment.training_class.course_id:
        abort(404)
    return quiz


@functools.cache
def _own_attempt(lock: bool) -> sa.Select[Attempt]:
    """Built once (see auth.sessions._lookup): every exam request starts with it."""
    query = (sa.select(Attempt).join(Attempt.enrollment)
             .where(Attempt.id == sa.bindparam("attempt_id"), Enrollment.officer_id == sa.bindparam("officer_id"))
             .options(contains_eager(Attempt.enrollment)))
    if lock:
        query = query.with_for_update(of=Enrollment).execution_options(populate_existing=True)
    return query


def own_attempt(attempt_id: int, lock: bool = False) -> Attempt:
    """The signed-in officer's attempt, with its enrollment (404 for anyone else's). `lock`: for a request
    that will change it, the enrollment is locked in the same statement, the first of the exam locks
    (`quizzes.services.locks`), which then need not take it again."""
    attempt = db.session.scalars(_own_attempt(lock), {"attempt_id": attempt_id, "officer_id": current_user.id}
                                 ).one_or_none()
    if attempt is None:
        abort(404)
    if lock:
        holding_enrollment_lock(attempt.enrollment)
    return attempt


def review_allowed(attempt: Attempt, now=None) -> bool:
    """May the officer see correct answers and per-answer feedback of this attempt?"""
    now = now or utcnow()
    if attempt.status != AttemptStatus.GRADED:
        return False
    policy = attempt.quiz.review_policy
    if policy == ReviewPolicy.AFTER_SUBMIT:
        return True
    if policy == ReviewPolicy.AFTER_CLOSE:
        return attempt.quiz.closes_at is not None and now >= attempt.quiz.closes_at
    if policy == ReviewPolicy.WHEN_DONE:
        # Held back only by lessons still to complete, the officer has an attempt left: not done.
        check = svc.start_check(attempt.enrollment, attempt.quiz, now)
        return not check.allowed and not check.lessons_remaining
    return False


@bp.get("/classes/<int:class_id>/exams")
@roles(Role.OFFICER)
def exams(class_id: int):
    enrollment = own_enrollment(class_id)
    return render_template("quizzes/exams.html", enrollment=enrollment, rows=officer_exam_rows(enrollment),
                           standing=rules.standing(enrollment))


@bp.get("/classes/<int:class_id>/exams/<int:quiz_id>")
@roles(Role.OFFICER)
def exam(class_id: int, quiz_id: int):
    enrollment = own_enrollment(class_id)
    quiz = quiz_of(enrollment, quiz_id)
    return render_template("quizzes/exam.html", enrollment=enrollment, quiz=quiz, attempts=svc.attempts_for(enrollment, quiz),
                           check=svc.start_check(enrollment, quiz), form=FlaskForm(), standing=rules.standing(enrollment))


@bp.post("/classes/<int:class_id>/exams/<int:quiz_id>/start")
@roles(Role.OFFICER)
def start(class_id: int, quiz_id: int):
    enrollment = own_enrollment(class_id)
    quiz = quiz_of(enrollment, quiz_id)
    try:
        attempt = svc.start_attempt(enrollment, quiz)
        db.session.commit()
    except svc.AttemptError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("quizzes.exam", class_id=class_id, quiz_id=quiz_id))
    return redirect(url_for("quizzes.take", attempt_id=attempt.id))


def exam_page_number(attempt: Attempt, raw: str | None) -> int:
    return page_number(raw, last=len(svc.pages(attempt)))


@bp.get("/attempts/<int:attempt_id>")
@roles(Role.OFFICER)
def take(attempt_id: int):
    attempt = own_attempt(attempt_id)
    if not attempt.is_open or svc.is_overdue(attempt):
        return redirect(url_for("quizzes.result", attempt_id=attempt.id))
    return take_page(attempt, exam_page_number(attempt, request.args.get("page")))


def take_page(attempt: Attempt, number: int, refused: dict[int, AnswerRefused] | None = None) -> str:
    """A page of the exam; answers that were refused are shown as typed, with their message."""
    all_pages = svc.pages(attempt)
    return render_template("quizzes/take.html", attempt=attempt, quiz=attempt.quiz, page=all_pages[number - 1],
                           page_number=number, page_count=len(all_pages), seconds_left=svc.seconds_left(attempt),
                           form=FlaskForm(), entries=svc.layout_entries(attempt), refused=refused or {})


@bp.post("/attempts/<int:attempt_id>/save")
@roles(Role.OFFICER)
def save(attempt_id: int):
    attempt = own_attempt(attempt_id, lock=True)
    autosave = request.headers.get("X-Autosave") == "1"
    try:
        number, refused = svc.save_answers(attempt, request.form, page_number(request.form.get("page")))
        db.session.commit()
    except svc.AttemptError as exc:
        db.session.commit()  # an overdue attempt was closed: keep that
        if autosave:
            return jsonify(saved=False, error=str(exc), result=url_for("quizzes.result", attempt_id=attempt.id)), 409
        flash(str(exc), "error")
        return redirect(url_for("quizzes.result", attempt_id=attempt.id))
    if refused:
        # The rest of the page is saved; the officer corrects the refused answers before going on.
        if autosave:
            position = {r.question_id: r.position for r in attempt.responses}
            return jsonify(saved=False, error=" ".join(f"Question {position[qid]}: {why}" for qid, why in refused.items())), 422
        return take_page(attempt, number, refused), 400
    if autosave:
        return jsonify(saved=True, at=utcnow().strftime("%H:%M:%S"))
    action = request.form.get("action", "")
    if action == "finish":
        return redirect(url_for("quizzes.confirm_submit", attempt_id=attempt.id))
    if action.startswith("page-"):
        number = exam_page_number(attempt, action[5:])
    flash("Your answers are saved.", "success")
    return redirect(url_for("quizzes.take", attempt_id=attempt.id, page=number))


@bp.route("/attempts/<int:attempt_id>/submit", methods=["GET", "POST"])
@roles(Role.OFFICER)
def confirm_submit(attempt_id: int):
    attempt = own_attempt(attempt_id, lock=request.method == "POST")
    form = FlaskForm()
    if request.method == "POST" and form.validate_on_submit():
        if svc.submit_attempt(attempt):
            db.session.commit()
            flash("Your attempt was submitted.", "success")
        else:
            db.session.rollback()
            flash("This attempt had already been submitted.", "info")
        return redirect(url_for("quizzes.result", attempt_id=attempt.id))
    if not attempt.is_open or svc.is_overdue(attempt):
        return redirect(url_for("quizzes.result", attempt_id=attempt.id))
    missing = svc.unanswered(attempt)
    per_page = max(1, attempt.quiz.questions_per_page)
    return render_template("quizzes/confirm_submit.html", attempt=attempt, form=form, missing=missing, per_page=per_page,
                           seconds_left=svc.seconds_left(attempt))


@bp.get("/attempts/<int:attempt_id>/result")
@roles(Role.OFFICER)
def result(attempt_id: int):
    attempt = own_attempt(attempt_id)
    if attempt.is_open and not svc.is_overdue(attempt):
        return redirect(url_for("quizzes.take", attempt_id=attempt.id))
    return render_template("quizzes/result.html", attempt=attempt, quiz=attempt.quiz, review=review_allowed(attempt),
                           overdue=attempt.is_open, form=FlaskForm(),
                           standing=rules.standing(attempt.enrollment), lessons=rules.exam_lessons(attempt.quiz))
