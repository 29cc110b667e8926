import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload

from portal import csv_export
from portal.access import public, roles
from portal.attendance import feeds
from portal.attendance.forms import (
    AttendanceForm,
    CancelForm,
    ConfirmForm,
    FederalHolidaysForm,
    HolidayForm,
    PatternForm,
    SessionForm,
)
from portal.attendance.models import AttendanceMark, ClassSession, Holiday, Presence
from portal.attendance.schedule import schedule_for
from portal.attendance.services import (
    CLASS_FEED,
    OFFICER_FEED,
    SESSION_FIELDS,
    AttendanceError,
    Entry,
    Pattern,
    add_federal_holidays,
    add_holiday,
    cancel_session,
    class_sessions,
    create_sessions,
    feed_token,
    feed_token_valid,
    hours_minutes,
    hours_of,
    renew_feed,
    roll,
    take_attendance,
    update_session,
)
from portal.audit.services import record
from portal.auth.models import User
from portal.auth.roles import Role
from portal.classes.models import ACTIVE_ENROLLMENT_STATUSES, Enrollment, EnrollmentStatus, TrainingClass
from portal.classes.views import visible_class
from portal.extensions import db
from portal.form_fields import add_error
from portal.progress.completion import complete_if_done
from portal.quizzes.models import Quiz
from portal.timeutil import today, today_in

bp = Blueprint("attendance", __name__, template_folder="templates")

UID_HOST = "287g-training-portal"  # the domain part of every event's UID: never changes with the address served
MAX_MINUTES = 24 * 60


def instructor_choices(form, training_class: TrainingClass) -> None:
    form.instructor_id.choices = [("", "—")] + [(u.id, u.full_name) for u in training_class.instructors]


def visible_session(session_id: int) -> ClassSession:
    session = db.session.get(ClassSession, session_id)
    if session is None:
        abort(404)
    visible_class(session.class_id)  # 404 for an instructor who does not teach the class
    return session


# --- the administrator's schedule -----------------------------------------------------------

@bp.route("/admin/classes/<int:class_id>/sessions", methods=["GET", "POST"])
@roles(Role.ADMIN)
def admin_schedule(class_id: int):
    training_class = db.get_or_404(TrainingClass, class_id)
    form = PatternForm()
    instructor_choices(form, training_class)
    if request.method == "GET":
        form.first_day.data = training_class.start_date
        form.weeks.data = training_class.course.weeks
    if form.validate_on_submit():
        assert form.first_day.data and form.starts_at.data and form.ends_at.data  # DataRequired
        pattern = Pattern(first_day=form.first_day.data, weeks=form.weeks.data or 1, weekdays=form.weekdays.data or [],
                          starts_at=form.starts_at.data, ends_at=form.ends_at.data,
                          skip_holidays=bool(form.skip_holidays.data), **place(form))
        try:
            sessions, skipped = create_sessions(training_class, pattern)
        except AttendanceError as exc:
            db.session.rollback()
            add_error(getattr(form, exc.field), str(exc))
        else:
            db.session.commit()
            note = f" Skipped: {', '.join(f'{name} ({day:%b %-d})' for day, name in skipped.items())}." if skipped else ""
            flash(f"{len(sessions)} session(s) added.{note}", "success")
            return redirect(url_for("attendance.admin_schedule", class_id=class_id))
    return render_template("attendance/admin_schedule.html", training_class=training_class, form=form,
                           sessions=class_sessions(class_id))


def place(form) -> dict:
    return {"room": (form.room.data or "").strip(), "address": (form.address.data or "").strip(),
            "online_url": (form.online_url.data or "").strip(), "topic": (form.topic.data or "").strip(),
            "instructor_id": form.instructor_id.data or None}


@bp.route("/admin/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@roles(Role.ADMIN)
def admin_session_edit(session_id: int):
    session = db.get_or_404(ClassSession, session_id)
    form = SessionForm(obj=session)
    instructor_choices(form, session.training_class)
    if form.validate_on_submit():
        values = {"day": form.day.data, "starts_at": form.starts_at.data, "ends_at": form.ends_at.data, **place(form)}
        try:
            moved = update_session(session, {name: values[name] for name in SESSION_FIELDS})
        except AttendanceError as exc:
            db.session.rollback()
            add_error(getattr(form, exc.field), str(exc))
        else:
            db.session.commit()
            flash("Session moved; the class is told." if moved else "Session saved.", "success")
            return redirect(url_for("attendance.admin_schedule", class_id=session.class_id))
    return render_template("attendance/admin_session_form.html", form=form, session=session)


@bp.route("/admin/sessions/<int:session_id>/cancel", methods=["GET", "POST"])
@roles(Role.ADMIN)
def admin_session_cancel(session_id: int):
    session = db.get_or_404(ClassSession, session_id)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            cancel_session(session, (form.reason.data or "").strip())
        except AttendanceError as exc:
            add_error(form.reason, str(exc))
        else:
            db.session.commit()
            flash("Session cancelled; the class is told.", "success")
            return redirect(url_for("attendance.admin_schedule", class_id=session.class_id))
    return render_template("attendance/admin_session_cancel.html", form=form, session=session)


@bp.route("/admin/holidays", methods=["GET", "POST"])
@roles(Role.ADMIN)
def admin_holidays():
    form, federal = HolidayForm(prefix="one"), FederalHolidaysForm(prefix="year")
    if request.method == "GET":
        federal.year.data = today().year + 1
    if form.submit.data and form.validate_on_submit():
        assert form.day.data is not None  # DataRequired
        try:
            add_holiday(form.day.data, form.name.data or "")
        except AttendanceError as exc:
            add_error(getattr(form, exc.field), str(exc))
        else:
            db.session.commit()
            flash("Holiday added.", "success")
            return redirect(url_for("attendance.admin_holidays"))
    if federal.submit.data and federal.validate_on_submit():
        added = add_federal_holidays(federal.year.data or 0)
        db.session.commit()
        flash(f"{added} federal holiday(s) of {federal.year.data} added.", "success")
        return redirect(url_for("attendance.admin_holidays"))
    holidays = db.session.scalars(sa.select(Holiday).where(Holiday.day >= today().replace(month=1, day=1))
                                  .order_by(Holiday.day)).all()
    return render_template("attendance/admin_holidays.html", form=form, federal=federal, holidays=holidays,
                           delete_form=ConfirmForm())


@bp.post("/admin/holidays/<int:holiday_id>/delete")
@roles(Role.ADMIN)
def admin_holiday_delete(holiday_id: int):
    holiday = db.get_or_404(Holiday, holiday_id)
    if ConfirmForm().validate_on_submit():
        name = holiday.name
        record("holiday_removed", holiday, day=str(holiday.day), name=name)
        db.session.delete(holiday)
        db.session.commit()
        flash(f"{name} removed.", "success")
    return redirect(url_for("attendance.admin_holidays"))


# --- the instructor's attendance ------------------------------------------------------------

@bp.get("/teach/classes/<int:class_id>/attendance")
@roles(Role.INSTRUCTOR, Role.ADMIN)
def class_attendance(class_id: int):
    training_class = visible_class(class_id)
    sessions = class_sessions(class_id)
    enrollments = [e for e, _ in class_roll(training_class)]
    return render_template("attendance/class_attendance.html", training_class=training_class, sessions=sessions,
                           enrollments=enrollments, hours=hours_of(enrollments), today=today_in(training_class.time_zone),
                           feed_url=url_for("attendance.class_feed", class_id=class_id, _external=True,
                                            token=feed_token(CLASS_FEED, class_id)),
                           renew_form=ConfirmForm())


def class_roll(training_class: TrainingClass) -> list[tuple[Enrollment, None]]:
    enrollments = db.session.scalars(
        sa.select(Enrollment).join(User, Enrollment.officer_id == User.id)
        .where(Enrollment.class_id == training_class.id,
               Enrollment.status.in_(ACTIVE_ENROLLMENT_STATUSES | {EnrollmentStatus.COMPLETED}))
        .order_by(User.last_name, User.first_name, Enrollment.id)
        .options(joinedload(Enrollment.officer), joinedload(Enrollment.training_class).joinedload(TrainingClass.course))
    ).all()
    return [(e, None) for e in enrollments]


@bp.route("/teach/sessions/<int:session_id>/attendance", methods=["GET", "POST"])
@roles(Role.INSTRUCTOR, Role.ADMIN)
def take(session_id: int):
    session = visible_session(session_id)
    form = AttendanceForm()
    rows = roll(session)
    errors: dict[str, str] = {}
    if form.validate_on_submit() and not session.cancelled:
        entries = read_entries(rows, all_present="all_present" in request.form, errors=errors)
        if not errors:
            try:
                changed = take_attendance(session, entries, current_user, form.reason.data or "")
            except AttendanceError as exc:
                db.session.rollback()
                if exc.field == "reason":
                    add_error(form.reason, str(exc))
                else:
                    errors[exc.field] = str(exc)
            else:
                for enrollment, _ in rows:
                    complete_if_done(enrollment)
                db.session.commit()
                flash(f"Attendance saved ({changed} change{'' if changed == 1 else 's'}).", "success")
                return redirect(url_for("attendance.take", session_id=session_id))
    return render_template("attendance/take.html", session=session, rows=rows, form=form, errors=errors,
                           posted=request.form if request.method == "POST" else None, presences=list(Presence),
                           after_day=today_in(session.training_class.time_zone) > session.day), 400 if errors else 200


def read_entries(rows, *, all_present: bool, errors: dict[str, str]) -> dict[int, Entry]:
    """Each officer's posted row. "Mark all present" marks present everyone still without a mark."""
    entries: dict[int, Entry] = {}
    for enrollment, mark in rows:
        key = f"officer-{enrollment.id}"
        if all_present:
            if mark is None:
                entries[enrollment.id] = Entry(Presence.PRESENT)
            continue
        value = request.form.get(f"presence-{enrollment.id}", "")
        if not value:
            continue
        try:
            presence = Presence(value)
        except ValueError:
            errors[key] = f"{enrollment.officer.full_name}: choose present, excused or absent."
            continue
        minutes = [minutes_field(request.form.get(f"{name}-{enrollment.id}", "")) for name in ("late", "early")]
        if None in minutes:
            errors[key] = f"{enrollment.officer.full_name}: minutes must be a whole number from 0 to {MAX_MINUTES}."
            continue
        entries[enrollment.id] = Entry(presence, minutes[0] or 0, minutes[1] or 0)
    return entries


def minutes_field(value: str) -> int | None:
    value = value.strip()
    if value == "":
        return 0
    if not value.isascii() or not value.isdigit() or len(value) > 4 or int(value) > MAX_MINUTES:
        return None
    return int(value)


ATTENDANCE_CSV_HEADER = ("Officer", "Email", "Agency", "Date", "Starts", "Ends", "Time zone", "Topic", "Attendance",
                         "Late (minutes)", "Left early (minutes)", "Attended (minutes)")


@bp.get("/teach/classes/<int:class_id>/attendance.csv")
@roles(Role.INSTRUCTOR, Role.ADMIN)
def class_csv(class_id: int):
    training_class = visible_class(class_id)
    sessions = [s for s in class_sessions(class_id) if not s.cancelled]
    marks = marks_of(class_id)
    lines = []
    for enrollment, _ in class_roll(training_class):
        officer = enrollment.officer
        for s in sessions:
            mark = marks.get((s.id, enrollment.id))
            lines.append((officer.full_name, officer.email, officer.agency.name if officer.agency else "", s.day,
                          f"{s.starts_at:%H:%M}", f"{s.ends_at:%H:%M}", training_class.time_zone, s.topic,
                          mark.presence.label if mark else "Not taken", mark.late_minutes if mark else "",
                          mark.left_early_minutes if mark else "", mark.attended_minutes(s.minutes) if mark else ""))
    return Response(csv_export.document(ATTENDANCE_CSV_HEADER, lines), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=attendance-class-{class_id}.csv"})


def marks_of(class_id: int) -> dict[tuple[int, int], AttendanceMark]:
    return {(m.session_id, m.enrollment_id): m for m in db.session.scalars(
        sa.select(AttendanceMark).join(ClassSession).where(ClassSession.class_id == class_id))}


@bp.post("/teach/classes/<int:class_id>/calendar/renew")
@roles(Role.INSTRUCTOR, Role.ADMIN)
def renew_class_feed(class_id: int):
    visible_class(class_id)
    if ConfirmForm().validate_on_submit():
        renew_feed(CLASS_FEED, class_id)
        db.session.commit()
        flash("The class calendar has a new address; the old one no longer works.", "success")
    return redirect(url_for("attendance.class_attendance", class_id=class_id))


# --- officers and coordinators --------------------------------------------------------------

@bp.post("/my/calendar/renew")
@roles(Role.OFFICER)
def renew_my_feed():
    if ConfirmForm().validate_on_submit():
        renew_feed(OFFICER_FEED, current_user.id)
        db.session.commit()
        flash("Your calendar has a new address; the old one no longer works.", "success")
    return redirect(url_for("progress.dashboard"))


@bp.get("/agency/attendance")
@roles(Role.COORDINATOR)
def agency_attendance():
    enrollments = db.session.scalars(
        sa.select(Enrollment).join(User, Enrollment.officer_id == User.id)
        .where(User.agency_id == current_user.agency_id, User.agency_id.is_not(None),
               Enrollment.status.in_(ACTIVE_ENROLLMENT_STATUSES | {EnrollmentStatus.COMPLETED}))
        .order_by(User.last_name, User.first_name, Enrollment.id)
        .options(joinedload(Enrollment.officer), joinedload(Enrollment.training_class).joinedload(TrainingClass.course))
    ).all()
    return render_template("attendance/agency_attendance.html", enrollments=enrollments, hours=hours_of(enrollments))


# --- calendar feeds: no session, the address is the key ------------------------------------

def ics(name: str, sessions, exams=()) -> Response:
    return Response(feeds.calendar(name, sessions, UID_HOST, exams), mimetype="text/calendar",
                    headers={"Content-Disposition": "inline; filename=calendar.ics", "Cache-Control": "private, max-age=300"})


@bp.get("/calendar/officer/<int:user_id>/<token>.ics")
@public
def officer_feed(user_id: int, token: str):
    officer = db.session.get(User, user_id)
    valid = officer is not None and officer.role == Role.OFFICER and officer.active
    if not valid or not feed_token_valid(OFFICER_FEED, user_id, token):
        abort(404)
    sessions = db.session.scalars(
        sa.select(ClassSession).join(Enrollment, Enrollment.class_id == ClassSession.class_id)
        .where(Enrollment.officer_id == user_id, Enrollment.status.in_(ACTIVE_ENROLLMENT_STATUSES | {EnrollmentStatus.COMPLETED}))
        .order_by(ClassSession.day, ClassSession.starts_at)
        .options(joinedload(ClassSession.training_class).joinedload(TrainingClass.course), joinedload(ClassSession.instructor))
    ).all()
    classes = db.session.scalars(
        sa.select(TrainingClass).join(Enrollment).where(Enrollment.officer_id == user_id,
                                                        Enrollment.status.in_(ACTIVE_ENROLLMENT_STATUSES))
        .options(joinedload(TrainingClass.course))
    ).all()
    quizzes = db.session.scalars(
        sa.select(Quiz).where(Quiz.course_id.in_([c.course_id for c in classes])).options(joinedload(Quiz.module))
        .order_by(Quiz.id)
    ).all()
    exams = [(quiz, c) for c in classes for quiz in quizzes if quiz.course_id == c.course_id]
    return ics(f"287(g) training — {officer.full_name}", sessions, exams)  # type: ignore[union-attr]  # valid: not None


@bp.get("/calendar/class/<int:class_id>/<token>.ics")
@public
def class_feed(class_id: int, token: str):
    training_class = db.session.get(TrainingClass, class_id)
    if training_class is None or not feed_token_valid(CLASS_FEED, class_id, token):
        abort(404)
    return ics(f"287(g) — {training_class.name}", class_sessions(class_id))


# --- what officers and coordinators see of the schedule (template globals) -----------------

@bp.app_template_global()
def my_schedule(limit: int = 8, officer_enrollments=None):
    """The viewer's coming sessions, today's first: an officer's classes (`officer_enrollments` when the
    page has them already), or a coordinator's officers'. A fixed number of queries whatever the number
    of classes."""
    return schedule_for(current_user, limit, officer_enrollments)


@bp.app_template_global()
def my_calendar_url() -> str:
    return url_for("attendance.officer_feed", user_id=current_user.id, token=feed_token(OFFICER_FEED, current_user.id),
                   _external=True)


bp.add_app_template_global(hours_minutes)
