"""An agency's officers for the coordinator dashboard: one status per officer, worked out in SQL so
that the list can be searched, filtered by status, counted and paginated without loading every
officer of a 500-officer agency.

The same rule gives the "Each officer's status" report (portal.reports.queries): "Certified" while
the officer holds a valid certificate, otherwise the status of the officer's enrollment picked by
the one rule of portal.classes.services.enrollment_precedence (an active enrollment first),
otherwise "Approved, not enrolled"."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from portal.auth.models import User
from portal.auth.roles import Role
from portal.certificates.models import Certificate, CertificateStatus, status_clause
from portal.classes.models import Enrollment, EnrollmentStatus, TrainingClass
from portal.classes.services import status_enrollment
from portal.courses.models import Lesson, Module
from portal.extensions import db
from portal.progress.models import LessonProgress
from portal.sorting import Sort

CERTIFIED = "certified"
NOT_ENROLLED = "not_enrolled"


@dataclass(frozen=True)
class OfficerStatus:
    value: str
    label: str


# In the order an officer moves through the program (the summary figures and the filter follow it).
STATUSES = [
    OfficerStatus(NOT_ENROLLED, "Approved, not enrolled"),
    *[OfficerStatus(s.value, s.label) for s in EnrollmentStatus],
    OfficerStatus(CERTIFIED, "Certified"),
]
STATUS_BY_VALUE = {s.value: s for s in STATUSES}
STATUS_VALUES = frozenset(STATUS_BY_VALUE)
MAX_SEARCH = 100


def status_expression():
    certified = sa.exists().where(Certificate.officer_id == User.id, status_clause(CertificateStatus.VALID))
    return sa.case(
        (certified, sa.literal(CERTIFIED)),
        else_=sa.func.coalesce(sa.cast(status_enrollment(Enrollment.status), sa.String), sa.literal(NOT_ENROLLED)),
    )


def clean_search(text: str | None) -> str:
    return " ".join((text or "").split())[:MAX_SEARCH]


def lesson_fraction():
    """The share of its course's lessons an enrollment (`Enrollment` of the enclosing query, in
    `TrainingClass`) has completed, 0 to 1; None for a course without lessons."""
    done = (sa.select(sa.func.count(LessonProgress.id)).where(LessonProgress.enrollment_id == Enrollment.id)
            .scalar_subquery())
    total = (sa.select(sa.func.count(Lesson.id)).join(Module, Module.id == Lesson.module_id)
             .where(Module.course_id == TrainingClass.course_id).scalar_subquery())
    return sa.cast(done, sa.Float) / sa.func.nullif(total, 0)


def officer_sorts():
    """The coordinator's sortable columns: what each orders by (ties by name, then id)."""
    return {
        "officer": [User.last_name, User.first_name],
        "status": [sa.case({s.value: n for n, s in enumerate(STATUSES)}, value=status_expression())],
        "class": [sa.func.coalesce(status_enrollment(TrainingClass.name), "")],
        "progress": [sa.func.coalesce(status_enrollment(lesson_fraction()), -1)],
    }


BY_NAME = Sort("officer")


def officer_list(agency_id: int, search: str = "", status: str = "", sort: Sort = BY_NAME):
    """The agency's officers (a SELECT of User, in the order of `sort`) matching a name/email search
    and a status. Every word of the search must appear in the first name, last name or email."""
    query = (sa.select(User).where(User.agency_id == agency_id, User.role == Role.OFFICER)
             .order_by(*sort.order_by(officer_sorts(), (User.last_name, User.first_name, User.id))))
    for word in search.split():
        query = query.where(sa.or_(User.first_name.icontains(word, autoescape=True),
                                   User.last_name.icontains(word, autoescape=True),
                                   User.email.icontains(word, autoescape=True)))
    if status in STATUS_VALUES:
        query = query.where(status_expression() == status)
    return query


def status_counts(agency_id: int) -> dict[str, int]:
    """How many of the agency's officers are in each status (every status present, zeros included)."""
    statuses = (sa.select(status_expression().label("status"))
                .where(User.agency_id == agency_id, User.role == Role.OFFICER).subquery())
    counts: dict[str, int] = dict(
        db.session.execute(sa.select(statuses.c.status, sa.func.count()).group_by(statuses.c.status)).all())
    return {s.value: counts.get(s.value, 0) for s in STATUSES}


def page_details(officer_ids: list[int]) -> dict[int, tuple[str, int | None]]:
    """(status, id of the enrollment giving it) of each officer on a page, in one statement."""
    if not officer_ids:
        return {}
    rows = db.session.execute(
        sa.select(User.id, status_expression(), status_enrollment(Enrollment.id)).where(User.id.in_(officer_ids))
    )
    return {officer_id: (status, enrollment_id) for officer_id, status, enrollment_id in rows}
