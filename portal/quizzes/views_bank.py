"""Question banks and exam settings: administrators, and instructors of the course's classes."""
import time
from decimal import Decimal

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask import Response as FlaskResponse
from flask_login import current_user

from portal.access import roles
from portal.audit.services import record
from portal.auth.models import User
from portal.auth.roles import Role
from portal.classes.models import Enrollment, TrainingClass
from portal.courses.models import Course, Module
from portal.extensions import db
from portal.form_fields import add_error
from portal.ids import id_arg
from portal.pagination import paginate
from portal.quizzes.formats import FormatError
from portal.quizzes.forms import CategoryForm, ConfirmForm, ImportConfirmForm, ImportForm, QuestionForm, QuizForm, SlotForm
from portal.quizzes.models import (
    Attempt,
    GradingPolicy,
    Question,
    QuestionCategory,
    QuestionImage,
    Quiz,
    QuizSlot,
    Response,
    ReviewPolicy,
)
from portal.quizzes.services import banks, imports
from portal.quizzes.types import REGISTRY, QuestionDataError
from portal.templating import viewer_time_zone
from portal.timeutil import from_local, to_local

bp = Blueprint("bank", __name__, template_folder="templates")

AUTHORS = (Role.ADMIN, Role.INSTRUCTOR)


def may_author(course_id: int) -> bool:
    if current_user.role == Role.ADMIN:
        return True
    return current_user.role == Role.INSTRUCTOR and db.session.scalar(
        sa.select(TrainingClass.id).where(TrainingClass.course_id == course_id,
                                          TrainingClass.instructors.any(User.id == current_user.id)).limit(1)
    ) is not None


def authored_course(course_id: int) -> Course:
    course = db.session.get(Course, course_id)
    if course is None or not may_author(course.id):
        abort(404)
    return course


def authored(model, ident):
    obj = db.session.get(model, ident)
    if obj is None or not may_author(obj.course_id):
        abort(404)
    return obj


def category_choices(course: Course, blank: str | None = None) -> list[tuple[int, str]]:
    choices = [(0, blank)] if blank else []
    return choices + [(c.id, "— " * c.depth + c.name) for c in banks.categories(course)]


@bp.get("/bank/courses/<int:course_id>/")
@roles(*AUTHORS)
def index(course_id: int):
    course = authored_course(course_id)
    cats = banks.categories(course)
    query = banks.current_questions(course.id)
    selected = None
    category_id = id_arg("category")
    if category_id:
        selected = next((c for c in cats if c.id == category_id), None)
        if selected is not None:
            query = query.where(Question.category_id.in_(selected.descendant_ids()))
    return render_template("quizzes/bank.html", course=course, categories=cats, selected=selected,
                           page=paginate(query), kinds=REGISTRY)


def category_form_view(course: Course, category: QuestionCategory | None):
    form = CategoryForm(obj=category)
    form.parent_id.choices = category_choices(course, blank="(top level)")
    if request.method == "GET" and category is not None:
        form.parent_id.data = category.parent_id or 0
    if form.validate_on_submit():
        parent = db.session.get(QuestionCategory, form.parent_id.data) if form.parent_id.data else None
        target = category or QuestionCategory(course_id=course.id)
        problem = banks.category_problem(target, form.name.data or "", parent)
        if problem:
            add_error(form.name, problem)
        else:
            target.name, target.parent = (form.name.data or "").strip(), parent
            db.session.add(target)
            db.session.flush()
            record("question_category_saved", target, course_id=course.id, path=target.path)
            db.session.commit()
            flash(f"Category “{target.path}” saved.", "success")
            return redirect(url_for("bank.index", course_id=course.id, category=target.id))
    return render_template("quizzes/category_form.html", form=form, course=course, category=category,
                           cancel_url=url_for("bank.index", course_id=course.id))


@bp.route("/bank/courses/<int:course_id>/categories/new", methods=["GET", "POST"])
@roles(*AUTHORS)
def new_category(course_id: int):
    return category_form_view(authored_course(course_id), None)


@bp.route("/bank/categories/<int:category_id>/edit", methods=["GET", "POST"])
@roles(*AUTHORS)
def edit_category(category_id: int):
    category = authored(QuestionCategory, category_id)
    return category_form_view(category.course, category)


def question_form_view(course: Course, question: Question | None):
    form = QuestionForm(obj=question)
    form.category_id.choices = category_choices(course)
    if not form.category_id.choices:
        form.category_id.choices = [(0, f"{banks.DEFAULT_CATEGORY} (created on save)")]
    if request.method == "GET":
        if question is not None:
            form.answers.data = question.type.lines_from_data(question.data)
        else:
            form.kind.data = request.args.get("kind") if request.args.get("kind") in REGISTRY else "single_choice"
            form.points.data = Decimal(1)
    preview = None
    if form.validate_on_submit():
        points = form.points.data
        assert points is not None  # InputRequired
        try:
            draft = banks.draft_question(course, question, kind=form.kind.data, name=form.name.data or "",
                                         text=form.text.data or "", points=float(points),
                                         general_feedback=form.general_feedback.data or "",
                                         answers=form.answers.data or "")
        except QuestionDataError as exc:
            add_error(form.answers, str(exc))
        except banks.BankError as exc:
            add_error(form.kind, str(exc))
        else:
            if request.form.get("action") == "preview":
                preview = draft
            else:
                try:
                    saved = banks.save_question(course, question, draft, form.category_id.data)
                except LookupError:
                    abort(404)
                db.session.commit()
                flash(f"Question “{saved.name}” saved.", "success")
                return redirect(url_for("bank.preview", question_id=saved.id))
    hints = {key: cls.answers_hint for key, cls in REGISTRY.items()}
    return render_template("quizzes/question_form.html", form=form, course=course, question=question, preview=preview,
                           hints=hints, cancel_url=url_for("bank.index", course_id=course.id),
                           answered=question is not None and banks.question_answered(question))


@bp.route("/bank/courses/<int:course_id>/questions/new", methods=["GET", "POST"])
@roles(*AUTHORS)
def new_question(course_id: int):
    return question_form_view(authored_course(course_id), None)


@bp.route("/bank/questions/<int:question_id>/edit", methods=["GET", "POST"])
@roles(*AUTHORS)
def edit_question(question_id: int):
    question = authored(Question, question_id)
    if question.replaced_by_id is not None:
        return redirect(url_for("bank.edit_question", question_id=banks.latest_version(question).id))
    return question_form_view(question.course, question)


@bp.get("/bank/questions/<int:question_id>")
@roles(*AUTHORS)
def preview(question_id: int):
    question = authored(Question, question_id)
    return render_template("quizzes/question_preview.html", question=question, course=question.course)


@bp.route("/bank/questions/<int:question_id>/delete", methods=["GET", "POST"])
@roles(*AUTHORS)
def delete_question(question_id: int):
    question = authored(Question, question_id)
    form = ConfirmForm()
    in_use = banks.question_in_use(question)
    if form.validate_on_submit() and not in_use:
        course_id = question.course_id
        banks.delete_question(question)
        db.session.commit()
        flash("Question deleted.", "success")
        return redirect(url_for("bank.index", course_id=course_id))
    return render_template("quizzes/question_delete.html", question=question, form=form, in_use=in_use)


@bp.route("/bank/courses/<int:course_id>/import", methods=["GET", "POST"])
@roles(*AUTHORS)
def import_file(course_id: int):
    """Upload, preview (counts, warnings, refusals), then confirm: the confirmation imports the stored
    upload, all or nothing."""
    course = authored_course(course_id)
    form = ImportForm()
    confirm = ImportConfirmForm(prefix="confirm")
    if request.method == "POST" and "confirm-token" in request.form:
        return confirm_import(course, form, confirm)
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read()
        fmt = form.file_format.data if form.file_format.data in ("gift", "moodlexml") else None
        under = (form.category.data or "").strip() or None
        try:
            encoding = imports.check_encoding(form.encoding.data)
            plan = imports.read_plan(upload.filename or "", data, fmt, encoding)
        except FormatError as exc:
            add_error(form.file, f"Nothing was imported. {exc}")
        else:
            confirm.token.data = imports.keep_upload(data, {
                "course_id": course.id, "user_id": current_user.id, "filename": upload.filename or "", "fmt": plan.fmt,
                "encoding": encoding, "under": under, "at": time.time()})
            return import_preview(course, form, confirm, plan, under, upload.filename or "")
    return render_template("quizzes/import.html", form=form, course=course,
                           cancel_url=url_for("bank.index", course_id=course.id))


def import_preview(course: Course, form, confirm, plan: imports.ImportPlan, under: str | None, filename: str):
    return render_template("quizzes/import.html", form=form, course=course, confirm=confirm, plan=plan, under=under,
                           filename=filename, labels={k: c.label for k, c in REGISTRY.items()},
                           cancel_url=url_for("bank.index", course_id=course.id))


def confirm_import(course: Course, form, confirm):
    pending = imports.pending_upload(confirm.token.data or "", course.id, current_user.id)
    if not confirm.validate_on_submit() or pending is None:
        flash("That upload is no longer waiting to be imported (it expired, or was imported). Upload it again.", "error")
        return redirect(url_for("bank.import_file", course_id=course.id))
    data, meta = pending
    try:
        plan = imports.read_plan(meta["filename"], data, meta["fmt"], meta["encoding"])
    except FormatError as exc:  # it was read for the preview; only a changed portal gets here
        add_error(form.file, f"Nothing was imported. {exc}")
        return render_template("quizzes/import.html", form=form, course=course,
                               cancel_url=url_for("bank.index", course_id=course.id))
    try:
        counts = imports.apply_plan(course, plan, meta["under"], bool(confirm.skip_refused.data))
    except FormatError as exc:
        db.session.rollback()
        add_error(confirm.skip_refused, f"Nothing was imported: {exc}.")
        return import_preview(course, form, confirm, plan, meta["under"], meta["filename"])
    db.session.commit()
    imports.drop_upload(confirm.token.data or "")
    flash(banks.summary(counts) + (f" Left out {len(plan.refused)} refused question(s): "
                                   + "; ".join(map(str, plan.refused[:10])) if plan.refused else ""), "success")
    return redirect(url_for("bank.index", course_id=course.id))


@bp.get("/bank/courses/<int:course_id>/export")
@roles(*AUTHORS)
def export(course_id: int):
    course = authored_course(course_id)
    fmt = "moodlexml" if request.args.get("format") == "moodlexml" else "gift"
    category = None
    if (category_id := id_arg("category")) is not None:
        category = db.session.get(QuestionCategory, category_id)
        if category is None or category.course_id != course.id:
            abort(404)
    body, problems = banks.export_questions(course, fmt, category)
    if problems:
        flash(f"The export lists {len(problems)} problem(s) at its top: " + "; ".join(map(str, problems[:5])), "warning")
    ext = "xml" if fmt == "moodlexml" else "gift"
    return FlaskResponse(body, mimetype="application/xml" if fmt == "moodlexml" else "text/plain",
                         headers={"Content-Disposition": f'attachment; filename="{course.code}-questions.{ext}"'})


def shown_to_officer(question_id: int) -> bool:
    """Has the signed-in officer been given this question in one of their attempts?"""
    return db.session.scalar(
        sa.select(Response.id).join(Attempt).join(Enrollment)
        .where(Response.question_id == question_id, Enrollment.officer_id == current_user.id).limit(1)
    ) is not None


@bp.get("/bank/images/<int:image_id>")
@roles(*AUTHORS, Role.OFFICER)
def image(image_id: int):
    """An image of a question: for the course's authors, and for officers whose attempts show it
    (not for every officer of the course: ids are sequential, and banks hold questions of exams
    not yet taken)."""
    image = db.session.get(QuestionImage, image_id)
    if image is None:
        abort(404)
    if current_user.role == Role.OFFICER:
        allowed = shown_to_officer(image.question_id)
    else:
        allowed = may_author(image.question.course_id)
    if not allowed:
        abort(404)
    mimetype = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
                "webp": "image/webp"}.get(image.filename.rsplit(".", 1)[-1].lower(), "application/octet-stream")
    return FlaskResponse(image.content, mimetype=mimetype,
                         headers={"Content-Disposition": "inline" if mimetype.startswith("image/") else "attachment"})


# --- exams -----------------------------------------------------------------------------------------

@bp.get("/bank/courses/<int:course_id>/quizzes")
@roles(*AUTHORS)
def quizzes(course_id: int):
    course = authored_course(course_id)
    items = sorted(db.session.scalars(sa.select(Quiz).where(Quiz.course_id == course.id)), key=lambda q: q.sort_key)
    return render_template("quizzes/quiz_list.html", course=course, quizzes=items)


def quiz_form_view(course: Course, quiz: Quiz | None):
    form = QuizForm(obj=quiz)
    form.module_id.choices = [(0, "The whole course (final exam)")] + [
        (m.id, f"Week {m.week}: {m.title}") for m in course.modules]
    zone = viewer_time_zone()
    if request.method == "GET":
        if quiz is not None:
            form.module_id.data = quiz.module_id or 0
            form.opens_at.data = quiz.opens_at and to_local(quiz.opens_at, zone).replace(tzinfo=None)
            form.closes_at.data = quiz.closes_at and to_local(quiz.closes_at, zone).replace(tzinfo=None)
            form.grading_policy.data = quiz.grading_policy.value
            form.review_policy.data = quiz.review_policy.value
        else:
            form.review_policy.data = ReviewPolicy.WHEN_DONE.value
            form.pass_mark.data = course.pass_mark
    if form.validate_on_submit():
        if form.opens_at.data and form.closes_at.data and form.closes_at.data <= form.opens_at.data:
            add_error(form.closes_at, "The quiz must close after it opens.")
        else:
            target = quiz or Quiz(course_id=course.id)
            for name in ("title", "instructions", "required", "pass_mark", "time_limit_minutes", "attempts_allowed",
                         "opens_at", "closes_at", "shuffle_questions", "shuffle_choices", "questions_per_page",
                         "lessons_first"):
                setattr(target, name, getattr(form, name).data)
            # Typed in the author's zone, stored in UTC.
            target.opens_at = form.opens_at.data and from_local(form.opens_at.data, zone)
            target.closes_at = form.closes_at.data and from_local(form.closes_at.data, zone)
            target.module_id = form.module_id.data or None
            module = db.session.get(Module, target.module_id) if target.module_id else None
            if target.module_id and (module is None or module.course_id != course.id):
                abort(404)
            target.grading_policy = GradingPolicy(form.grading_policy.data)
            target.review_policy = ReviewPolicy(form.review_policy.data)
            db.session.add(target)
            db.session.flush()
            record("quiz_saved", target, course_id=course.id)
            db.session.commit()
            flash(f"Exam “{target.title}” saved.", "success")
            return redirect(url_for("bank.quiz", quiz_id=target.id))
    return render_template("quizzes/quiz_form.html", form=form, course=course, quiz=quiz,
                           cancel_url=url_for("bank.quizzes", course_id=course.id))


@bp.route("/bank/courses/<int:course_id>/quizzes/new", methods=["GET", "POST"])
@roles(*AUTHORS)
def new_quiz(course_id: int):
    return quiz_form_view(authored_course(course_id), None)


@bp.route("/bank/quizzes/<int:quiz_id>/edit", methods=["GET", "POST"])
@roles(*AUTHORS)
def edit_quiz(quiz_id: int):
    quiz = authored(Quiz, quiz_id)
    return quiz_form_view(quiz.course, quiz)


@bp.route("/bank/quizzes/<int:quiz_id>", methods=["GET", "POST"])
@roles(*AUTHORS)
def quiz(quiz_id: int):
    quiz = authored(Quiz, quiz_id)
    form = SlotForm()
    form.question_id.choices = [(0, "(none)")] + [
        (q.id, f"{q.category.path}: {q.name}") for q in db.session.scalars(banks.current_questions(quiz.course_id))]
    form.category_id.choices = category_choices(quiz.course, blank="(none)")
    if form.validate_on_submit():
        if bool(form.question_id.data) == bool(form.category_id.data):
            add_error(form.question_id, "Choose either one question or a category to draw from.")
        else:
            slot = QuizSlot(quiz=quiz, position=max([s.position for s in quiz.slots], default=0) + 1)
            if form.question_id.data:
                slot.question = authored(Question, form.question_id.data)
            else:
                slot.category = authored(QuestionCategory, form.category_id.data)
                slot.draw_count = form.draw_count.data or 1
            db.session.add(slot)
            db.session.flush()
            record("quiz_slot_added", quiz, slot_id=slot.id)
            db.session.commit()
            flash("Added to the exam.", "success")
            return redirect(url_for("bank.quiz", quiz_id=quiz.id))
    total = sum(s.draw_count if s.question_id is None else 1 for s in quiz.slots)
    return render_template("quizzes/quiz_show.html", quiz=quiz, course=quiz.course, form=form, total=total,
                           remove_form=ConfirmForm())


@bp.post("/bank/slots/<int:slot_id>/remove")
@roles(*AUTHORS)
def remove_slot(slot_id: int):
    slot = db.session.get(QuizSlot, slot_id)
    if slot is None or not may_author(slot.quiz.course_id):
        abort(404)
    quiz_id = slot.quiz_id
    if ConfirmForm().validate_on_submit():
        record("quiz_slot_removed", slot.quiz, slot_id=slot.id)
        db.session.delete(slot)
        db.session.commit()
        flash("Removed from the exam. Attempts already started keep their questions.", "success")
    return redirect(url_for("bank.quiz", quiz_id=quiz_id))
