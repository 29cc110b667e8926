import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_login import current_user

from portal.access import signed_in
from portal.notifications.models import OutboxMessage
from portal.pagination import paginate

bp = Blueprint("notifications", __name__, template_folder="templates")


@bp.get("/notifications")
@signed_in
def inbox():
    query = (sa.select(OutboxMessage).where(OutboxMessage.user_id == current_user.id)
             .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()))
    return render_template("notifications/inbox.html", page=paginate(query, per_page=20))
