"""Signed, expiring, single-use "set your password" links.

The token carries the user id and a fingerprint of the current password hash: once the password
is set the fingerprint changes, so the same link cannot be used twice.
"""
import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from portal.auth.models import User
from portal.extensions import db

SALT = "set-password"


class TokenError(ValueError):
    pass


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _fingerprint(user: User) -> str:
    return hashlib.sha256((user.password_hash or "unset").encode()).hexdigest()[:16]


def make_set_password_token(user: User) -> str:
    return _serializer().dumps({"u": user.id, "f": _fingerprint(user)})


def user_for_token(token: str) -> User:
    max_age = current_app.config["SET_PASSWORD_LINK_MAX_AGE"]
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise TokenError("This link has expired. Ask your administrator for a new one.") from exc
    except BadSignature as exc:
        raise TokenError("This link is not valid.") from exc
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.active:
        raise TokenError("This link is not valid.")
    if data.get("f") != _fingerprint(user):
        raise TokenError("This link has already been used. Sign in, or ask for a new link.")
    return user
