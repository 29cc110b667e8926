from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.agencies.models import AgreementModel
from portal.column_types import enum_column
from portal.extensions import Model
from portal.timeutil import utcnow


class Course(Model):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    agreement_model: Mapped[AgreementModel | None] = mapped_column(enum_column(AgreementModel))
    weeks: Mapped[int] = mapped_column(default=4)
    hours: Mapped[int] = mapped_column(default=160)
    pass_mark: Mapped[int] = mapped_column(default=70)
    # Percent of a class's scheduled session hours an officer must attend to complete.
    attendance_share: Mapped[int] = mapped_column(default=90, server_default="90")
    certificate_validity_days: Mapped[int] = mapped_column(default=365)
    refresher_interval_months: Mapped[int | None]
    is_refresher: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    modules: Mapped[list[Module]] = relationship(
        back_populates="course",
        order_by="(Module.week, Module.position, Module.id)",
        cascade="all, delete-orphan",
    )

    def ordered_lessons(self) -> list[Lesson]:
        return [lesson for module in self.modules for lesson in module.lessons]


class Module(Model):
    __tablename__ = "modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id"), index=True)
    week: Mapped[int]
    position: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.Text, default="")

    course: Mapped[Course] = relationship(back_populates="modules")
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="module",
        order_by="(Lesson.position, Lesson.id)",
        cascade="all, delete-orphan",
    )


class Lesson(Model):
    __tablename__ = "lessons"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id"), index=True)
    position: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(sa.String(200))
    body_markdown: Mapped[str] = mapped_column(sa.Text, default="")
    minutes: Mapped[int] = mapped_column(default=30)

    module: Mapped[Module] = relationship(back_populates="lessons")
