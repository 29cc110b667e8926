import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from portal.access import signed_in
from portal.extensions import db
from portal.ids import parse_id
from portal.notifications.models import OutboxMessage
from portal.notifications.services import mark_read, unread_count
from portal.pagination import paginate

bp = Blueprint("notifications", __name__, template_folder="templates")

# Where a message of each kind leads when it names no page of its own.
KIND_LINKS = {
    "enrollment": "progress.dashboard", "enrollment_moved": "progress.dashboard", "week_open": "progress.dashboard",
    "completion": "progress.dashboard", "remediation": "progress.dashboard", "disqualified": "progress.dashboard",
    "certificate": "certificates.mine", "certificate_expiry": "certificates.mine",
}


def message_link(message: OutboxMessage) -> str:
    if message.link:
        return message.link
    endpoint = KIND_LINKS.get(message.kind)
    return url_for(endpoint) if endpoint else ""


@bp.app_context_processor
def unread_notifications() -> dict:
    """The header's count of unread notifications, for whoever is signed in."""
    return {"unread_notifications": unread_count(current_user) if current_user.is_authenticated else 0}


@bp.get("/notifications")
@signed_in
def inbox():
    query = (sa.select(OutboxMessage).where(OutboxMessage.user_id == current_user.id)
             .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()))
    return render_template("notifications/inbox.html", page=paginate(query, per_page=20), form=FlaskForm(),
                           message_link=message_link)


@bp.post("/notifications/read")
@signed_in
def read():
    """Mark one message (`message`) or, without it, all of the signed-in user's messages read."""
    if not FlaskForm().validate_on_submit():
        flash("The form expired; please try again.", "error")
        return redirect(url_for("notifications.inbox"))
    raw = request.form.get("message")
    message_id = parse_id(raw) if raw else None
    if raw and message_id is None:
        return redirect(url_for("notifications.inbox"))
    marked = mark_read(current_user, message_id)
    db.session.commit()
    if message_id is None:
        flash(f"{marked} notification{'s' if marked != 1 else ''} marked read.", "success")
    return redirect(url_for("notifications.inbox", page=request.form.get("page") or None))
