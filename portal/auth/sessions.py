"""Server-side sign-in sessions behind Flask-Login.

The cookie holds a random token; the database holds its SHA-256. Signing out deletes the row, so a
replayed cookie is anonymous. Idle and absolute timeouts are checked on every request; the
last-seen time is written at most once a minute per session (TOUCH_EVERY_SECONDS).
"""
import functools
import hashlib
import secrets
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import current_app, g, has_request_context
from sqlalchemy.orm import joinedload

from portal.audit.services import client_address
from portal.auth.models import User, UserSession
from portal.database import write_transaction
from portal.extensions import db
from portal.timeutil import utcnow

TOUCH_EVERY_SECONDS = 60

# Figures that every page shows of the signed-in user (the header's unread notifications), read in
# the session lookup's own statement instead of a round trip each: name -> the figure as a scalar
# subquery of the user's id column. `request_figure(name)` gives it back during the request.
FIGURES: dict[str, Callable[[Any], sa.ScalarSelect]] = {}


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(user: User) -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(token_hash=_digest(token), user=user, ip_address=client_address()))
    user.session_token = token
    return token


@functools.cache
def _lookup(names: tuple[str, ...]) -> sa.Select:
    """The session and its user, with the FIGURES named. Built once, as the hot statements are: a
    statement built per request costs SQLAlchemy its construction and its cache key each time."""
    return (sa.select(UserSession, *(FIGURES[name](UserSession.user_id) for name in names))
            .where(UserSession.token_hash == sa.bindparam("token_hash")).options(joinedload(UserSession.user)))


def resolve(token: str) -> User | None:
    """The user signed in with this token, or None if the session ended or timed out."""
    if not token or len(token) > 100:
        return None
    names = tuple(FIGURES)
    row = db.session.execute(_lookup(names), {"token_hash": _digest(token)}).first()
    if row is None:
        return None
    user_session, *figures = row
    now = utcnow()
    cfg = current_app.config
    expired = (
        now - user_session.last_seen_at > cfg["SESSION_IDLE_TIMEOUT"]
        or now - user_session.created_at > cfg["SESSION_ABSOLUTE_TIMEOUT"]
    )
    user = user_session.user
    if expired or not user.active:
        session_id = user_session.id
        with write_transaction():
            db.session.execute(sa.delete(UserSession).where(UserSession.id == session_id))
        return None
    if (now - user_session.last_seen_at).total_seconds() >= TOUCH_EVERY_SECONDS:
        # At most one write a minute per session: the other requests only read. The idle timeout
        # counts from this recorded time, so it may end a session up to a minute early.
        session_id = user_session.id
        with write_transaction():
            db.session.execute(sa.update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now))
    user.session_token = token
    g.session_figures = dict(zip(names, figures, strict=True))
    return user


def request_figure(name: str) -> Any | None:
    """A figure of FIGURES as the session lookup read it at the start of this request, or None (no
    signed-in session, or `forget_figure` since: the request changed what it counts)."""
    return g.get("session_figures", {}).get(name)


def forget_figure(name: str) -> None:
    if has_request_context():
        g.get("session_figures", {}).pop(name, None)


def close_session(token: str | None) -> None:
    if token:
        db.session.execute(sa.delete(UserSession).where(UserSession.token_hash == _digest(token)))


def close_other_sessions(user: User, keep_token: str | None) -> None:
    query = sa.delete(UserSession).where(UserSession.user_id == user.id)
    if keep_token:
        query = query.where(UserSession.token_hash != _digest(keep_token))
    db.session.execute(query)
