"""Schedules, attendance and attended hours. Services never commit (see docs/architecture.md)."""
from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from portal.attendance.holidays import federal_holidays
from portal.attendance.models import AttendanceMark, CalendarFeed, ClassSession, Holiday, Presence
from portal.audit.services import record
from portal.auth.models import User
from portal.auth.roles import Role
from portal.classes.models import ACTIVE_ENROLLMENT_STATUSES, Enrollment, EnrollmentStatus, TrainingClass
from portal.extensions import db
from portal.notifications.services import outbox_message, queue_all
from portal.timeutil import today_in

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class AttendanceError(Exception):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


# --- holidays -------------------------------------------------------------------------------

def add_federal_holidays(year: int) -> int:
    """Add the year's federal holidays not listed yet; returns how many were added."""
    listed = set(db.session.scalars(sa.select(Holiday.day).where(Holiday.day.between(date(year, 1, 1), date(year, 12, 31)))))
    added = [Holiday(day=day, name=name) for day, name in federal_holidays(year) if day not in listed]
    db.session.add_all(added)
    if added:
        record("holidays_added", year=year, count=len(added))
    return len(added)


def add_holiday(day: date, name: str) -> Holiday:
    """List one holiday; a day already listed is refused (AttendanceError on `day`)."""
    if db.session.scalar(sa.select(Holiday.id).where(Holiday.day == day)):
        raise AttendanceError("day", "This day is already listed.")
    holiday = Holiday(day=day, name=name.strip())
    db.session.add(holiday)
    db.session.flush()
    record("holiday_added", holiday, day=str(holiday.day), name=holiday.name)
    return holiday


def holidays_between(first: date, last: date) -> dict[date, str]:
    return {h.day: h.name for h in db.session.scalars(sa.select(Holiday).where(Holiday.day.between(first, last)))}


# --- schedule -------------------------------------------------------------------------------

@dataclass
class Pattern:
    first_day: date
    weeks: int
    weekdays: list[int]  # 0 = Monday
    starts_at: time
    ends_at: time
    skip_holidays: bool = True
    room: str = ""
    address: str = ""
    online_url: str = ""
    topic: str = ""
    instructor_id: int | None = None


def pattern_days(pattern: Pattern) -> tuple[list[date], dict[date, str]]:
    """The days the pattern meets, and the holidays it skipped."""
    last = pattern.first_day + timedelta(days=7 * pattern.weeks - 1)
    holidays = holidays_between(pattern.first_day, last) if pattern.skip_holidays else {}
    days = [pattern.first_day + timedelta(days=n) for n in range(7 * pattern.weeks)]
    meeting = [d for d in days if d.weekday() in pattern.weekdays]
    return [d for d in meeting if d not in holidays], {d: holidays[d] for d in meeting if d in holidays}


def check_times(starts_at: time, ends_at: time) -> None:
    if ends_at <= starts_at:
        raise AttendanceError("ends_at", "The session must end after it starts.")


def create_sessions(training_class: TrainingClass, pattern: Pattern) -> tuple[list[ClassSession], dict[date, str]]:
    check_times(pattern.starts_at, pattern.ends_at)
    days, skipped = pattern_days(pattern)
    if not days:
        raise AttendanceError("weekdays", "This pattern meets on no day: choose weekdays outside the holidays.")
    sessions = [ClassSession(training_class=training_class, day=day, starts_at=pattern.starts_at, ends_at=pattern.ends_at,
                             room=pattern.room, address=pattern.address, online_url=pattern.online_url,
                             topic=pattern.topic, instructor_id=pattern.instructor_id) for day in days]
    db.session.add_all(sessions)
    db.session.flush()
    record("sessions_created", training_class, count=len(sessions), first=days[0].isoformat(), last=days[-1].isoformat(),
           skipped=", ".join(d.isoformat() for d in skipped))
    return sessions, skipped


SESSION_FIELDS = ("day", "starts_at", "ends_at", "room", "address", "online_url", "topic", "instructor_id")


def update_session(session: ClassSession, values: dict[str, Any]) -> bool:
    """Change a session; a new day or time raises its SEQUENCE and tells the class. True if it moved."""
    check_times(values["starts_at"], values["ends_at"])
    moved = (values["day"], values["starts_at"], values["ends_at"]) != (session.day, session.starts_at, session.ends_at)
    before = session.start
    changed = {name: str(value) for name, value in values.items() if getattr(session, name) != value}
    for name, value in values.items():
        setattr(session, name, value)
    if changed:
        session.sequence += 1  # any change calendars should show (place, link, topic too)
        record("session_updated", session, **changed)
    if moved:
        tell_class(session, "session_moved", f"Class session moved: {session.training_class.name}",
                   f"The session of {before:%A, %B %-d at %-I:%M %p %Z} now meets on "
                   f"{session.start:%A, %B %-d, %Y from %-I:%M %p} to {session.end:%-I:%M %p %Z}.")
    return moved


def cancel_session(session: ClassSession, reason: str) -> None:
    if session.cancelled:
        raise AttendanceError("reason", "This session is already cancelled.")
    session.cancelled = True
    session.sequence += 1
    record("session_cancelled", session, reason=reason)
    tell_class(session, "session_cancelled", f"Class session cancelled: {session.training_class.name}",
               f"The session of {session.start:%A, %B %-d, %Y at %-I:%M %p %Z} is cancelled.\n\nReason: {reason}")


def tell_class(session: ClassSession, kind: str, subject: str, body: str) -> None:
    officers = db.session.scalars(
        sa.select(User).join(Enrollment, Enrollment.officer_id == User.id)
        .where(Enrollment.class_id == session.class_id, Enrollment.status.in_(ACTIVE_ENROLLMENT_STATUSES))
    )
    queue_all(outbox_message(kind, officer, subject, body + "\n\n— The 287(g) Training Program office",
                             dedupe_key=f"{kind}:{session.id}:{session.sequence}:{officer.id}") for officer in officers)


def class_sessions(class_id: int) -> list[ClassSession]:
    return list(db.session.scalars(
        sa.select(ClassSession).where(ClassSession.class_id == class_id)
        .order_by(ClassSession.day, ClassSession.starts_at, ClassSession.id)
        .options(joinedload(ClassSession.instructor), joinedload(ClassSession.training_class))
    ))


# --- attendance -----------------------------------------------------------------------------

@dataclass
class Entry:
    presence: Presence
    late_minutes: int = 0
    left_early_minutes: int = 0


def roll(session: ClassSession) -> list[tuple[Enrollment, AttendanceMark | None]]:
    """The officers expected at the session (active or completed enrollments) with their mark, in two queries."""
    enrollments = db.session.scalars(
        sa.select(Enrollment).join(User, Enrollment.officer_id == User.id)
        .where(Enrollment.class_id == session.class_id,
               Enrollment.status.in_(ACTIVE_ENROLLMENT_STATUSES | {EnrollmentStatus.COMPLETED}))
        .order_by(User.last_name, User.first_name, Enrollment.id)
        .options(joinedload(Enrollment.officer))
    ).all()
    marks = {m.enrollment_id: m for m in db.session.scalars(
        sa.select(AttendanceMark).where(AttendanceMark.session_id == session.id))}
    return [(e, marks.get(e.id)) for e in enrollments]


def check_entry(entry: Entry, scheduled: int) -> str | None:
    if entry.presence != Presence.PRESENT and (entry.late_minutes or entry.left_early_minutes):
        return "Late or left-early minutes apply only to an officer who was present."
    if entry.late_minutes + entry.left_early_minutes >= scheduled:
        return f"Late and left-early minutes must add up to less than the session's {scheduled} minutes."
    return None


def take_attendance(session: ClassSession, entries: dict[int, Entry], recorder: User, reason: str = "") -> int:
    """Record the marks (enrollment id → entry) of the session's roll; returns how many changed.
    After the session's day every change needs a reason and is audited with it."""
    if session.cancelled:
        raise AttendanceError("reason", "This session is cancelled: there is no attendance to take.")
    late_change = today_in(session.training_class.time_zone) > session.day
    changed: list[tuple[Enrollment, AttendanceMark | None, Entry]] = []
    for enrollment, mark in roll(session):
        entry = entries.get(enrollment.id)
        if entry is None:
            continue
        if (problem := check_entry(entry, session.minutes)) is not None:
            raise AttendanceError(f"officer-{enrollment.id}", f"{enrollment.officer.full_name}: {problem}")
        if mark is None or (mark.presence, mark.late_minutes, mark.left_early_minutes) != (
                entry.presence, entry.late_minutes, entry.left_early_minutes):
            changed.append((enrollment, mark, entry))
    if changed and late_change and any(mark is not None for _, mark, _ in changed) and not reason.strip():
        raise AttendanceError("reason", "Give the reason for changing attendance after the session's day.")
    absent: list[Enrollment] = []
    for enrollment, mark, entry in changed:
        before = mark.presence.value if mark else ""
        if mark is None:
            mark = AttendanceMark(session_id=session.id, enrollment_id=enrollment.id, presence=entry.presence)
            db.session.add(mark)
        mark.presence, mark.late_minutes, mark.left_early_minutes = entry.presence, entry.late_minutes, entry.left_early_minutes
        mark.recorded_by_id = recorder.id
        if late_change and before:
            record("attendance_changed", mark, session_id=session.id, officer_id=enrollment.officer_id, before=before,
                   after=entry.presence.value, late=entry.late_minutes, left_early=entry.left_early_minutes,
                   reason=reason.strip())
        if entry.presence == Presence.ABSENT and before != Presence.ABSENT.value:
            absent.append(enrollment)
    if changed:
        record("attendance_taken", session, changed=len(changed))
        db.session.flush()
    tell_coordinators(session, absent)
    return len(changed)


def tell_coordinators(session: ClassSession, absent: list[Enrollment]) -> None:
    """Queue a message to each active coordinator of an absent officer's agency."""
    agency_ids = {e.officer.agency_id for e in absent if e.officer.agency_id}
    if not agency_ids:
        return
    coordinators: dict[int, list[User]] = defaultdict(list)
    for user in db.session.scalars(sa.select(User).where(User.role == Role.COORDINATOR, User.active.is_(True),
                                                         User.agency_id.in_(agency_ids))):
        coordinators[user.agency_id or 0].append(user)
    queue_all(
        outbox_message("absence", coordinator, f"Absent from class: {e.officer.full_name}",
                       f"{e.officer.full_name} was marked absent from {session.training_class.name} on "
                       f"{session.start:%A, %B %-d, %Y} ({session.start:%-I:%M %p}–{session.end:%-I:%M %p %Z})"
                       f"{': ' + session.topic if session.topic else ''}.\n\n— The 287(g) Training Program office",
                       dedupe_key=f"absence:{session.id}:{e.id}:{coordinator.id}")
        for e in absent for coordinator in coordinators.get(e.officer.agency_id or 0, [])
    )


# --- hours ----------------------------------------------------------------------------------

@dataclass
class Hours:
    """An officer's attendance in one class, in minutes."""

    share: int  # percent required
    scheduled: int = 0  # every session not cancelled
    held: int = 0  # those whose day has come
    attended: int = 0
    missed: list[tuple[ClassSession, Presence]] = field(default_factory=list)
    late: int = 0  # sessions arrived late at or left early

    @property
    def has_sessions(self) -> bool:
        return self.scheduled > 0

    @property
    def required(self) -> int:
        return -(-self.scheduled * self.share // 100)  # rounded up: 90% of 25 minutes is 23

    @property
    def still_needed(self) -> int:
        return max(0, self.required - self.attended)

    @property
    def shortfall(self) -> int:
        """Minutes missed beyond what the share allows, so far: the officer can no longer complete when > 0."""
        return max(0, (self.held - self.attended) - (self.scheduled - self.required))

    @property
    def attended_hours(self) -> float:
        return self.attended / 60


def hours_minutes(minutes: int) -> str:
    """Minutes as hours and minutes, as pages and exports show them: 570 -> "9:30"."""
    return f"{minutes // 60}:{minutes % 60:02d}"


def classes_attended(enrollments: Iterable[Enrollment], sessions: Iterable[ClassSession] | None = None
                     ) -> list[tuple[Enrollment, Hours]]:
    """The enrollments whose classes have sessions, with their hours (as hours_of), in their order."""
    enrollments = list(enrollments)
    hours = hours_of(enrollments, sessions)
    return [(e, hours[e.id]) for e in enrollments if hours[e.id].has_sessions]


def hours_of(enrollments: Iterable[Enrollment], sessions: Iterable[ClassSession] | None = None) -> dict[int, Hours]:
    """Each enrollment's hours, in two queries whatever their number (one when the caller has loaded
    every session of their classes: `sessions`)."""
    enrollments = list(enrollments)
    result = {e.id: Hours(share=e.training_class.course.attendance_share) for e in enrollments}
    class_ids = {e.class_id for e in enrollments}
    if not class_ids:
        return result
    if sessions is None:
        sessions = db.session.scalars(
            sa.select(ClassSession).where(ClassSession.class_id.in_(class_ids), ClassSession.cancelled.is_(False))
            .order_by(ClassSession.day, ClassSession.starts_at).options(joinedload(ClassSession.training_class))
        ).all()
    else:
        sessions = sorted((s for s in sessions if s.class_id in class_ids and not s.cancelled),
                          key=lambda s: (s.day, s.starts_at))
    if not sessions:
        return result
    marks = {(m.session_id, m.enrollment_id): m for m in db.session.scalars(
        sa.select(AttendanceMark).where(AttendanceMark.enrollment_id.in_(list(result))))}
    # Each class's sessions, with whether each has been held (its day has come in the class's zone).
    by_class: dict[int, list[tuple[ClassSession, bool]]] = defaultdict(list)
    class_today: dict[int, date] = {}
    for s in sessions:
        if s.class_id not in class_today:
            class_today[s.class_id] = today_in(s.training_class.time_zone)
        by_class[s.class_id].append((s, s.day <= class_today[s.class_id]))
    for enrollment in enrollments:
        hours = result[enrollment.id]
        for s, held in by_class[enrollment.class_id]:
            hours.scheduled += s.minutes
            if held:
                hours.held += s.minutes
            mark = marks.get((s.id, enrollment.id))
            if mark is None:
                continue
            hours.attended += mark.attended_minutes(s.minutes)
            if mark.presence != Presence.PRESENT:
                hours.missed.append((s, mark.presence))
            elif mark.late_minutes or mark.left_early_minutes:
                hours.late += 1
    return result


def attendance_requirement(enrollment: Enrollment) -> str | None:
    """Completion waits until the officer attended the course's share of the scheduled hours."""
    hours = hours_of([enrollment])[enrollment.id]
    if not hours.has_sessions or hours.attended >= hours.required:
        return None
    return f"Attended {hours.attended / 60:g} of the {hours.required / 60:g} class hours required"


def certified_hours(enrollment: Enrollment, course_hours: int) -> int:
    """The instructional hours a certificate states: those attended (whole hours), or the course's
    when the class has no sessions."""
    hours = hours_of([enrollment])[enrollment.id]
    return hours.attended // 60 if hours.has_sessions else course_hours


# --- calendar feeds -------------------------------------------------------------------------
# A feed's address carries an HMAC of what it shows and its generation: unguessable, checked
# without a session, and revoked by raising the generation (the old address then answers 404).

OFFICER_FEED, CLASS_FEED = "officer", "class"


def feed_row(kind: str, owner_id: int) -> CalendarFeed | None:
    column = CalendarFeed.user_id if kind == OFFICER_FEED else CalendarFeed.class_id
    return db.session.scalar(sa.select(CalendarFeed).where(column == owner_id))


def feed_token(kind: str, owner_id: int, generation: int | None = None) -> str:
    if generation is None:
        row = feed_row(kind, owner_id)
        generation = row.generation if row else 0
    message = f"calendar:{kind}:{owner_id}:{generation}".encode()
    return hmac.new(current_app.config["SECRET_KEY"].encode(), message, hashlib.sha256).hexdigest()[:40]


def feed_token_valid(kind: str, owner_id: int, token: str) -> bool:
    return hmac.compare_digest(feed_token(kind, owner_id), token)


def renew_feed(kind: str, owner_id: int) -> None:
    """A new address for the feed; the old one stops working."""
    row = feed_row(kind, owner_id)
    if row is None:
        row = CalendarFeed(user_id=owner_id if kind == OFFICER_FEED else None,
                           class_id=owner_id if kind == CLASS_FEED else None, generation=0)
        db.session.add(row)
    row.generation += 1
    db.session.flush()
    record("calendar_feed_renewed", row, kind=kind, owner_id=owner_id)
