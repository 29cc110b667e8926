from __future__ import annotations

import enum
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.column_types import enum_column
from portal.courses.models import Course
from portal.extensions import Model, db
from portal.timeutil import DEFAULT_TIME_ZONE, utcnow

class_instructors = sa.Table(
    "class_instructors",
    db.metadata,
    sa.Column("class_id", sa.ForeignKey("training_classes.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class EnrollmentStatus(enum.StrEnum):
    ENROLLED = "enrolled"
    IN_PROGRESS = "in_progress"
    REMEDIATION = "remediation"
    COMPLETED = "completed"
    DISQUALIFIED = "disqualified"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


ACTIVE_ENROLLMENT_STATUSES = frozenset(
    {EnrollmentStatus.ENROLLED, EnrollmentStatus.IN_PROGRESS, EnrollmentStatus.REMEDIATION}
)
SEAT_HOLDING_STATUSES = ACTIVE_ENROLLMENT_STATUSES | {EnrollmentStatus.COMPLETED}


class TrainingClass(Model):
    """A cohort taking one course together from a start date."""

    __tablename__ = "training_classes"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    start_date: Mapped[date]
    capacity: Mapped[int] = mapped_column(default=30)
    location: Mapped[str] = mapped_column(sa.String(200), default="")
    # Its weeks open at midnight here.
    time_zone: Mapped[str] = mapped_column(sa.String(64), default=DEFAULT_TIME_ZONE, server_default=DEFAULT_TIME_ZONE)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    course: Mapped[Course] = relationship()
    instructors: Mapped[list[User]] = relationship(secondary=class_instructors, order_by=User.last_name)
    enrollments: Mapped[list[Enrollment]] = relationship(
        back_populates="training_class", cascade="all, delete-orphan"
    )

    def week_opens_on(self, week: int) -> date:
        return self.start_date + timedelta(days=7 * (week - 1))

    @property
    def end_date(self) -> date:
        return self.start_date + timedelta(days=7 * self.course.weeks - 1)


class Enrollment(Model):
    __tablename__ = "enrollments"
    __table_args__ = (sa.UniqueConstraint("class_id", "officer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(sa.ForeignKey("training_classes.id"), index=True)
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    status: Mapped[EnrollmentStatus] = mapped_column(
        enum_column(EnrollmentStatus), default=EnrollmentStatus.ENROLLED
    )
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]

    training_class: Mapped[TrainingClass] = relationship(back_populates="enrollments")
    officer: Mapped[User] = relationship()

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_ENROLLMENT_STATUSES
