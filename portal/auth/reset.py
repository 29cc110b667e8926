""""Forgot your password?": a single-use, expiring link mailed through the outbox.

The answer never says whether the address has an account (the page is the same either way), the
link is built from the configured address (never the request's Host header), and setting the new
password ends every session of the account. Functions never commit; the view does.
"""
from flask import current_app

from portal.audit import services as audit
from portal.auth.models import User
from portal.auth.services import find_user, loggable_email, set_password
from portal.auth.tokens import RESET_PASSWORD, make_set_password_token
from portal.links import external_url
from portal.notifications.services import queue

SIGN_OFF = "\n\n— The 287(g) Training Program office"


def request_password_reset(email: str) -> None:
    """Mail a reset link to an active account with this address; record the request either way."""
    user = find_user(email)
    if user is None or not user.active:
        audit.record("password_reset_requested", outcome="no_account", email=loggable_email(email))
        return
    token = make_set_password_token(user, RESET_PASSWORD)
    link = external_url("auth.reset_password", token=token)
    minutes = current_app.config["PASSWORD_RESET_LINK_MAX_AGE"] // 60
    body = (
        f"Dear {user.full_name},\n\n"
        f"Someone, probably you, asked to reset the password of your 287(g) Training Portal account.\n\n"
        f"Choose a new password here (the link works once, for {minutes} minutes):\n{link}\n\n"
        f"If you did not ask, ignore this message: your password stays as it is." + SIGN_OFF
    )
    queue("password_reset", user, "Reset your 287(g) Training Portal password", body)
    audit.record("password_reset_requested", user, actor=user)


def reset_password(user: User, password: str) -> None:
    """The new password; every session of the account ends (a stolen one too)."""
    set_password(user, password)
    audit.record("password_reset", user, actor=user)
