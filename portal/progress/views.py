import functools
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError

from portal.access import roles
from portal.auth.roles import Role
from portal.certificates.models import Certificate
from portal.certificates.services import current_certificates
from portal.classes.models import Enrollment, EnrollmentStatus, TrainingClass
from portal.classes.views import own_enrollment
from portal.courses.models import Lesson
from portal.extensions import db
from portal.markdown_render import render_markdown
from portal.progress.services import (
    EnrollmentProgress,
    LessonLocked,
    build_progress,
    complete_lesson,
    with_curriculum,
)
from portal.quizzes.services.gradebook import ExamRecords, officer_exam_rows
from portal.quizzes.services.rules import Standing

bp = Blueprint("progress", __name__, template_folder="templates")


def lesson_in_class(enrollment: Enrollment, lesson_id: int) -> Lesson:
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or lesson.module.course_id != enrollment.training_class.course_id:
        abort(404)
    return lesson


@bp.get("/dashboard")
@roles(Role.OFFICER)
def dashboard():
    enrollments = db.session.scalars(_officer_enrollments(), {"officer_id": current_user.id}).unique().all()
    records = ExamRecords.load(enrollments)  # with the completed lessons, which progress reads too
    # A certificate is issued on completion only, and a completed enrollment stays completed.
    certificates = current_certificates([e.id for e in enrollments if e.status == EnrollmentStatus.COMPLETED])
    panels = [ClassPanel(build_progress(e, records.done[e.id]), officer_exam_rows(e, records), records.standing(e),
                         certificates.get(e.id)) for e in enrollments]
    # The class under way first, then one still to start, then finished ones (newest first in each).
    panels.sort(key=lambda panel: (not panel.progress.enrollment.is_active, panel.progress.current_week is None))
    return render_template("progress/dashboard.html", panels=panels, officer_enrollments=enrollments)


@functools.cache
def _officer_enrollments() -> sa.Select[Enrollment]:
    """Built once (see auth.sessions._lookup): every officer's dashboard runs it."""
    return (sa.select(Enrollment).join(TrainingClass)
            .where(Enrollment.officer_id == sa.bindparam("officer_id"))
            .order_by(TrainingClass.start_date.desc())
            .options(with_curriculum(Enrollment.training_class, joined=True)))


@dataclass
class ClassPanel:
    """What the officer's dashboard shows of one enrollment: lessons, exams, standing, certificate."""

    progress: EnrollmentProgress
    exams: list  # (quiz, grade cell, start check) per exam of the course
    standing: Standing
    certificate: Certificate | None  # the current one (not replaced), whatever its status


@bp.get("/classes/<int:class_id>/lessons/<int:lesson_id>")
@roles(Role.OFFICER)
def lesson(class_id: int, lesson_id: int):
    enrollment = own_enrollment(class_id)
    lesson = lesson_in_class(enrollment, lesson_id)
    progress = build_progress(enrollment)
    state = progress.lesson_state(lesson.id)
    assert state is not None  # lesson_in_class() found the lesson in this class
    if not state.open:
        return render_template("progress/lesson_locked.html", progress=progress, state=state), 403
    return render_template(
        "progress/lesson.html",
        progress=progress,
        state=state,
        body=render_markdown(lesson.body_markdown),
        form=FlaskForm(),
        following=following_lesson(progress, lesson.id),
    )


def following_lesson(progress, lesson_id: int):
    states = [s for w in progress.weeks for m in w.modules for s in m.lessons]
    ids = [s.lesson.id for s in states]
    index = ids.index(lesson_id)
    return states[index + 1] if index + 1 < len(states) else None


@bp.post("/classes/<int:class_id>/lessons/<int:lesson_id>/complete")
@roles(Role.OFFICER)
def complete(class_id: int, lesson_id: int):
    enrollment = own_enrollment(class_id)
    lesson = lesson_in_class(enrollment, lesson_id)
    try:
        newly = complete_lesson(enrollment, lesson)
        db.session.commit()
    except LessonLocked as exc:
        db.session.rollback()
        flash(exc.reason, "error")
        return redirect(url_for("progress.dashboard"))
    except IntegrityError:  # a double submit raced us: the lesson is complete either way
        db.session.rollback()
        newly = False
    if newly:
        flash(f"“{lesson.title}” marked complete.", "success")
    progress = build_progress(enrollment)
    following = following_lesson(progress, lesson.id)
    if following is not None and following.open and not following.complete:
        return redirect(url_for("progress.lesson", class_id=class_id, lesson_id=following.lesson.id))
    return redirect(url_for("progress.dashboard"))
