"""What officers and coordinators see of the schedule: the coming sessions of their classes, today's first."""
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.attendance.models import ClassSession
from portal.attendance.services import Hours, classes_attended
from portal.auth.models import User
from portal.auth.roles import Role
from portal.classes.models import ACTIVE_ENROLLMENT_STATUSES, Enrollment, TrainingClass
from portal.extensions import db
from portal.timeutil import today, today_in

IN_ORDER = (ClassSession.day, ClassSession.starts_at, ClassSession.id)


@dataclass
class Schedule:
    today: list[ClassSession] = field(default_factory=list)  # sessions on the class's today
    coming: list[ClassSession] = field(default_factory=list)
    hours: list[tuple[Enrollment, Hours]] = field(default_factory=list)  # the officer's own classes with sessions


@functools.cache
def _sessions_of_classes() -> sa.Select[ClassSession]:
    """Built once (see auth.sessions._lookup): every officer's dashboard runs it."""
    return (sa.select(ClassSession).where(ClassSession.class_id.in_(sa.bindparam("class_ids", expanding=True)))
            .order_by(*IN_ORDER).options(joinedload(ClassSession.instructor)))


def schedule_for(viewer: User, limit: int, enrollments: Sequence[Enrollment] | None = None) -> Schedule:
    """`enrollments`: the officer's, when the page has loaded them already (the dashboard)."""
    active = Enrollment.status.in_(ACTIVE_ENROLLMENT_STATUSES)
    # A day of margin either side of UTC's today: the class's own today is decided per session below.
    from_day = today() - timedelta(days=1)
    if viewer.role == Role.OFFICER:
        if enrollments is None:
            enrollments = db.session.scalars(
                sa.select(Enrollment).where(Enrollment.officer_id == viewer.id, active)
                .options(joinedload(Enrollment.training_class).joinedload(TrainingClass.course))
            ).all()
        else:
            enrollments = [e for e in enrollments if e.status in ACTIVE_ENROLLMENT_STATUSES]
        # Every session of the officer's few classes: the coming ones and the hours both come from them
        # (their classes are the enrollments', in the session already).
        every = db.session.scalars(_sessions_of_classes(), {"class_ids": [e.class_id for e in enrollments]}).all()
        sessions = [s for s in every if s.day >= from_day]
        own_hours = classes_attended(enrollments, every)
    elif viewer.role == Role.COORDINATOR and viewer.agency_id is not None:
        officers = sa.select(User.id).where(User.agency_id == viewer.agency_id)
        classes = sa.select(Enrollment.class_id).where(Enrollment.officer_id.in_(officers), active)
        sessions = list(db.session.scalars(
            sa.select(ClassSession).where(ClassSession.class_id.in_(classes), ClassSession.day >= from_day)
            .order_by(*IN_ORDER).limit(limit + 10)
            .options(joinedload(ClassSession.training_class).joinedload(TrainingClass.course),
                     joinedload(ClassSession.instructor))
        ))
        own_hours = []
    else:
        return Schedule()
    schedule = Schedule(hours=own_hours)
    for session in sessions:
        local_today = today_in(session.training_class.time_zone)
        if session.day == local_today:
            schedule.today.append(session)
        elif session.day > local_today:
            schedule.coming.append(session)
    schedule.coming = schedule.coming[:limit]
    return schedule
