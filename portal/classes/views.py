import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from portal.access import roles
from portal.admin.attention import without_instructor_clause
from portal.agencies.models import Agency
from portal.audit.services import record
from portal.auth.models import User
from portal.auth.roles import Role
from portal.certificates.models import Certificate
from portal.classes.forms import ClassForm, EnrollForm, MoveForm, WithdrawForm
from portal.classes.models import ACTIVE_ENROLLMENT_STATUSES, Enrollment, EnrollmentStatus, TrainingClass
from portal.classes.services import (
    EnrollmentError,
    eligible_officers,
    enroll,
    move,
    move_targets,
    seats_taken,
    seats_taken_by_class,
    withdraw,
)
from portal.courses.models import Course
from portal.extensions import db
from portal.form_fields import add_error
from portal.ids import parse_id
from portal.pagination import paginate
from portal.progress.services import EnrollmentProgress, completed_lesson_ids, progress_counts, with_curriculum
from portal.sorting import Sort, requested_sort
from portal.timeutil import DEFAULT_TIME_ZONE, today

bp = Blueprint("classes", __name__, template_folder="templates")

SEARCH_LIMIT = 25  # officers offered for enrollment at once; a search narrows them down


def visible_class(class_id: int) -> TrainingClass:
    """Admins see every class, instructors only those they teach; anything else is a 404."""
    training_class = db.session.get(TrainingClass, class_id)
    if training_class is None:
        abort(404)
    if current_user.role == Role.INSTRUCTOR and current_user not in training_class.instructors:
        abort(404)
    return training_class


def own_enrollment(class_id: int) -> Enrollment:
    """The signed-in officer's enrollment in this class; 404 for anyone else's class."""
    enrollment = db.session.scalar(
        sa.select(Enrollment).where(Enrollment.class_id == class_id, Enrollment.officer_id == current_user.id)
    )
    if enrollment is None:
        abort(404)
    return enrollment


STATUS_ORDER = {status: number for number, status in enumerate(EnrollmentStatus)}
ROSTER_SORTS = {
    "officer": lambda p: (p.enrollment.officer.last_name, p.enrollment.officer.first_name),
    "agency": lambda p: p.enrollment.officer.agency.name if p.enrollment.officer.agency else "",
    "status": lambda p: STATUS_ORDER[p.enrollment.status],
    "progress": lambda p: (p.overall.percent, p.overall.done),
}


def roster_sort(training_class: TrainingClass) -> tuple[Sort, list[EnrollmentProgress]]:
    """The roster in the order asked for (?sort=officer|agency|status|progress|weekN&dir=asc|desc)."""
    rows = roster_rows(training_class)
    weeks = {f"week{w.week}": w.week - 1 for w in rows[0].weeks} if rows else {}
    week_sorts = {key: (lambda p, i=i: (p.weeks[i].tally.done, p.weeks[i].tally.total)) for key, i in weeks.items()}
    sort = requested_sort([*ROSTER_SORTS, *weeks], "officer")
    return sort, sort.apply(rows, {**ROSTER_SORTS, **week_sorts})


def roster_rows(training_class: TrainingClass):
    enrollments = db.session.scalars(
        sa.select(Enrollment).where(Enrollment.class_id == training_class.id)
        .options(joinedload(Enrollment.officer).joinedload(User.agency).selectinload(Agency.agreements),
                 with_curriculum(Enrollment.training_class))
    ).all()
    enrollments = sorted(enrollments, key=lambda e: (e.officer.last_name, e.officer.first_name))
    done = completed_lesson_ids([e.id for e in enrollments])
    return progress_counts(enrollments, done)


@bp.get("/teach/")
@roles(Role.INSTRUCTOR)
def teaching():
    page = paginate(
        sa.select(TrainingClass)
        .where(TrainingClass.instructors.any(User.id == current_user.id))
        .order_by(TrainingClass.start_date.desc(), TrainingClass.id.desc())
        .options(selectinload(TrainingClass.course))
    )
    return render_template("classes/teaching.html", page=page, seats=seats_taken_by_class([c.id for c in page.items]))


@bp.get("/teach/classes/<int:class_id>")
@roles(Role.INSTRUCTOR, Role.ADMIN)
def roster(class_id: int):
    training_class = visible_class(class_id)
    sort, rows = roster_sort(training_class)
    return render_template("classes/roster.html", training_class=training_class, rows=rows, sort=sort)


# --- administration -------------------------------------------------------------------------

def fill_choices(form: ClassForm) -> None:
    form.course_id.choices = [
        (c.id, f"{c.code} — {c.title}") for c in db.session.scalars(sa.select(Course).order_by(Course.code))
    ]
    form.instructor_ids.choices = [
        (u.id, u.sort_name)
        for u in db.session.scalars(
            sa.select(User).where(User.role == Role.INSTRUCTOR, User.active.is_(True)).order_by(User.last_name)
        )
    ]


def save_class(form: ClassForm, training_class: TrainingClass) -> None:
    training_class.course_id = form.course_id.data
    start_date, capacity = form.start_date.data, form.capacity.data
    assert start_date is not None and capacity is not None  # DataRequired
    training_class.name = (form.name.data or "").strip()
    training_class.start_date = start_date
    training_class.capacity = capacity
    training_class.location = (form.location.data or "").strip()
    training_class.time_zone = form.time_zone.data or DEFAULT_TIME_ZONE
    training_class.instructors = list(
        db.session.scalars(sa.select(User).where(User.id.in_(form.instructor_ids.data or []), User.role == Role.INSTRUCTOR))
    )


@bp.get("/admin/classes/")
@roles(Role.ADMIN)
def admin_list():
    query = (sa.select(TrainingClass).order_by(TrainingClass.start_date.desc(), TrainingClass.id.desc())
             .options(selectinload(TrainingClass.course), selectinload(TrainingClass.instructors)))
    no_instructor = request.args.get("no_instructor") == "1"
    if no_instructor:  # classes still to start (from today on) that no instructor teaches
        query = query.where(TrainingClass.start_date >= today(), without_instructor_clause())
    page = paginate(query)
    return render_template("classes/admin_list.html", page=page, seats=seats_taken_by_class([c.id for c in page.items]),
                           no_instructor=no_instructor)


@bp.route("/admin/classes/new", methods=["GET", "POST"])
@roles(Role.ADMIN)
def admin_new():
    form = ClassForm()
    fill_choices(form)
    if form.validate_on_submit():
        training_class = TrainingClass()
        save_class(form, training_class)
        db.session.add(training_class)
        db.session.flush()
        record("class_created", training_class)
        db.session.commit()
        flash(f"Class “{training_class.name}” created.", "success")
        return redirect(url_for("classes.admin_show", class_id=training_class.id))
    return render_template("classes/admin_form.html", form=form, training_class=None)


@bp.route("/admin/classes/<int:class_id>/edit", methods=["GET", "POST"])
@roles(Role.ADMIN)
def admin_edit(class_id: int):
    training_class = db.get_or_404(TrainingClass, class_id)
    form = ClassForm(obj=training_class)
    fill_choices(form)
    if request.method == "GET":
        form.instructor_ids.data = [u.id for u in training_class.instructors]
    if form.validate_on_submit():
        if (form.capacity.data or 0) < (taken := seats_taken(training_class)):
            add_error(form.capacity, f"{taken} seats are already taken.")
        else:
            save_class(form, training_class)
            record("class_updated", training_class)
            db.session.commit()
            flash("Class saved.", "success")
            return redirect(url_for("classes.admin_show", class_id=class_id))
    return render_template("classes/admin_form.html", form=form, training_class=training_class)


@bp.route("/admin/classes/<int:class_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def admin_show(class_id: int):
    training_class = db.get_or_404(TrainingClass, class_id)
    form = EnrollForm()
    search = (request.args.get("q") or "").strip()[:100]
    found = eligible_officers(training_class, search, limit=SEARCH_LIMIT + 1)
    more = len(found) > SEARCH_LIMIT
    candidates = found[:SEARCH_LIMIT]
    if form.is_submitted():  # the officers ticked may come from an earlier search: check them all
        ticked = [o for o in eligible_officers(training_class, ids=posted_ids(form)) if o not in candidates]
        candidates += ticked
    form.officer_ids.choices = [(o.id, f"{o.sort_name} — {o.agency.name if o.agency else ''}") for o in candidates]
    if form.validate_on_submit():
        chosen = [o for o in candidates if o.id in set(form.officer_ids.data or [])]
        try:
            enrolled = enroll(chosen, training_class)
            db.session.commit()
            flash(f"{len(enrolled)} officer(s) enrolled.", "success")
            return redirect(url_for("classes.admin_show", class_id=class_id))
        except EnrollmentError as exc:
            db.session.rollback()
            add_error(form.officer_ids, str(exc))
    certificates = db.session.scalar(sa.select(sa.func.count(Certificate.id)).where(Certificate.class_id == class_id))
    sort, rows = roster_sort(training_class)
    return render_template(
        "classes/admin_show.html", training_class=training_class, rows=rows, sort=sort, form=form,
        certificates=certificates, seats=seats_taken(training_class), search=search, more=more, limit=SEARCH_LIMIT,
    )


def posted_ids(form: EnrollForm) -> list[int]:
    """The officer ids in the submitted form that are ids (anything else fails validation)."""
    return [number for number in map(parse_id, form.officer_ids.raw_data or []) if number is not None]


@bp.route("/admin/enrollments/<int:enrollment_id>/withdraw", methods=["GET", "POST"])
@roles(Role.ADMIN)
def admin_withdraw(enrollment_id: int):
    enrollment = db.get_or_404(Enrollment, enrollment_id)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            withdraw(enrollment, form.reason.data or "")
            db.session.commit()
            flash(f"{enrollment.officer.full_name} was withdrawn.", "success")
            return redirect(url_for("classes.admin_show", class_id=enrollment.class_id))
        except EnrollmentError as exc:
            add_error(form.reason, str(exc))
    return render_template("classes/admin_withdraw.html", enrollment=enrollment, form=form,
                           withdrawable=enrollment.status != EnrollmentStatus.WITHDRAWN)


@bp.route("/admin/enrollments/<int:enrollment_id>/move", methods=["GET", "POST"])
@roles(Role.ADMIN)
def admin_move(enrollment_id: int):
    enrollment = db.get_or_404(Enrollment, enrollment_id)
    targets = move_targets(enrollment)
    seats = seats_taken_by_class([c.id for c in targets])
    form = MoveForm()
    form.class_id.choices = [
        (c.id, f"{c.name} — starts {c.start_date:%b %-d, %Y}, {c.capacity - seats[c.id]} free seat(s)") for c in targets
    ]
    if form.validate_on_submit():
        target = next(c for c in targets if c.id == form.class_id.data)
        source_id = enrollment.class_id
        try:
            move(enrollment, target)
        except EnrollmentError as exc:
            db.session.rollback()
            add_error(form.class_id, str(exc))
        else:
            db.session.commit()
            flash(f"{enrollment.officer.full_name} moved to {target.name}.", "success")
            return redirect(url_for("classes.admin_show", class_id=source_id))
    return render_template("classes/admin_move.html", enrollment=enrollment, form=form, targets=targets)


@bp.get("/classes/upcoming")
@roles(Role.OFFICER, Role.COORDINATOR)
def upcoming():
    """Classes starting from today, 25 a page: officers see their own dates, coordinators their officers'.
    Seats are counted and the viewer's enrollments read for the page's classes only (a class holds up
    to hundreds of officers)."""
    page = paginate(
        sa.select(TrainingClass).where(TrainingClass.start_date >= today())
        .order_by(TrainingClass.start_date, TrainingClass.id)
        .options(selectinload(TrainingClass.course))
    )
    class_ids = [c.id for c in page.items]
    if current_user.role == Role.OFFICER:
        viewer = Enrollment.officer_id == current_user.id
    else:
        viewer = Enrollment.officer_id.in_(sa.select(User.id).where(User.agency_id == current_user.agency_id))
    mine: dict[int, list[Enrollment]] = {class_id: [] for class_id in class_ids}
    if class_ids:
        for enrollment in db.session.scalars(
            sa.select(Enrollment).join(User, Enrollment.officer_id == User.id)
            .where(Enrollment.class_id.in_(class_ids), Enrollment.status.in_(ACTIVE_ENROLLMENT_STATUSES), viewer)
            .order_by(User.last_name, User.first_name, Enrollment.id)
            .options(selectinload(Enrollment.officer))
        ):
            mine[enrollment.class_id].append(enrollment)
    rows = [(c, mine[c.id]) for c in page.items]
    return render_template("classes/upcoming.html", rows=rows, page=page, seats=seats_taken_by_class(class_ids))
