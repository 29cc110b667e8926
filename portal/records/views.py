from flask import Blueprint, Response, abort, redirect, render_template, url_for
from flask_login import current_user

from portal import csv_export
from portal.access import roles
from portal.auth.roles import Role
from portal.records.services import CSV_HEADER, officer_record, record_rows, visible_officer
from portal.timeutil import today

bp = Blueprint("records", __name__, template_folder="templates")

READERS = (Role.OFFICER, Role.INSTRUCTOR, Role.COORDINATOR, Role.ADMIN)


def readable_officer(officer_id: int):
    officer = visible_officer(current_user, officer_id)
    if officer is None:
        abort(404)
    return officer


@bp.get("/my/record")
@roles(Role.OFFICER)
def mine():
    return redirect(url_for("records.show", officer_id=current_user.id))


@bp.get("/officers/<int:officer_id>/record")
@roles(*READERS)
def show(officer_id: int):
    record = officer_record(readable_officer(officer_id))
    return render_template("records/record.html", record=record, today=today(),
                           may_download=current_user.role in (Role.OFFICER, Role.COORDINATOR, Role.ADMIN))


@bp.get("/officers/<int:officer_id>/record.csv")
@roles(*READERS)
def show_csv(officer_id: int):
    record = officer_record(readable_officer(officer_id))
    filename = f"training-record-{record.officer.id}.csv"
    return Response(csv_export.document(CSV_HEADER, record_rows(record)), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})
