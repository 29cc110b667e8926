from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.column_types import enum_column
from portal.extensions import Model
from portal.timeutil import DEFAULT_TIME_ZONE, today, utcnow

# "Renewal due" shows this many days ahead of an agreement's end date.
RENEWAL_NOTICE_DAYS = 180

if TYPE_CHECKING:
    from portal.auth.models import User


class AgencyKind(enum.StrEnum):
    STATE = "state"
    COUNTY = "county"
    CITY = "city"


class AgreementModel(enum.StrEnum):
    JEM = "JEM"
    TFM = "TFM"
    WSO = "WSO"

    @property
    def label(self) -> str:
        return {
            AgreementModel.JEM: "Jail Enforcement Model",
            AgreementModel.TFM: "Task Force Model",
            AgreementModel.WSO: "Warrant Service Officer",
        }[self]


class AgreementKind(enum.StrEnum):
    MOU = "MOU"
    MOA = "MOA"


class AgreementStatus(enum.StrEnum):
    APPLIED = "applied"
    UNDER_REVIEW = "under_review"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"
    EXPIRED = "expired"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


# The lifecycle: applied -> under review -> active <-> suspended -> terminated/expired.
AGREEMENT_TRANSITIONS: dict[AgreementStatus, frozenset[AgreementStatus]] = {
    AgreementStatus.APPLIED: frozenset({AgreementStatus.UNDER_REVIEW, AgreementStatus.TERMINATED}),
    AgreementStatus.UNDER_REVIEW: frozenset({AgreementStatus.ACTIVE, AgreementStatus.TERMINATED}),
    AgreementStatus.ACTIVE: frozenset(
        {AgreementStatus.SUSPENDED, AgreementStatus.TERMINATED, AgreementStatus.EXPIRED}
    ),
    AgreementStatus.SUSPENDED: frozenset(
        {AgreementStatus.ACTIVE, AgreementStatus.TERMINATED, AgreementStatus.EXPIRED}
    ),
    AgreementStatus.TERMINATED: frozenset(),
    AgreementStatus.EXPIRED: frozenset(),
}

PENDING_AGREEMENT_STATUSES = frozenset({AgreementStatus.APPLIED, AgreementStatus.UNDER_REVIEW})

US_STATES = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ "
    "NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI AS MP"
).split()

# The zone most of each state or territory keeps; the rest are on Eastern time. A new agency starts
# in its state's zone, and an administrator can change it.
STATE_TIME_ZONES = {
    **dict.fromkeys("AL AR IL IA KS LA MN MS MO NE ND OK SD TN TX WI".split(), "America/Chicago"),
    **dict.fromkeys("CO ID MT NM UT WY".split(), "America/Denver"),
    **dict.fromkeys("CA NV OR WA".split(), "America/Los_Angeles"),
    "AZ": "America/Phoenix", "AK": "America/Anchorage", "HI": "Pacific/Honolulu",
    "PR": "America/Puerto_Rico", "VI": "America/Puerto_Rico", "GU": "Pacific/Guam", "MP": "Pacific/Guam",
    "AS": "Pacific/Pago_Pago",
}


def state_time_zone(state: str) -> str:
    return STATE_TIME_ZONES.get(state, DEFAULT_TIME_ZONE)


class Agency(Model):
    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(160), unique=True)
    kind: Mapped[AgencyKind] = mapped_column(enum_column(AgencyKind))
    state: Mapped[str] = mapped_column(sa.String(2), index=True)
    contact_name: Mapped[str] = mapped_column(sa.String(120), default="")
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(40), default="")
    time_zone: Mapped[str] = mapped_column(sa.String(64), default=DEFAULT_TIME_ZONE, server_default=DEFAULT_TIME_ZONE)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    agreements: Mapped[list[Agreement]] = relationship(
        back_populates="agency", order_by="Agreement.id.desc()", cascade="all, delete-orphan"
    )
    users: Mapped[list[User]] = relationship(back_populates="agency")

    @property
    def current_agreement(self) -> Agreement | None:
        """The newest agreement in force, else the newest: a renewal applied for while an agreement
        runs does not displace it (the same rule as `current_agreements`)."""
        in_force = [a for a in self.agreements if a.is_in_force()]
        return max(in_force or self.agreements, key=lambda a: a.id or 0, default=None)

    @property
    def has_active_agreement(self) -> bool:
        agreement = self.current_agreement
        return agreement is not None and agreement.is_in_force()


class Agreement(Model):
    __tablename__ = "agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    kind: Mapped[AgreementKind] = mapped_column(enum_column(AgreementKind), default=AgreementKind.MOA)
    model: Mapped[AgreementModel] = mapped_column(enum_column(AgreementModel))
    status: Mapped[AgreementStatus] = mapped_column(
        enum_column(AgreementStatus), default=AgreementStatus.APPLIED
    )
    applied_on: Mapped[date] = mapped_column(default=today)
    signed_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    notes: Mapped[str] = mapped_column(sa.Text, default="")

    agency: Mapped[Agency] = relationship(back_populates="agreements")
    history: Mapped[list[AgreementStatusChange]] = relationship(
        back_populates="agreement", order_by="AgreementStatusChange.id", cascade="all, delete-orphan"
    )

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING_AGREEMENT_STATUSES

    def renewal_due(self, on: date | None = None) -> bool:
        """In force (or suspended) and ending within RENEWAL_NOTICE_DAYS."""
        on = on or today()
        return (
            self.status in {AgreementStatus.ACTIVE, AgreementStatus.SUSPENDED}
            and self.ends_on is not None
            and on <= self.ends_on
            and (self.ends_on - on).days <= RENEWAL_NOTICE_DAYS
        )

    def past_end(self, on: date | None = None) -> bool:
        on = on or today()
        return self.status == AgreementStatus.ACTIVE and self.ends_on is not None and on > self.ends_on

    @property
    def reference(self) -> str:
        """The application's reference number, given to the applicant and shown to the program office."""
        return f"287G-APP-{self.applied_on.year}-{self.id:06d}"

    def is_in_force(self, on: date | None = None) -> bool:
        on = on or today()
        return self.status == AgreementStatus.ACTIVE and (self.ends_on is None or on <= self.ends_on)

    def can_move_to(self, status: AgreementStatus) -> bool:
        return status == self.status or status in AGREEMENT_TRANSITIONS[self.status]


def current_agreements() -> sa.Subquery:
    """Each agency's current agreement, as a subquery of (agency_id, agreement_id): the newest one in
    force, else the newest (a renewal applied for while an agreement runs does not displace it)."""
    newest_in_force = sa.func.max(sa.case((in_force_clause(), Agreement.id)))
    return (sa.select(Agreement.agency_id,
                      sa.func.coalesce(newest_in_force, sa.func.max(Agreement.id)).label("agreement_id"))
            .group_by(Agreement.agency_id).subquery())


def in_force_clause(on: date | None = None) -> sa.ColumnElement[bool]:
    """SQL condition matching `Agreement.is_in_force(on)`."""
    on = on or today()
    return sa.and_(Agreement.status == AgreementStatus.ACTIVE, sa.or_(Agreement.ends_on.is_(None), Agreement.ends_on >= on))


class AgreementStatusChange(Model):
    """One dated, commented move of an agreement through its lifecycle (its first row: the application)."""

    __tablename__ = "agreement_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(sa.ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[AgreementStatus | None] = mapped_column(enum_column(AgreementStatus))
    to_status: Mapped[AgreementStatus] = mapped_column(enum_column(AgreementStatus))
    effective_on: Mapped[date] = mapped_column(default=today)
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    actor_name: Mapped[str] = mapped_column(sa.String(254), default="")
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    agreement: Mapped[Agreement] = relationship(back_populates="history")
