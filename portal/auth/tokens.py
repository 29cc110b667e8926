"""Signed, expiring, single-use password links: "set your password" (sent by the program office
to a new account) and "reset your password" (asked for on the sign-in page).

The token carries the user id and a fingerprint of the current password hash: once the password
is set the fingerprint changes, so the same link cannot be used twice. Each kind has its own salt,
so a link of one kind is never accepted as the other, and its own lifetime setting.
"""
import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from portal.auth.models import User
from portal.extensions import db

SET_PASSWORD = "set-password"
RESET_PASSWORD = "reset-password"
MAX_AGE_SETTING = {SET_PASSWORD: "SET_PASSWORD_LINK_MAX_AGE", RESET_PASSWORD: "PASSWORD_RESET_LINK_MAX_AGE"}
ASK_AGAIN = {SET_PASSWORD: "Ask your administrator for a new one.",
             RESET_PASSWORD: "Ask for a new one with “Forgot your password?” on the sign-in page."}


class TokenError(ValueError):
    pass


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose)


def _fingerprint(user: User) -> str:
    return hashlib.sha256((user.password_hash or "unset").encode()).hexdigest()[:16]


def make_set_password_token(user: User, purpose: str = SET_PASSWORD) -> str:
    return _serializer(purpose).dumps({"u": user.id, "f": _fingerprint(user)})


def user_for_token(token: str, purpose: str = SET_PASSWORD) -> User:
    max_age = current_app.config[MAX_AGE_SETTING[purpose]]
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise TokenError(f"This link has expired. {ASK_AGAIN[purpose]}") from exc
    except BadSignature as exc:
        raise TokenError("This link is not valid.") from exc
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.active:
        raise TokenError("This link is not valid.")
    if data.get("f") != _fingerprint(user):
        raise TokenError("This link has already been used. Sign in, or ask for a new link.")
    return user
