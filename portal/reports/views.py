from flask import Blueprint, Response, abort, render_template
from flask_login import current_user

from portal import csv_export
from portal.access import roles
from portal.auth.roles import Role
from portal.reports import queries
from portal.reports.charts import chart_for
from portal.timeutil import today

bp = Blueprint("reports", __name__, template_folder="templates")


def csv_response(table: queries.Table, prefix: str) -> Response:
    filename = f"{prefix}-{table.key}-{today().isoformat()}.csv"
    return Response(csv_export.document(table.columns, table.rows), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


@bp.get("/admin/reports/")
@roles(Role.ADMIN)
def program():
    tables = queries.program_tables()
    return render_template("reports/program.html", blocks=[(t, chart_for(t)) for t in tables])


@bp.get("/admin/reports/<table>.csv")
@roles(Role.ADMIN)
def program_csv(table: str):
    found = queries.program_table(table)
    if found is None:
        abort(404)
    return csv_response(found, "287g-program")


@bp.get("/agency/reports/<table>.csv")
@roles(Role.COORDINATOR)
def agency_csv(table: str):
    found = queries.agency_table(current_user.agency, table)
    if found is None:
        abort(404)
    return csv_response(found, "287g-agency")
