import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from flask import Blueprint, flash, redirect, render_template, url_for

from portal.access import roles
from portal.audit.services import record
from portal.auth.roles import Role
from portal.courses.forms import CourseForm, LessonForm, ModuleForm
from portal.courses.models import Course, Lesson, Module
from portal.courses.services import next_module_slot
from portal.extensions import db
from portal.markdown_render import render_markdown
from portal.pagination import paginate
from portal.persistence import commit_unless_duplicate


bp = Blueprint("courses", __name__, template_folder="templates")


@bp.get("/admin/courses/")
@roles(Role.ADMIN)
def admin_list():
    return render_template("courses/admin_list.html", page=paginate(sa.select(Course).order_by(Course.code).options(selectinload(Course.modules))))


def save_course(form: CourseForm, course: Course) -> bool:
    form.populate_obj(course)
    course.agreement_model = form.agreement_model.data or None
    return commit_unless_duplicate(course, form.code, "Another course already uses this code.", "course_saved")


@bp.route("/admin/courses/new", methods=["GET", "POST"])
@roles(Role.ADMIN)
def admin_new():
    form = CourseForm()
    if form.validate_on_submit():
        course = Course()
        db.session.add(course)
        if save_course(form, course):
            flash("Course created. Add its modules next.", "success")
            return redirect(url_for("courses.admin_show", course_id=course.id))
    return render_template("courses/course_form.html", form=form, course=None)


@bp.get("/admin/courses/<int:course_id>")
@roles(Role.ADMIN)
def admin_show(course_id: int):
    return render_template("courses/admin_show.html", course=db.get_or_404(Course, course_id))


@bp.route("/admin/courses/<int:course_id>/edit", methods=["GET", "POST"])
@roles(Role.ADMIN)
def admin_edit(course_id: int):
    course = db.get_or_404(Course, course_id)
    form = CourseForm(obj=course)
    if form.validate_on_submit():
        if form.weeks.data < max((m.week for m in course.modules), default=0):
            form.weeks.errors.append("Some modules are in later weeks; move them first.")
        elif save_course(form, course):
            flash("Course saved.", "success")
            return redirect(url_for("courses.admin_show", course_id=course.id))
    return render_template("courses/course_form.html", form=form, course=course)


def module_form_view(course: Course, module: Module | None):
    form = ModuleForm(obj=module)
    if module is None and not form.is_submitted():
        form.week.data, form.position.data = next_module_slot(course)
    if form.validate_on_submit():
        if form.week.data > course.weeks:
            form.week.errors.append(f"This course has {course.weeks} weeks.")
        else:
            module = module or Module(course=course)
            form.populate_obj(module)
            db.session.add(module)
            db.session.flush()
            record("module_saved", module)
            db.session.commit()
            flash("Module saved.", "success")
            return redirect(url_for("courses.admin_show", course_id=course.id))
    return render_template("courses/module_form.html", form=form, course=course, module=module)


@bp.route("/admin/courses/<int:course_id>/modules/new", methods=["GET", "POST"])
@roles(Role.ADMIN)
def admin_new_module(course_id: int):
    return module_form_view(db.get_or_404(Course, course_id), None)


@bp.route("/admin/modules/<int:module_id>/edit", methods=["GET", "POST"])
@roles(Role.ADMIN)
def admin_edit_module(module_id: int):
    module = db.get_or_404(Module, module_id)
    return module_form_view(module.course, module)


def lesson_form_view(course: Course, lesson: Lesson | None, module: Module | None = None):
    form = LessonForm(obj=lesson)
    form.module_id.choices = [(m.id, f"Week {m.week} · {m.title}") for m in course.modules]
    if lesson is None and module is not None and not form.is_submitted():
        form.module_id.data = module.id
    preview = None
    if form.validate_on_submit():
        if form.preview.data:
            preview = render_markdown(form.body_markdown.data)
        else:
            lesson = lesson or Lesson()
            form.populate_obj(lesson)
            db.session.add(lesson)
            db.session.flush()
            record("lesson_saved", lesson)
            db.session.commit()
            flash("Lesson saved.", "success")
            return redirect(url_for("courses.admin_show", course_id=course.id))
    return render_template("courses/lesson_form.html", form=form, course=course, lesson=lesson, preview=preview)


@bp.route("/admin/modules/<int:module_id>/lessons/new", methods=["GET", "POST"])
@roles(Role.ADMIN)
def admin_new_lesson(module_id: int):
    module = db.get_or_404(Module, module_id)
    return lesson_form_view(module.course, None, module)


@bp.route("/admin/lessons/<int:lesson_id>/edit", methods=["GET", "POST"])
@roles(Role.ADMIN)
def admin_edit_lesson(lesson_id: int):
    lesson = db.get_or_404(Lesson, lesson_id)
    return lesson_form_view(lesson.module.course, lesson)
