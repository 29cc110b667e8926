from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.roles import Role
from portal.column_types import enum_column
from portal.extensions import Model
from portal.secret_box import TOTP_SECRET_PURPOSE, EncryptedString
from portal.timeutil import DEFAULT_TIME_ZONE, utcnow

if TYPE_CHECKING:
    from portal.agencies.models import Agency


class User(Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    first_name: Mapped[str] = mapped_column(sa.String(80))
    last_name: Mapped[str] = mapped_column(sa.String(80))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # Read only for staff without an agency: an agency's people read times in the agency's zone.
    time_zone: Mapped[str] = mapped_column(sa.String(64), default=DEFAULT_TIME_ZONE, server_default=DEFAULT_TIME_ZONE)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    # Lockout state: failures counted from the first one in the current window.
    failed_login_count: Mapped[int] = mapped_column(default=0, server_default="0")
    failed_login_window_start: Mapped[datetime | None]
    locked_until: Mapped[datetime | None]
    # Two-step sign-in: base32 TOTP secret once enrolled (encrypted at rest), and the last time
    # step accepted (no replay).
    totp_secret: Mapped[str | None] = mapped_column(EncryptedString(255, purpose=TOTP_SECRET_PURPOSE))
    totp_last_counter: Mapped[int | None] = mapped_column(sa.BigInteger)
    totp_enabled_at: Mapped[datetime | None]

    agency: Mapped[Agency | None] = relationship(back_populates="users")
    sessions: Mapped[list[UserSession]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    recovery_codes: Mapped[list[RecoveryCode]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    # Flask-Login: the id kept in the cookie is the server-side session token, set at sign-in.
    if TYPE_CHECKING:
        session_token: str | None  # not a column: declared here for mypy only
    session_token = None

    @property
    def reading_time_zone(self) -> str:
        """The zone this person reads times in: their agency's if they belong to one, else their own."""
        return self.agency.time_zone if self.agency is not None else self.time_zone

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def sort_name(self) -> str:
        return f"{self.last_name}, {self.first_name}"

    @property
    def has_two_factor(self) -> bool:
        return bool(self.totp_secret)

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str | None:
        return self.session_token

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class UserSession(Model):
    """A signed-in browser. Deleting the row signs that browser out, whatever its cookie says."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))

    user: Mapped[User] = relationship(back_populates="sessions")


class RecoveryCode(Model):
    """A one-time two-step sign-in code for when the authenticator is lost; only its SHA-256 is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="recovery_codes")
