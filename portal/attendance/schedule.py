"""What officers and coordinators see of the schedule: the coming sessions of their classes, today's first."""
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.attendance.models import ClassSession
from portal.attendance.services import Hours, hours_of
from portal.auth.models import User
from portal.auth.roles import Role
from portal.classes.models import ACTIVE_ENROLLMENT_STATUSES, Enrollment, TrainingClass
from portal.extensions import db
from portal.timeutil import today, today_in


@dataclass
class Schedule:
    today: list[ClassSession] = field(default_factory=list)  # sessions on the class's today
    coming: list[ClassSession] = field(default_factory=list)
    hours: list[tuple[Enrollment, Hours]] = field(default_factory=list)  # the officer's own classes with sessions


def schedule_for(viewer: User, limit: int) -> Schedule:
    if viewer.role == Role.OFFICER:
        viewers = Enrollment.officer_id == viewer.id
    elif viewer.role == Role.COORDINATOR and viewer.agency_id is not None:
        viewers = Enrollment.officer_id.in_(sa.select(User.id).where(User.agency_id == viewer.agency_id))
    else:
        return Schedule()
    classes = sa.select(Enrollment.class_id).where(viewers, Enrollment.status.in_(ACTIVE_ENROLLMENT_STATUSES))
    # A day of margin either side of UTC's today: the class's own today is decided per session below.
    sessions = db.session.scalars(
        sa.select(ClassSession).where(ClassSession.class_id.in_(classes), ClassSession.day >= today() - timedelta(days=1))
        .order_by(ClassSession.day, ClassSession.starts_at, ClassSession.id).limit(limit + 10)
        .options(joinedload(ClassSession.training_class).joinedload(TrainingClass.course), joinedload(ClassSession.instructor))
    ).all()
    schedule = Schedule()
    for session in sessions:
        local_today = today_in(session.training_class.time_zone)
        if session.day == local_today:
            schedule.today.append(session)
        elif session.day > local_today:
            schedule.coming.append(session)
    schedule.coming = schedule.coming[:limit]
    if viewer.role == Role.OFFICER:
        enrollments = db.session.scalars(
            sa.select(Enrollment).where(viewers, Enrollment.status.in_(ACTIVE_ENROLLMENT_STATUSES))
            .options(joinedload(Enrollment.training_class).joinedload(TrainingClass.course))
        ).all()
        hours = hours_of(enrollments)
        schedule.hours = [(e, hours[e.id]) for e in enrollments if hours[e.id].has_sessions]
    return schedule
