import sqlalchemy as sa
from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal.access import roles
from portal.agencies.models import Agency
from portal.auth.roles import Role
from portal.extensions import db
from portal.form_fields import add_error
from portal.nominations import eligibility
from portal.nominations.forms import BulkDecisionForm, DecisionForm, NominationForm, RosterUploadForm
from portal.nominations.models import Nomination, NominationStatus
from portal.nominations.services import (
    COLUMNS,
    NominationError,
    NomineeFacts,
    RosterError,
    RowError,
    approve,
    bulk_plan,
    clean_text,
    decide_many,
    import_roster,
    max_bytes,
    nominate,
    reject,
    review_conflicts,
    template_csv,
    with_conflicts,
)
from portal.pagination import paginate

bp = Blueprint("nominations", __name__, template_folder="templates")


def findings(nomination: Nomination):
    return eligibility.check(us_citizen=nomination.us_citizen, years_experience=nomination.years_experience,
                             background_check_date=nomination.background_check_date,
                             on=nomination.nominated_at.date())


# --- coordinators ---------------------------------------------------------------------------

@bp.get("/agency/nominations/")
@roles(Role.COORDINATOR)
def coordinator_list():
    query = (sa.select(Nomination).where(Nomination.agency_id == current_user.agency_id)
             .order_by(Nomination.nominated_at.desc(), Nomination.id.desc()))
    status = request.args.get("status", "")
    if status in {s.value for s in NominationStatus}:
        query = query.where(Nomination.status == NominationStatus(status))
    return render_template("nominations/coordinator_list.html", page=paginate(query), status=status,
                           statuses=list(NominationStatus), findings=findings, agency=current_user.agency)


@bp.route("/agency/nominations/new", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def coordinator_new():
    form = NominationForm()
    if form.validate_on_submit():
        years = form.years_experience.data
        assert years is not None  # InputRequired
        facts = NomineeFacts(
            first_name=clean_text(form.first_name.data or ""), last_name=clean_text(form.last_name.data or ""),
            email=(form.email.data or "").strip().lower(), badge_number=clean_text(form.badge_number.data or ""),
            rank=clean_text(form.rank.data or ""), years_experience=years,
            us_citizen=form.us_citizen.data == "yes", background_check_date=form.background_check_date.data,
        )
        try:
            nomination = nominate(current_user.agency, facts, source="form", actor=current_user)
        except NominationError as exc:
            for column, reason in exc.problems:
                add_error(getattr(form, column), reason[:1].upper() + reason[1:] + ".")
        else:
            db.session.commit()
            flash(f"{nomination.full_name} is nominated. The program office reviews the nomination.", "success")
            return redirect(url_for("nominations.coordinator_list"))
    return render_template("nominations/nominate.html", form=form)


def roster_import_view(agency: Agency, done_url: str, cancel_url: str):
    form = RosterUploadForm()
    errors: list[RowError] = []
    if form.validate_on_submit():
        upload = form.roster.data
        data = upload.stream.read(max_bytes() + 1)
        try:
            count = import_roster(agency, data, upload.filename or "roster.csv", actor=current_user)
        except RosterError as exc:
            db.session.rollback()
            errors = exc.errors
            add_error(form.roster,
                      f"Nothing was imported: {len(errors)} problem(s) found. Correct the file and upload it again.")
        else:
            db.session.commit()
            flash(f"{count} officer(s) of {agency.name} nominated from {upload.filename}.", "success")
            return redirect(done_url)
    return render_template("nominations/import.html", form=form, errors=errors, columns=COLUMNS, agency=agency,
                           cancel_url=cancel_url, limit_kb=max_bytes() // 1024), (200 if not errors else 422)


@bp.route("/agency/nominations/import", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def coordinator_import():
    done = url_for("nominations.coordinator_list")
    return roster_import_view(current_user.agency, done, done)


@bp.route("/admin/agencies/<int:agency_id>/roster", methods=["GET", "POST"])
@roles(Role.ADMIN)
def admin_import(agency_id: int):
    """For an agency that sends its roster to the program office instead of uploading it."""
    agency = db.get_or_404(Agency, agency_id)
    return roster_import_view(agency, url_for("nominations.admin_list"),
                              url_for("agencies.admin_show", agency_id=agency.id))


@bp.get("/nominations/roster-template.csv")
@roles(Role.COORDINATOR, Role.ADMIN)
def roster_template():
    return Response(template_csv(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=roster-template.csv"})


# --- administrators -------------------------------------------------------------------------

@bp.get("/admin/nominations/")
@roles(Role.ADMIN)
def admin_list():
    status = request.args.get("status", NominationStatus.NOMINATED.value)
    query = sa.select(Nomination).order_by(Nomination.nominated_at, Nomination.id).options(selectinload(Nomination.agency))
    if status in {s.value for s in NominationStatus}:
        query = query.where(Nomination.status == NominationStatus(status))
    else:
        status = ""
    page = paginate(query)
    return render_template("nominations/admin_list.html", page=page, status=status, statuses=list(NominationStatus),
                           findings=findings, conflicted=with_conflicts(page.items), form=BulkDecisionForm(formdata=None))


@bp.post("/admin/nominations/bulk")
@roles(Role.ADMIN)
def admin_bulk():
    """Several nominations approved or rejected: a confirmation page saying what will happen to each,
    then, once confirmed, every decision made in one transaction."""
    form = BulkDecisionForm()
    if not form.validate_on_submit():
        chosen = chosen_nominations([i for i in form.nomination_ids.data or [] if isinstance(i, int)])
        form.confirmed.data = ""  # corrected input is reviewed again before anything is done
        return render_template("nominations/admin_bulk.html", form=form, chosen=chosen, plan=[]), 422
    chosen = chosen_nominations(form.nomination_ids.data or [])
    if form.confirmed.data != "yes":
        plan = bulk_plan(chosen, form.decision.data or "")
        form.confirmed.data = "yes"
        return render_template("nominations/admin_bulk.html", form=form, chosen=chosen, plan=plan)
    outcome = decide_many(chosen, decision=form.decision.data or "", verified_on=form.verified_on.data,
                          note=form.note.data or "", actor=current_user)
    db.session.commit()
    verb = "approved" if form.decision.data == "approve" else "rejected"
    if outcome.decided:
        flash(f"{len(outcome.decided)} nomination(s) {verb}: "
              + ", ".join(n.full_name for n in outcome.decided) + ".", "success")
    if outcome.skipped:
        flash(f"{len(outcome.skipped)} nomination(s) not {verb}: "
              + "; ".join(f"{n.full_name} ({reason})" for n, reason in outcome.skipped) + ".", "warning")
    return redirect(url_for("nominations.admin_list"))


def chosen_nominations(ids: list[int]) -> list[Nomination]:
    return list(db.session.scalars(sa.select(Nomination).where(Nomination.id.in_(ids))
                                   .order_by(Nomination.nominated_at, Nomination.id)
                                   .options(selectinload(Nomination.agency))))


@bp.route("/admin/nominations/<int:nomination_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def admin_show(nomination_id: int):
    nomination = db.get_or_404(Nomination, nomination_id)
    form = DecisionForm()
    if nomination.status == NominationStatus.NOMINATED and form.validate_on_submit():
        try:
            if form.decision.data == "approve":
                assert form.verified_on.data is not None  # DecisionForm.validate requires it to approve
                approve(nomination, verified_on=form.verified_on.data, note=form.note.data or "", actor=current_user)
                message = f"{nomination.full_name} approved: the account is open and the invitation is queued."
            else:
                reject(nomination, note=form.note.data or "", actor=current_user)
                message = f"The nomination of {nomination.full_name} is rejected."
        except NominationError as exc:
            db.session.rollback()
            for _column, reason in exc.problems:
                add_error(form.decision, reason)
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("nominations.admin_list"))
    return render_template("nominations/admin_show.html", nomination=nomination, form=form,
                           findings=findings(nomination), conflicts=review_conflicts(nomination))

