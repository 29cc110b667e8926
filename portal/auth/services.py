"""Sign-in, lockout, sign-out and password changes. Functions never commit; the view does."""
import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from portal.audit import services as audit
from portal.auth import sessions
from portal.auth.models import User
from portal.auth.passwords import hash_password, verify_password
from portal.extensions import db
from portal.timeutil import utcnow

EMAIL_SHAPE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def loggable_email(email: str) -> str:
    """The address typed at a failed sign-in, for the audit trail, unless it does not look like an
    address at all: people type their password into the email field, and that must not be kept."""
    email = normalise_email(email)[:254]
    return email if EMAIL_SHAPE.fullmatch(email) else "(not an email address)"


def find_user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def is_locked(user: User, now: datetime | None = None) -> bool:
    return user.locked_until is not None and user.locked_until > (now or utcnow())


def register_failure(user: User, reason: str) -> bool:
    """Count a failed sign-in step (password or second factor) against the account; lock it after
    LOGIN_LOCKOUT_THRESHOLD failures within LOGIN_LOCKOUT_WINDOW. True if it is now locked.

    The row is re-read under a row lock (FOR UPDATE on PostgreSQL) so that parallel guesses cannot
    lose each other's increments."""
    cfg = current_app.config
    now = utcnow()
    db.session.execute(
        sa.select(User).where(User.id == user.id).with_for_update().execution_options(populate_existing=True)
    )
    start = user.failed_login_window_start
    if start is None or now - start > cfg["LOGIN_LOCKOUT_WINDOW"]:
        user.failed_login_window_start = now
        user.failed_login_count = 1
    else:
        user.failed_login_count += 1
    audit.record("login", user, outcome="failure", actor=user, reason=reason,
                 failures=user.failed_login_count)
    if user.failed_login_count >= cfg["LOGIN_LOCKOUT_THRESHOLD"]:
        user.locked_until = now + cfg["LOGIN_LOCKOUT_DURATION"]
        user.failed_login_count = 0
        user.failed_login_window_start = None
        audit.record("account_locked", user, outcome="locked", actor=user,
                     until=user.locked_until.isoformat(timespec="seconds"))
        return True
    return False


def clear_failures(user: User) -> None:
    user.failed_login_count = 0
    user.failed_login_window_start = None
    user.locked_until = None


@dataclass(frozen=True)
class PasswordCheck:
    """What a sign-in's password check found: read and hashed before any write (`check_password`)."""

    email: str
    user_id: int | None
    password_ok: bool


def check_password(email: str, password: str) -> PasswordCheck:
    """Read the account and check the password: only reads, so the caller can do it before taking
    the write lock, and the lock is not held for the hash's tens of milliseconds."""
    user = find_user(email)
    ok = verify_password(user.password_hash if user else None, password)
    return PasswordCheck(email, user.id if user else None, ok)


def authenticate(check: PasswordCheck) -> User | None:
    """The user if the password was right and the account may sign in now; audits every failure.
    The account is read again (in the caller's write transaction), so a lock, a disabled account or
    another request's failures since the check count.

    A locked account is refused even with the right password. The caller then asks for the second
    factor if the user has one, or calls `complete_sign_in`."""
    email, ok = check.email, check.password_ok
    user = db.session.get(User, check.user_id, populate_existing=True) if check.user_id is not None else None
    if user is None:
        audit.record("login", None, outcome="failure", reason="unknown_email", email=loggable_email(email))
        return None
    if is_locked(user):
        audit.record("login", user, outcome="failure", actor=user, reason="locked")
        return None
    if not user.active:
        audit.record("login", user, outcome="failure", actor=user, reason="disabled")
        return None
    if not ok:
        register_failure(user, "bad_credentials")
        return None
    return user


def complete_sign_in(user: User, *, method: str = "password") -> str:
    """Open a new server-side session for a fully authenticated user; returns its token."""
    clear_failures(user)
    user.last_login_at = utcnow()
    token = sessions.open_session(user)
    audit.record("login", user, actor=user, method=method)
    return token


def set_password(user: User, password: str, *, keep_session: str | None = None) -> None:
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    sessions.close_other_sessions(user, keep_session)
    audit.record("password_set", user)
