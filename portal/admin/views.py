import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import selectinload

from portal.access import roles
from portal.admin.attention import ENDING_WITHIN_DAYS, attention
from portal.admin.forms import UserForm
from portal.admin.services import UserError, may_reset_two_factor, reset_two_factor, save_user
from portal.agencies.models import Agency, Agreement, AgreementStatus
from portal.audit.services import record
from portal.auth.models import User
from portal.auth.roles import Role
from portal.auth.tokens import make_set_password_token
from portal.classes.models import Enrollment, EnrollmentStatus, TrainingClass
from portal.courses.models import Course
from portal.extensions import db
from portal.form_fields import add_error
from portal.links import external_url
from portal.pagination import paginate
from portal.timeutil import today

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")


@bp.get("/")
@roles(Role.ADMIN)
def home():
    count = lambda query: db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))  # noqa: E731
    agreements = dict(
        db.session.execute(
            sa.select(Agreement.status, sa.func.count()).group_by(Agreement.status)
        ).all()
    )
    enrollments = dict(
        db.session.execute(
            sa.select(Enrollment.status, sa.func.count()).group_by(Enrollment.status)
        ).all()
    )
    figures = {
        "agencies": count(sa.select(Agency.id)),
        "courses": count(sa.select(Course.id)),
        "classes": count(sa.select(TrainingClass.id)),
        "officers": count(sa.select(User.id).where(User.role == Role.OFFICER)),
    }
    return render_template(
        "admin/home.html",
        figures=figures,
        agreements={s: agreements.get(s, 0) for s in AgreementStatus},
        enrollments={s: enrollments.get(s, 0) for s in EnrollmentStatus},
        attention=attention(current_user, today()),
        ending_days=ENDING_WITHIN_DAYS,
    )


@bp.get("/users/")
@roles(Role.ADMIN)
def users():
    query = sa.select(User).order_by(User.last_name, User.first_name).options(selectinload(User.agency))
    role = request.args.get("role", "")
    if role in {r.value for r in Role}:
        query = query.where(User.role == Role(role))
    search = (request.args.get("q") or "").strip()[:100]
    if search:
        query = query.where(
            sa.or_(User.email.icontains(search, autoescape=True), User.last_name.icontains(search, autoescape=True))
        )
    return render_template("admin/users.html", page=paginate(query), role=role, search=search, roles=list(Role))


def agency_choices():
    return [(0, "— none —")] + [(a.id, a.name) for a in db.session.scalars(sa.select(Agency).order_by(Agency.name))]


def user_form_view(user: User | None):
    form = UserForm(obj=user)
    form.agency_id.choices = agency_choices()
    if user is not None and not form.is_submitted():
        form.agency_id.data = user.agency_id or 0
    if form.validate_on_submit():
        try:
            user = save_user(
                user, email=form.email.data or "", first_name=form.first_name.data or "", last_name=form.last_name.data or "",
                role=Role(form.role.data), agency_id=form.agency_id.data, active=form.active.data, by=current_user,
            )
        except UserError as exc:
            add_error(form[exc.field], str(exc))
        else:
            db.session.commit()
            flash("User saved.", "success")
            return redirect(url_for("admin.user_show", user_id=user.id))
    return render_template("admin/user_form.html", form=form, user=user)


@bp.route("/users/new", methods=["GET", "POST"])
@roles(Role.ADMIN)
def user_new():
    return user_form_view(None)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@roles(Role.ADMIN)
def user_edit(user_id: int):
    return user_form_view(db.get_or_404(User, user_id))


@bp.get("/users/<int:user_id>")
@roles(Role.ADMIN)
def user_show(user_id: int):
    return render_template("admin/user_show.html", user=db.get_or_404(User, user_id), form=FlaskForm())


@bp.post("/users/<int:user_id>/set-password-link")
@roles(Role.ADMIN)
def user_password_link(user_id: int):
    user = db.get_or_404(User, user_id)
    link = external_url("auth.set_password_from_link", token=make_set_password_token(user))
    record("set_password_link_created", user)
    db.session.commit()
    return render_template("admin/user_show.html", user=user, form=FlaskForm(), link=link)


@bp.route("/users/<int:user_id>/reset-two-factor", methods=["GET", "POST"])
@roles(Role.ADMIN)
def user_reset_two_factor(user_id: int):
    user = db.get_or_404(User, user_id)
    if not may_reset_two_factor(user, by=current_user):
        flash("Only another user's two-step sign-in can be reset here, and only once it is set up.", "error")
        return redirect(url_for("admin.user_show", user_id=user.id))
    form = FlaskForm()
    if form.validate_on_submit():
        reset_two_factor(user)
        db.session.commit()
        flash(f"Two-step sign-in reset for {user.full_name}; their sessions were ended.", "success")
        return redirect(url_for("admin.user_show", user_id=user.id))
    return render_template("admin/user_reset_two_factor.html", user=user, form=form)
