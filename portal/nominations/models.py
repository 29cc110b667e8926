from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.agencies.models import Agency
from portal.auth.models import User
from portal.column_types import enum_column
from portal.extensions import Model
from portal.timeutil import utcnow


class NominationStatus(enum.StrEnum):
    NOMINATED = "nominated"
    APPROVED = "approved"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Nomination(Model):
    """An officer an agency puts forward for training, with the facts eligibility is judged on.

    Approval creates the officer's account (`user`); until then the nominee has no account."""

    __tablename__ = "nominations"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    first_name: Mapped[str] = mapped_column(sa.String(80))
    last_name: Mapped[str] = mapped_column(sa.String(80))
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    badge_number: Mapped[str] = mapped_column(sa.String(40), default="")
    rank: Mapped[str] = mapped_column(sa.String(60), default="")
    years_experience: Mapped[float]
    us_citizen: Mapped[bool]
    background_check_date: Mapped[date | None]
    status: Mapped[NominationStatus] = mapped_column(
        enum_column(NominationStatus), default=NominationStatus.NOMINATED, index=True
    )
    source: Mapped[str] = mapped_column(sa.String(10), default="form")
    nominated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    nominated_at: Mapped[datetime] = mapped_column(default=utcnow)
    background_check_verified_on: Mapped[date | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(sa.Text, default="")
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), unique=True)

    agency: Mapped[Agency] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    nominated_by: Mapped[User | None] = relationship(foreign_keys=[nominated_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def sort_name(self) -> str:
        return f"{self.last_name}, {self.first_name}"
