from datetime import datetime, time

import sqlalchemy as sa
from flask import Blueprint, render_template, request

from portal.access import roles
from portal.audit.forms import AuditFilterForm
from portal.audit.models import AuditEvent
from portal.auth.roles import Role
from portal.extensions import db
from portal.pagination import paginate

bp = Blueprint("audit", __name__, template_folder="templates")


def distinct_values(column) -> list[str]:
    return [v for v in db.session.scalars(sa.select(column).distinct().order_by(column)) if v]


@bp.get("/admin/audit/")
@roles(Role.ADMIN)
def events():
    form = AuditFilterForm(request.args)
    form.action.choices = [("", "Any action")] + [(a, a) for a in distinct_values(AuditEvent.action)]
    form.target_type.choices = [("", "Any target")] + [(t, t) for t in distinct_values(AuditEvent.target_type)]
    query = sa.select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    filters = {}
    if form.validate():
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
        page = paginate(query, per_page=50)
    else:
        page = paginate(query.where(sa.false()), per_page=50)
    return render_template("audit/events.html", form=form, page=page, filters=filters)
