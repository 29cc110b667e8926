"""Enrollment rules. Functions change objects and record audit events; callers commit."""
import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

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
from portal.extensions import db
from portal.timeutil import utcnow


class EnrollmentError(ValueError):
    pass


def enrollment_problem(officer: User, training_class: TrainingClass) -> str | None:
    """Why this officer cannot be enrolled in this class, or None."""
    if officer.role != Role.OFFICER:
        return f"{officer.full_name} is not an officer."
    if not officer.active:
        return f"{officer.full_name}'s account is disabled."
    if officer.agency is None or not officer.agency.has_active_agreement:
        return f"{officer.full_name}'s agency has no active 287(g) agreement."
    existing = db.session.scalar(
        sa.select(Enrollment).where(
            Enrollment.class_id == training_class.id, Enrollment.officer_id == officer.id
        )
    )
    if existing is not None and existing.status != EnrollmentStatus.WITHDRAWN:
        return f"{officer.full_name} is already enrolled in this class."
    return None


def lock_class(training_class: TrainingClass) -> None:
    db.session.execute(
        sa.select(TrainingClass.id).where(TrainingClass.id == training_class.id).with_for_update()
    )
    db.session.refresh(training_class, ["capacity"])


def seats_taken(training_class: TrainingClass) -> int:
    return seats_taken_by_class([training_class.id])[training_class.id]


def seats_taken_by_class(class_ids) -> dict[int, int]:
    """Seats taken in each class, in one query (for pages listing classes)."""
    seats = {class_id: 0 for class_id in class_ids}
    if seats:
        seats.update(db.session.execute(
            sa.select(Enrollment.class_id, sa.func.count())
            .where(Enrollment.class_id.in_(seats), Enrollment.status.in_(SEAT_HOLDING_STATUSES))
            .group_by(Enrollment.class_id)
        ).all())
    return seats


def enroll(officers: list[User], training_class: TrainingClass) -> list[Enrollment]:
    """Enroll several officers at once: all of them or, on any problem, none.

    The class row is locked first (SELECT ... FOR UPDATE on PostgreSQL; SQLite serialises writers)
    and the seats are counted in the database after the lock, so two requests racing for the last
    seat cannot both take it: the second waits for the first to commit, then sees the seat gone."""
    lock_class(training_class)
    problems = [p for p in (enrollment_problem(o, training_class) for o in officers) if p]
    free = training_class.capacity - seats_taken(training_class)
    if len(officers) > free:
        problems.append(f"The class has {max(free, 0)} free seat(s); {len(officers)} requested.")
    if problems:
        raise EnrollmentError(" ".join(problems))
    enrollments = []
    for officer in officers:
        enrollment = db.session.scalar(
            sa.select(Enrollment).where(
                Enrollment.class_id == training_class.id, Enrollment.officer_id == officer.id
            )
        )
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
    """Move an active enrollment to another class of the same course, keeping its progress."""
    officer, source = enrollment.officer, enrollment.training_class
    if not enrollment.is_active:
        raise EnrollmentError(f"An enrollment that is {enrollment.status.label.lower()} cannot be moved.")
    if target.id == source.id:
        raise EnrollmentError("Choose another class.")
    if target.course_id != source.course_id:
        raise EnrollmentError("An officer can only be moved to a class of the same course.")
    if officer.agency is None or not officer.agency.has_active_agreement:
        raise EnrollmentError(f"{officer.full_name}'s agency has no active 287(g) agreement.")
    if db.session.scalar(sa.select(Enrollment.id).where(Enrollment.class_id == target.id, Enrollment.officer_id == officer.id)):
        raise EnrollmentError(f"{officer.full_name} already has an enrollment in {target.name}.")
    if target.seats_taken() >= target.capacity:
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


def eligible_officers(training_class: TrainingClass, search: str = "", ids=None, limit: int | None = None) -> list[User]:
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
    return db.session.scalars(query.limit(limit)).all()
