"""Enrollment rules. Functions change objects and record audit events; callers commit."""
import functools
from collections.abc import Iterable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import QueryableAttribute, contains_eager

from portal.agencies.models import Agency, Agreement, current_agreements, in_force_clause
from portal.audit.services import record
from portal.auth.models import User
from portal.auth.roles import Role
from portal.classes.models import (
    ACTIVE_ENROLLMENT_STATUSES,
    SEAT_HOLDING_STATUSES,
    Enrollment,
    EnrollmentStatus,
    TrainingClass,
)
from portal.database import held_locks
from portal.extensions import db
from portal.timeutil import utcnow


class EnrollmentError(ValueError):
    pass


def lock_class(training_class: TrainingClass) -> None:
    db.session.execute(
        sa.select(TrainingClass.id).where(TrainingClass.id == training_class.id).with_for_update()
    )
    db.session.refresh(training_class, ["capacity"])


def lock_officers(officer_ids: Iterable[int]) -> None:
    """Lock the officers' rows (in id order, so two requests cannot deadlock), so that two requests
    enrolling the same officer in two classes of one course cannot both see no enrollment yet."""
    db.session.execute(sa.select(User.id).where(User.id.in_(officer_ids)).order_by(User.id).with_for_update())


def lock_enrollment(enrollment_id: int) -> Enrollment:
    """The enrollment, locked (FOR UPDATE on PostgreSQL) and reloaded with what others committed: the first
    lock an officer's lesson or exam request takes, so that their requests run one after the other.
    Once per transaction (a view may have locked it already: `holding_enrollment_lock`)."""
    held = held_locks()
    enrollment: Enrollment | None = held.get((Enrollment, enrollment_id))
    if enrollment is None:
        enrollment = held[Enrollment, enrollment_id] = db.session.scalars(
            _locked_enrollment(), {"enrollment_id": enrollment_id}).one()
    return enrollment


@functools.cache
def _locked_enrollment() -> sa.Select[Enrollment]:
    """Built once (see auth.sessions._lookup): every lesson and exam request of an officer takes it."""
    return (sa.select(Enrollment).where(Enrollment.id == sa.bindparam("enrollment_id")).with_for_update()
            .execution_options(populate_existing=True))


def holding_enrollment_lock(enrollment: Enrollment) -> None:
    """The caller's own statement locked this enrollment as lock_enrollment does (FOR UPDATE OF the
    enrollment, populate_existing): lock_enrollment then takes it as held."""
    held_locks()[Enrollment, enrollment.id] = enrollment


def seats_taken(training_class: TrainingClass) -> int:
    return seats_taken_by_class([training_class.id])[training_class.id]


def seats_taken_by_class(class_ids: Iterable[int]) -> dict[int, int]:
    """Seats taken in each class, in one query (for pages listing classes)."""
    seats = {class_id: 0 for class_id in class_ids}
    if seats:
        seats.update(db.session.execute(
            sa.select(Enrollment.class_id, sa.func.count())
            .where(Enrollment.class_id.in_(seats), Enrollment.status.in_(SEAT_HOLDING_STATUSES))
            .group_by(Enrollment.class_id)
        ).all())
    return seats


def agencies_in_force(agency_ids: Iterable[int | None]) -> set[int]:
    """Those of the agencies whose current agreement is in force (one query)."""
    current = current_agreements()
    return set(db.session.scalars(
        sa.select(current.c.agency_id).join(Agreement, Agreement.id == current.c.agreement_id)
        .where(current.c.agency_id.in_(set(agency_ids)), in_force_clause())
    ))


def enrollments_in_course(officer_ids: Iterable[int], course_id: int) -> list[Enrollment]:
    """The officers' enrollments in every class of a course, whatever their status (one query)."""
    return list(db.session.scalars(
        sa.select(Enrollment).join(TrainingClass, TrainingClass.id == Enrollment.class_id)
        .where(Enrollment.officer_id.in_(officer_ids), TrainingClass.course_id == course_id)
        .options(contains_eager(Enrollment.training_class))
    ))


def active_elsewhere_message(officer: User, enrollment: Enrollment) -> str:
    return (f"{officer.full_name} is already enrolled in {enrollment.training_class.name}, a class of the same "
            "course: move that enrollment to this class instead.")


def enrollment_problems(officers: list[User], training_class: TrainingClass, existing: list[Enrollment]) -> list[str]:
    """Why some of these officers cannot be enrolled in this class (none: an empty list).
    `existing`: the officers' enrollments in the class's course. Three queries whatever the number
    of officers (the agreements in force; the existing enrollments and the seats, by the caller)."""
    in_force = agencies_in_force(o.agency_id for o in officers if o.agency_id is not None)
    by_officer: dict[int, list[Enrollment]] = {}
    for enrollment in existing:
        by_officer.setdefault(enrollment.officer_id, []).append(enrollment)
    problems = []
    for officer in officers:
        if officer.role != Role.OFFICER:
            problems.append(f"{officer.full_name} is not an officer.")
        elif not officer.active:
            problems.append(f"{officer.full_name}'s account is disabled.")
        elif officer.agency_id not in in_force:
            problems.append(f"{officer.full_name}'s agency has no active 287(g) agreement.")
        else:
            active = [e for e in by_officer.get(officer.id, []) if e.is_active or
                      (e.class_id == training_class.id and e.status != EnrollmentStatus.WITHDRAWN)]
            here = next((e for e in active if e.class_id == training_class.id), None)
            if here is not None:
                problems.append(f"{officer.full_name} is already enrolled in this class.")
            elif active:
                problems.append(active_elsewhere_message(officer, active[0]))
    return problems


def enrollment_precedence() -> tuple[sa.ColumnElement[Any], ...]:
    """The one rule that picks, among an officer's enrollments, the one that gives the officer's
    status (dashboards, reports): an active enrollment first, then a finished one (completed or
    disqualified), then a withdrawn one; among equals the latest class start, then the latest
    enrollment. An ORDER BY over Enrollment joined to TrainingClass."""
    rank = sa.case((Enrollment.status.in_(ACTIVE_ENROLLMENT_STATUSES), 0),
                   (Enrollment.status == EnrollmentStatus.WITHDRAWN, 2), else_=1)
    return rank, TrainingClass.start_date.desc(), Enrollment.id.desc()


Column = TypeVar("Column")


def status_enrollment(column: QueryableAttribute[Column]) -> sa.ScalarSelect[Column]:
    """Correlated subquery: `column` of the enrollment that gives the officer's status (the
    officer being `User` of the enclosing query), by enrollment_precedence; None if never enrolled."""
    return (
        sa.select(column).select_from(Enrollment).join(TrainingClass, TrainingClass.id == Enrollment.class_id)
        .where(Enrollment.officer_id == User.id)
        .order_by(*enrollment_precedence())
        .limit(1).correlate(User).scalar_subquery()
    )


def enroll(officers: list[User], training_class: TrainingClass) -> list[Enrollment]:
    """Enroll several officers at once: all of them or, on any problem, none.

    The class row is locked first (SELECT ... FOR UPDATE on PostgreSQL; SQLite serialises writers)
    and the seats are counted in the database after the lock, so two requests racing for the last
    seat cannot both take it: the second waits for the first to commit, then sees the seat gone.
    The officers' rows are locked next, so one officer cannot be enrolled at once in two classes
    of the same course. A constant number of statements, however many officers."""
    lock_class(training_class)
    lock_officers([o.id for o in officers])
    existing = enrollments_in_course([o.id for o in officers], training_class.course_id)
    problems = enrollment_problems(officers, training_class, existing)
    free = training_class.capacity - seats_taken(training_class)
    if len(officers) > free:
        problems.append(f"The class has {max(free, 0)} free seat(s); {len(officers)} requested.")
    if problems:
        raise EnrollmentError(" ".join(problems))
    withdrawn_here = {e.officer_id: e for e in existing if e.class_id == training_class.id}
    enrollments = []
    for officer in officers:
        enrollment = withdrawn_here.get(officer.id)
        if enrollment is None:
            enrollment = Enrollment(training_class=training_class, officer=officer)
            db.session.add(enrollment)
        enrollment.status = EnrollmentStatus.ENROLLED
        enrollment.withdrawn_at = None
        record("enrolled", officer, class_id=training_class.id)
        enrollments.append(enrollment)
    db.session.flush()
    from portal.notifications.messages import notify_enrolled

    for enrollment in enrollments:
        notify_enrolled(enrollment)
    return enrollments


def move_targets(enrollment: Enrollment) -> list[TrainingClass]:
    """Other classes of the same course that have not ended, soonest first."""
    from portal.timeutil import today

    classes = db.session.scalars(
        sa.select(TrainingClass)
        .where(TrainingClass.course_id == enrollment.training_class.course_id, TrainingClass.id != enrollment.class_id)
        .order_by(TrainingClass.start_date, TrainingClass.id)
    ).all()
    return [c for c in classes if c.end_date >= today()]


def move(enrollment: Enrollment, target: TrainingClass) -> None:
    """Move an active enrollment to another class of the same course, keeping its progress.

    Locked like enroll(): the target class (its seats are counted after the lock, so two moves
    cannot both take its last seat), then the officer (so a concurrent enrollment or move of the
    same officer waits); the enrollment is read again once both are held."""
    officer = enrollment.officer
    lock_class(target)
    lock_officers([officer.id])
    db.session.refresh(enrollment)
    source = enrollment.training_class
    if not enrollment.is_active:
        raise EnrollmentError(f"An enrollment that is {enrollment.status.label.lower()} cannot be moved.")
    if target.id == source.id:
        raise EnrollmentError("Choose another class.")
    if target.course_id != source.course_id:
        raise EnrollmentError("An officer can only be moved to a class of the same course.")
    if officer.agency_id not in agencies_in_force([officer.agency_id]):
        raise EnrollmentError(f"{officer.full_name}'s agency has no active 287(g) agreement.")
    if db.session.scalar(sa.select(Enrollment.id).where(Enrollment.class_id == target.id, Enrollment.officer_id == officer.id)):
        raise EnrollmentError(f"{officer.full_name} already has an enrollment in {target.name}.")
    if seats_taken(target) >= target.capacity:
        raise EnrollmentError(f"{target.name} is full ({target.capacity} seats).")
    enrollment.training_class = target
    db.session.flush()
    record("enrollment_moved", enrollment, officer_id=officer.id, from_class_id=source.id, to_class_id=target.id)
    from portal.notifications.messages import notify_moved

    notify_moved(enrollment, source)


def withdraw(enrollment: Enrollment, reason: str = "") -> None:
    if enrollment.status not in ACTIVE_ENROLLMENT_STATUSES:
        raise EnrollmentError(f"An enrollment that is {enrollment.status.label.lower()} cannot be withdrawn.")
    enrollment.status = EnrollmentStatus.WITHDRAWN
    enrollment.withdrawn_at = utcnow()
    record("withdrawn", enrollment.officer, class_id=enrollment.class_id, reason=reason[:500])


def eligible_officers(training_class: TrainingClass, search: str = "", ids: Iterable[int] | None = None,
                      limit: int | None = None) -> list[User]:
    """Active officers not yet (or no longer) in this class, of agencies whose current agreement is
    in force, by name. `search`: every word must appear in the officer's first or last name, email
    or agency name. `ids`: only these officers. Decided in SQL, so thousands of officers cost one query."""
    taken = sa.select(Enrollment.officer_id).where(
        Enrollment.class_id == training_class.id, Enrollment.status != EnrollmentStatus.WITHDRAWN
    )
    current = current_agreements()
    query = (
        sa.select(User)
        .join(Agency, Agency.id == User.agency_id)
        .join(current, current.c.agency_id == Agency.id)
        .join(Agreement, Agreement.id == current.c.agreement_id)
        .where(User.role == Role.OFFICER, User.active.is_(True), User.id.not_in(taken), in_force_clause())
        .order_by(User.last_name, User.first_name, User.id)
        .options(contains_eager(User.agency))
    )
    for word in search.split():
        query = query.where(sa.or_(*(column.icontains(word, autoescape=True) for column in
                                     (User.first_name, User.last_name, User.email, Agency.name))))
    if ids is not None:
        query = query.where(User.id.in_(ids))
    return list(db.session.scalars(query.limit(limit)))
