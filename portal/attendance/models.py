"""A class's sessions (when and where it meets), the holidays patterns skip, attendance marks and
the secret addresses of calendar feeds."""
from __future__ import annotations

import enum
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.classes.models import Enrollment, TrainingClass
from portal.column_types import enum_column
from portal.extensions import Model
from portal.timeutil import utcnow


class ClassSession(Model):
    """One meeting of a class, its times in the class's time zone."""

    __tablename__ = "class_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(sa.ForeignKey("training_classes.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(index=True)
    starts_at: Mapped[time]
    ends_at: Mapped[time]
    room: Mapped[str] = mapped_column(sa.String(120), default="")
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    online_url: Mapped[str] = mapped_column(sa.String(500), default="")
    topic: Mapped[str] = mapped_column(sa.String(200), default="")
    instructor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    cancelled: Mapped[bool] = mapped_column(default=False)
    # RFC 5545 SEQUENCE: raised each time the session moves or is cancelled, so calendars update it.
    sequence: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    training_class: Mapped[TrainingClass] = relationship()
    instructor: Mapped[User | None] = relationship()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.training_class.time_zone)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.day, self.starts_at, self.zone)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.day, self.ends_at, self.zone)

    @property
    def minutes(self) -> int:
        """Scheduled minutes (in wall-clock time: a session never spans a clock change at night)."""
        return (self.ends_at.hour * 60 + self.ends_at.minute) - (self.starts_at.hour * 60 + self.starts_at.minute)

    @property
    def place(self) -> str:
        return ", ".join(part for part in (self.room, self.address) if part) or ("Online" if self.online_url else "")


class Holiday(Model):
    """A day patterns skip (the federal holidays, editable by the administrator)."""

    __tablename__ = "holidays"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))


class Presence(enum.StrEnum):
    PRESENT = "present"
    EXCUSED = "excused"
    ABSENT = "absent"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class AttendanceMark(Model):
    """An officer's attendance at one session: present (perhaps late or leaving early), excused or absent."""

    __tablename__ = "attendance_marks"
    __table_args__ = (sa.UniqueConstraint("session_id", "enrollment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("class_sessions.id", ondelete="CASCADE"), index=True)
    enrollment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrollments.id", ondelete="CASCADE"), index=True)
    presence: Mapped[Presence] = mapped_column(enum_column(Presence))
    late_minutes: Mapped[int] = mapped_column(default=0)
    left_early_minutes: Mapped[int] = mapped_column(default=0)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    session: Mapped[ClassSession] = relationship()
    enrollment: Mapped[Enrollment] = relationship()

    def attended_minutes(self, scheduled: int) -> int:
        if self.presence != Presence.PRESENT:
            return 0
        return max(0, scheduled - self.late_minutes - self.left_early_minutes)


class CalendarFeed(Model):
    """How many times the address of an officer's or a class's calendar feed was renewed (the
    address is derived from it, see services.feed_token); no row means never."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    class_id: Mapped[int | None] = mapped_column(sa.ForeignKey("training_classes.id", ondelete="CASCADE"), unique=True)
    generation: Mapped[int] = mapped_column(default=0)
    renewed_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
