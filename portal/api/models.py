from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Model
from portal.timeutil import utcnow

if TYPE_CHECKING:
    from portal.agencies.models import Agency


class ApiToken(Model):
    """A bearer token for /api: one agency's (agency_id set) or the whole program's (agency_id
    NULL). Only the SHA-256 of the token is kept; the token itself is shown once, when made."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(sa.String(100))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The first characters of the token, so that its owner can tell tokens apart in the list.
    prefix: Mapped[str] = mapped_column(sa.String(16))
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    agency: Mapped[Agency | None] = relationship()

    @property
    def is_program(self) -> bool:
        return self.agency_id is None

    def expired(self, now: datetime) -> bool:
        """Expired from the instant `expires_at` on (a token made for N days works N days)."""
        return self.expires_at is not None and now >= self.expires_at

    def status(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expired(now) else "active"

    @property
    def scope(self) -> str:
        return "program" if self.is_program else "agency"
