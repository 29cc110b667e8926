import json
from datetime import datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Session
from flask import Blueprint, Response, abort, render_template, request

from portal import csv_export
from portal.access import roles
from portal.audit.forms import AuditFilterForm
from portal.audit.models import AuditEvent
from portal.auth.roles import Role
from portal.extensions import db
from portal.pagination import paginate
from portal.timeutil import today

bp = Blueprint("audit", __name__, template_folder="templates")


def distinct_values(column) -> list[str]:
    return [v for v in db.session.scalars(sa.select(column).distinct().order_by(column)) if v]


def filtered_events() -> tuple[AuditFilterForm, sa.Select | None, dict]:
    """The filter form read from the query string, the events it selects (None when the filters
    are invalid) newest first, and the filters in force (for links)."""
    form = AuditFilterForm(request.args)
    form.action.choices = [("", "Any action")] + [(a, a) for a in distinct_values(AuditEvent.action)]
    form.target_type.choices = [("", "Any target")] + [(t, t) for t in distinct_values(AuditEvent.target_type)]
    query = sa.select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    filters = {}
    if not form.validate():
        return form, None, filters
    if actor := (form.actor.data or "").strip():
        query = query.where(AuditEvent.actor_email.icontains(actor, autoescape=True))
        filters["actor"] = actor
    if form.action.data:
        query = query.where(AuditEvent.action == form.action.data)
        filters["action"] = form.action.data
    if form.target_type.data:
        query = query.where(AuditEvent.target_type == form.target_type.data)
        filters["target_type"] = form.target_type.data
    if target_id := (form.target_id.data or "").strip():
        query = query.where(AuditEvent.target_id == target_id)
        filters["target_id"] = target_id
    if form.date_from.data:
        query = query.where(AuditEvent.at >= datetime.combine(form.date_from.data, time.min))
        filters["date_from"] = form.date_from.data.isoformat()
    if form.date_to.data:
        query = query.where(AuditEvent.at <= datetime.combine(form.date_to.data, time.max))
        filters["date_to"] = form.date_to.data.isoformat()
    return form, query, filters


@bp.get("/admin/audit/")
@roles(Role.ADMIN)
def events():
    form, query, filters = filtered_events()
    page = paginate(query if query is not None else sa.select(AuditEvent).where(sa.false()), per_page=50)
    return render_template("audit/events.html", form=form, page=page, filters=filters)


EXPORT_COLUMNS = ["When (UTC)", "Actor", "Action", "Target type", "Target id", "Outcome", "From", "Details"]


@bp.get("/admin/audit/events.csv")
@roles(Role.ADMIN)
def export():
    """The events the filters select, every one of them, streamed (the log grows without end)."""
    _form, query, _filters = filtered_events()
    if query is None:
        abort(400)  # the page's link always carries valid filters

    bind = db.engine

    def lines():
        # The stream runs after the view has returned, so it reads through a session of its own
        # (as the certificate ZIPs do) rather than the request's, which is closed by then.
        encoder = csv_export.LineEncoder()
        yield encoder.first(EXPORT_COLUMNS)
        with Session(bind=bind) as session:
            for e in session.scalars(query.execution_options(yield_per=500)):
                yield encoder.line([e.at.strftime("%Y-%m-%d %H:%M:%S"), e.actor_email, e.action, e.target_type,
                                    e.target_id, e.outcome, e.ip_address,
                                    json.dumps(e.details or {}, ensure_ascii=False, sort_keys=True, default=str)])

    filename = f"audit-log-{today().isoformat()}.csv"
    return Response(lines(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
