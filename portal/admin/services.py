"""Accounts as the program office manages them. Functions never commit; the view does."""
from portal.audit.services import record
from portal.auth import two_factor
from portal.auth.models import User
from portal.auth.roles import Role
from portal.auth.services import find_user, normalise_email
from portal.auth.sessions import close_other_sessions
from portal.extensions import db

# Officers and coordinators belong to one agency; instructors and administrators to none.
AGENCY_ROLES = frozenset({Role.OFFICER, Role.COORDINATOR})


class UserError(ValueError):
    """The account cannot be saved as asked; `field` names the form field at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def save_user(user: User | None, *, email: str, first_name: str, last_name: str, role: Role,
              agency_id: int | None, active: bool, by: User) -> User:
    """Create an account (`user` None) or change one, for the administrator `by`.

    Refuses an email address another account uses, and an administrator removing their own
    administrator access (role or active flag), so that the program never locks itself out.
    Audited as user_created or user_updated, plus role_changed when an existing account's role
    changes."""
    email = normalise_email(email)
    existing = find_user(email)
    if existing is not None and existing is not user:
        raise UserError("email", "Another account already uses this email address.")
    if user is not None and user.id == by.id and (role != Role.ADMIN or not active):
        raise UserError("role", "You cannot remove your own administrator access.")
    is_new = user is None
    user = user or User()
    old_role = user.role
    user.email = email
    user.first_name = first_name.strip()
    user.last_name = last_name.strip()
    user.role = role
    user.agency_id = agency_id if role in AGENCY_ROLES else None
    user.active = active
    db.session.add(user)
    db.session.flush()
    record("user_created" if is_new else "user_updated", user, old_role=str(old_role or ""), new_role=str(user.role))
    if not is_new and old_role != user.role:
        record("role_changed", user, old_role=str(old_role), new_role=str(user.role))
    return user


def may_reset_two_factor(user: User, *, by: User) -> bool:
    """Only another user's two-step sign-in, and only once it is set up (one's own is changed
    from the account page, with the current code)."""
    return user.id != by.id and user.has_two_factor


def reset_two_factor(user: User) -> None:
    """For a user who lost their authenticator and recovery codes: they sign in with the password
    alone next time (and set two-step sign-in up again where it is required); their sessions end."""
    two_factor.disable(user)  # audited as two_factor_disabled, with the administrator as actor
    close_other_sessions(user, keep_token=None)
