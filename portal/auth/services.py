"""Sign-in, sign-out and password changes. Functions never commit; the view does."""
import sqlalchemy as sa

from portal.audit import services as audit
from portal.auth import sessions
from portal.auth.models import User
from portal.auth.passwords import hash_password, verify_password
from portal.timeutil import utcnow
from portal.extensions import db


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """The user if the credentials are right and the account may sign in; audits failures."""
    user = find_user(email)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        audit.record("login", user, outcome="failure", actor=user, email=normalise_email(email)[:254])
        return None
    user.last_login_at = utcnow()
    audit.record("login", user, actor=user)
    return user


def set_password(user: User, password: str, *, keep_session: str | None = None) -> None:
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    sessions.close_other_sessions(user, keep_session)
    audit.record("password_set", user)
