import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal.access import public, roles
from portal.admin.attention import agreements_ending_clause
from portal.agencies import roster
from portal.agencies.forms import AgencyForm, AgreementForm, ApplicationForm, RenewalForm, StatusChangeForm
from portal.agencies.models import (
    PENDING_AGREEMENT_STATUSES,
    Agency,
    AgencyKind,
    Agreement,
    AgreementModel,
    AgreementStatus,
    state_time_zone,
)
from portal.agencies.services import (
    AgreementError,
    ApplicationError,
    apply_agreement_changes,
    apply_for_renewal,
    change_status,
    pending_application,
    submit_application,
)
from portal.auth.models import User
from portal.auth.roles import Role
from portal.certificates.services import count_expiring_for_agency
from portal.classes.models import Enrollment
from portal.extensions import db, limit_from_config, limiter
from portal.form_fields import add_error
from portal.pagination import paginate
from portal.persistence import commit_unless_duplicate
from portal.progress.services import EnrollmentProgress, completed_lesson_ids, progress_counts, with_curriculum
from portal.sorting import requested_sort
from portal.timeutil import today

bp = Blueprint("agencies", __name__, template_folder="templates")
REFERENCE_KEY = "application_reference"  # the reference number, from the form to its confirmation


@bp.get("/agency/")
@roles(Role.COORDINATOR)
def coordinator_home():
    agency = current_user.agency
    search = roster.clean_search(request.args.get("q"))
    status = request.args.get("status", "")
    status = status if status in roster.STATUS_VALUES else ""
    sort = requested_sort(roster.officer_sorts(), "officer")
    page = paginate(roster.officer_list(agency.id, search, status, sort))
    details = roster.page_details([o.id for o in page.items])
    enrollment_ids = [eid for _status, eid in details.values() if eid is not None]
    enrollments = db.session.scalars(
        sa.select(Enrollment).where(Enrollment.id.in_(enrollment_ids)).options(with_curriculum(Enrollment.training_class))
    ).all() if enrollment_ids else []
    counted = progress_counts(enrollments, completed_lesson_ids(enrollment_ids))
    progress: dict[int | None, EnrollmentProgress] = {p.enrollment.id: p for p in counted}
    rows = [(officer, roster.STATUS_BY_VALUE[details[officer.id][0]], progress.get(details[officer.id][1]))
            for officer in page.items]
    from portal.reports.charts import chart_for
    from portal.reports.queries import agency_dashboard_tables

    return render_template(
        "agencies/coordinator_home.html", agency=agency, page=page, rows=rows, search=search, status=status,
        statuses=roster.STATUSES, counts=roster.status_counts(agency.id), sort=sort,
        blocks=[(t, chart_for(t)) for t in agency_dashboard_tables(agency)],
        expiring=count_expiring_for_agency(agency.id),
    )


# --- administration -------------------------------------------------------------------------

@bp.get("/admin/agencies/")
@roles(Role.ADMIN)
def admin_list():
    query = sa.select(Agency).order_by(Agency.name).options(selectinload(Agency.agreements))
    search = (request.args.get("q") or "").strip()[:100]
    if search:
        query = query.where(Agency.name.icontains(search, autoescape=True))
    ending = request.args.get("ending", "")
    ending_days = int(ending) if ending.isascii() and ending.isdigit() and int(ending) <= 3660 else None
    if ending_days is not None:
        query = query.where(Agency.agreements.any(agreements_ending_clause(today(), ending_days)))
    return render_template("agencies/admin_list.html", page=paginate(query), search=search, ending_days=ending_days)


def save_agency(form: AgencyForm, agency: Agency) -> bool:
    form.populate_obj(agency)
    agency.name = agency.name.strip()
    agency.time_zone = agency.time_zone or state_time_zone(agency.state)
    return commit_unless_duplicate(agency, form.name, "An agency with this name already exists.", "agency_saved")


@bp.route("/admin/agencies/new", methods=["GET", "POST"])
@roles(Role.ADMIN)
def admin_new():
    form = AgencyForm()
    if form.validate_on_submit():
        agency = Agency()
        db.session.add(agency)
        if save_agency(form, agency):
            flash(f"Agency “{agency.name}” created. Record its agreement next.", "success")
            return redirect(url_for("agencies.admin_show", agency_id=agency.id))
    return render_template("agencies/admin_form.html", form=form, agency=None)


@bp.get("/admin/agencies/<int:agency_id>")
@roles(Role.ADMIN)
def admin_show(agency_id: int):
    agency = db.get_or_404(Agency, agency_id)
    people = paginate(sa.select(User).where(User.agency_id == agency.id)
                      .order_by(User.last_name, User.first_name, User.id))
    return render_template("agencies/admin_show.html", agency=agency, people=people)


@bp.route("/admin/agencies/<int:agency_id>/edit", methods=["GET", "POST"])
@roles(Role.ADMIN)
def admin_edit(agency_id: int):
    agency = db.get_or_404(Agency, agency_id)
    form = AgencyForm(obj=agency)
    if form.validate_on_submit() and save_agency(form, agency):
        flash("Agency saved.", "success")
        return redirect(url_for("agencies.admin_show", agency_id=agency.id))
    return render_template("agencies/admin_form.html", form=form, agency=agency)


def agreement_form_view(agency: Agency, agreement: Agreement | None):
    form = AgreementForm(obj=agreement)
    if agreement is None:
        allowed = [AgreementStatus.APPLIED, AgreementStatus.UNDER_REVIEW, AgreementStatus.ACTIVE]
    else:
        allowed = [s for s in AgreementStatus if agreement.can_move_to(s)]
    form.status.choices = [(s.value, s.label) for s in allowed]
    if form.validate_on_submit():
        target = agreement or Agreement(agency=agency)
        try:
            apply_agreement_changes(
                target,
                status=AgreementStatus(form.status.data),
                kind=form.kind.data,
                model=form.model.data,
                applied_on=form.applied_on.data,
                signed_on=form.signed_on.data,
                ends_on=form.ends_on.data,
                notes=(form.notes.data or "").strip(),
                comment=form.comment.data or "",
            )
        except AgreementError as exc:
            add_error(form.comment if "comment" in str(exc) else form.status, str(exc))
        else:
            db.session.add(target)
            db.session.commit()
            flash("Agreement saved.", "success")
            return redirect(url_for("agencies.admin_show", agency_id=agency.id))
    return render_template("agencies/agreement_form.html", form=form, agency=agency, agreement=agreement)


@bp.route("/admin/agencies/<int:agency_id>/agreements/new", methods=["GET", "POST"])
@roles(Role.ADMIN)
def admin_new_agreement(agency_id: int):
    return agreement_form_view(db.get_or_404(Agency, agency_id), None)


@bp.route("/admin/agreements/<int:agreement_id>/edit", methods=["GET", "POST"])
@roles(Role.ADMIN)
def admin_edit_agreement(agreement_id: int):
    agreement = db.get_or_404(Agreement, agreement_id)
    return agreement_form_view(agreement.agency, agreement)


@bp.get("/admin/applications/")
@roles(Role.ADMIN)
def admin_applications():
    query = (
        sa.select(Agreement).join(Agency)
        .where(Agreement.status.in_(PENDING_AGREEMENT_STATUSES))
        .order_by(Agreement.applied_on, Agreement.id)
    )
    return render_template("agencies/admin_applications.html", page=paginate(query))


@bp.route("/admin/agreements/<int:agreement_id>/status", methods=["GET", "POST"])
@roles(Role.ADMIN)
def admin_agreement_status(agreement_id: int):
    agreement = db.get_or_404(Agreement, agreement_id)
    form = StatusChangeForm()
    allowed = [s for s in AgreementStatus if s != agreement.status and agreement.can_move_to(s)]
    form.status.choices = [(s.value, s.label) for s in allowed]
    if request.method == "GET":
        form.effective_on.data = today()
        wanted = request.args.get("to", "")
        if wanted in {s.value for s in allowed}:
            form.status.data = wanted
    if allowed and form.validate_on_submit():
        try:
            change_status(agreement, AgreementStatus(form.status.data), comment=form.comment.data or "",
                          effective_on=form.effective_on.data)
        except AgreementError as exc:
            add_error(form.status, str(exc))
        else:
            db.session.commit()
            flash(f"The agreement is now {agreement.status.label.lower()}.", "success")
            return redirect(url_for("agencies.admin_show", agency_id=agreement.agency_id))
    return render_template("agencies/status_form.html", form=form, agreement=agreement, allowed=allowed)


# --- applications ---------------------------------------------------------------------------

@bp.route("/apply", methods=["GET", "POST"])
@public
@limiter.limit(**limit_from_config("APPLICATION_RATE_LIMIT"), scope="apply", methods=["POST"])
def apply():
    """An agency applies to join the program; a signed-in coordinator applies for a new agreement."""
    if current_user.is_authenticated and current_user.role == Role.COORDINATOR:
        return renewal_application()
    form = ApplicationForm()
    if form.validate_on_submit():
        try:
            agreement = submit_application(
                name=form.name.data or "", kind=AgencyKind(form.kind.data), state=form.state.data or "",
                model=AgreementModel(form.model.data), contact_name=form.contact_name.data or "",
                contact_email=form.contact_email.data or "", contact_phone=form.contact_phone.data or "",
                comment=form.comment.data or "",
            )
        except ApplicationError as exc:
            add_error(getattr(form, exc.field), str(exc))
        else:
            db.session.commit()
            session[REFERENCE_KEY] = agreement.reference
            return redirect(url_for("agencies.application_received"))
    return render_template("agencies/apply.html", form=form)


def renewal_application():
    agency = current_user.agency
    form = RenewalForm()
    pending = pending_application(agency)
    if pending is None and form.validate_on_submit():
        try:
            agreement = apply_for_renewal(agency, AgreementModel(form.model.data), form.comment.data or "")
        except ApplicationError as exc:
            add_error(form.model, str(exc))
        else:
            db.session.commit()
            session[REFERENCE_KEY] = agreement.reference
            return redirect(url_for("agencies.application_received"))
    return render_template("agencies/apply_renewal.html", form=form, agency=agency, pending=pending)


@bp.get("/apply/received")
@public
def application_received():
    # Shown once, to the browser that applied (a reload or another visitor sees the page without it).
    return render_template("agencies/application_received.html", reference=session.pop(REFERENCE_KEY, None))
