"""What each API list holds, for one agency or the program, in a stable order (by id) with a
keyset cursor, and since when each item changed. The rules come from their features: officers'
status from agencies.roster, progress and grades from records, figures from reports."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.agencies import roster
from portal.agencies.models import Agency, Agreement, AgreementStatusChange
from portal.auth.models import User
from portal.auth.roles import Role
from portal.certificates.models import Certificate
from portal.classes.models import Enrollment, TrainingClass
from portal.extensions import db
from portal.links import external_url
from portal.nominations.models import Nomination
from portal.progress.models import LessonProgress
from portal.progress.services import with_curriculum
from portal.quizzes.models import Attempt
from portal.records.services import enrollment_records
from portal.reports.queries import program_tables

EPOCH = datetime(2000, 1, 1)


def greatest(first: Any, *rest: Any) -> Any:
    """The latest of several timestamps, NULLs ignored (`first` is never NULL); the same on SQLite
    and PostgreSQL, whose GREATEST and MAX differ on NULL."""
    result = first
    for other in rest:
        result = sa.case((sa.and_(other.is_not(None), other > result), other), else_=result)
    return result


def latest(column: Any, *where: Any) -> Any:
    return sa.func.coalesce(sa.select(sa.func.max(column)).where(*where).scalar_subquery(), EPOCH)


def encode_cursor(after_id: int) -> str:
    """The cursor is the last id of the page (clients take the `next` link as it is)."""
    return str(after_id)


@dataclass
class Listing:
    """A list resource: rows of (model, updated_at) selected in scope, and how each becomes JSON."""
    key: Any  # the id column the order and the cursor go by
    select: Callable[[Agency | None], sa.Select]
    items: Callable[[Sequence[Any]], list[dict]]


def page(listing: Listing, agency: Agency | None, args: dict) -> tuple[list[dict], int | None]:
    """One page of the list and the id the next page starts after (None: last page). Rows added
    while a client pages get higher ids, so they come on a later page, never twice or skipped."""
    query = listing.select(agency)
    updated = list(query.selected_columns)[-1]
    if "updated_since" in args:
        query = query.where(updated >= args["updated_since"])
    if "cursor" in args:
        query = query.where(listing.key > int(args["cursor"]))
    rows = db.session.execute(query.order_by(listing.key).limit(args["limit"] + 1)).all()
    more = len(rows) > args["limit"]
    rows = rows[:args["limit"]]
    return listing.items(rows), (rows[-1][0].id if more and rows else None)


# --- officers ---------------------------------------------------------------------------------------

def officer_updated() -> Any:
    return greatest(
        User.created_at,
        latest(greatest(Enrollment.enrolled_at, Enrollment.completed_at, Enrollment.withdrawn_at),
               Enrollment.officer_id == User.id),
        latest(greatest(Certificate.created_at, Certificate.revoked_at, Certificate.superseded_at),
               Certificate.officer_id == User.id),
    ).label("updated_at")


def officers_select(agency: Agency | None) -> sa.Select:
    assert agency is not None
    return (sa.select(User, roster.status_expression(), officer_updated())
            .where(User.role == Role.OFFICER, User.agency_id == agency.id))


def officer_items(rows: Sequence[Any]) -> list[dict]:
    return [{"id": u.id, "first_name": u.first_name, "last_name": u.last_name, "email": u.email,
             "status": status, "status_label": roster.STATUS_BY_VALUE[status].label, "updated_at": updated}
            for u, status, updated in rows]


# --- enrollments ------------------------------------------------------------------------------------

def enrollment_updated() -> Any:
    return greatest(
        Enrollment.enrolled_at, Enrollment.completed_at, Enrollment.withdrawn_at,
        latest(LessonProgress.completed_at, LessonProgress.enrollment_id == Enrollment.id),
        latest(greatest(Attempt.started_at, Attempt.submitted_at, Attempt.graded_at), Attempt.enrollment_id == Enrollment.id),
    ).label("updated_at")


def enrollments_select(agency: Agency | None) -> sa.Select:
    assert agency is not None
    return (sa.select(Enrollment, enrollment_updated()).join(User, User.id == Enrollment.officer_id)
            .where(User.agency_id == agency.id)
            .options(with_curriculum(Enrollment.training_class), selectinload(Enrollment.officer)))


def tally(t: Any) -> dict:
    return {"done": t.done, "total": t.total, "percent": t.percent}


def enrollment_items(rows: Sequence[Any]) -> list[dict]:
    updated = {e.id: at for e, at in rows}
    items = []
    for record in enrollment_records([e for e, _ in rows]):
        e = record.enrollment
        items.append({
            "id": e.id, "officer_id": e.officer_id, "officer_name": e.officer.full_name, "class_id": e.class_id,
            "class_name": e.training_class.name, "course_code": e.training_class.course.code,
            "status": e.status.value, "enrolled_at": e.enrolled_at, "completed_at": e.completed_at,
            "withdrawn_at": e.withdrawn_at, "progress": tally(record.progress.overall),
            "weeks": [{"week": w.week, "opens_on": w.opens_on, "open": w.open, **tally(w.tally)}
                      for w in record.progress.weeks],
            "exams": [{"title": x.title, "required": x.required, "pass_mark": x.pass_mark, "state": x.counted.state,
                       "percent": x.counted.percent, "attempts": x.counted.attempts} for x in record.exams],
            "updated_at": updated[e.id],
        })
    return items


# --- classes ----------------------------------------------------------------------------------------

def classes_select(agency: Agency | None) -> sa.Select:
    query = sa.select(TrainingClass, TrainingClass.created_at.label("updated_at")).options(
        selectinload(TrainingClass.course))
    if agency is None:
        return query
    enrolled = (sa.select(Enrollment.id).join(User, User.id == Enrollment.officer_id)
                .where(Enrollment.class_id == TrainingClass.id, User.agency_id == agency.id))
    return query.where(enrolled.exists())


def class_items(rows: Sequence[Any]) -> list[dict]:
    return [{"id": c.id, "name": c.name, "course_code": c.course.code, "course_title": c.course.title,
             "start_date": c.start_date, "end_date": c.end_date, "location": c.location, "capacity": c.capacity,
             "updated_at": updated} for c, updated in rows]


# --- nominations ------------------------------------------------------------------------------------

def nominations_select(agency: Agency | None) -> sa.Select:
    assert agency is not None
    return (sa.select(Nomination, greatest(Nomination.nominated_at, Nomination.decided_at).label("updated_at"))
            .where(Nomination.agency_id == agency.id))


def nomination_items(rows: Sequence[Any]) -> list[dict]:
    return [{"id": n.id, "first_name": n.first_name, "last_name": n.last_name, "email": n.email,
             "badge_number": n.badge_number, "rank": n.rank, "status": n.status.value,
             "nominated_at": n.nominated_at, "decided_at": n.decided_at, "officer_id": n.user_id,
             "updated_at": updated} for n, updated in rows]


# --- certificates -----------------------------------------------------------------------------------

def certificate_updated() -> Any:
    return greatest(Certificate.created_at, Certificate.revoked_at, Certificate.superseded_at).label("updated_at")


def certificates_select(agency: Agency | None) -> sa.Select:
    assert agency is not None
    return sa.select(Certificate, certificate_updated()).where(Certificate.agency_id == agency.id)


def certificate_item(c: Certificate, updated: datetime) -> dict:
    return {"serial": c.serial, "officer_id": c.officer_id, "officer_name": c.officer_name,
            "course_code": c.course_code, "course_title": c.course_title, "hours": c.hours,
            "issued_on": c.issued_on, "expires_on": c.expires_on, "status": c.status.value,
            "verification_url": external_url("certificates.verify"),
            "pdf_url": external_url("api.certificate_pdf", serial=c.serial), "updated_at": updated}


def certificate_items(rows: Sequence[Any]) -> list[dict]:
    return [certificate_item(c, updated) for c, updated in rows]


def agency_certificate(agency: Agency, serial: str) -> tuple[Certificate, datetime] | None:
    """The agency's certificate with this serial; None for another agency's, as for none."""
    row = db.session.execute(
        certificates_select(agency).where(Certificate.serial == serial.strip().upper())).first()
    return (row[0], row[1]) if row else None


# --- agencies and applications (program) ------------------------------------------------------------

def agreement_item(a: Agreement) -> dict:
    return {"reference": a.reference, "kind": a.kind.value, "model": a.model.value, "status": a.status.value,
            "in_force": a.is_in_force(), "applied_on": a.applied_on, "signed_on": a.signed_on, "ends_on": a.ends_on}


def agencies_select(agency: Agency | None) -> sa.Select:
    changed = latest(AgreementStatusChange.recorded_at, AgreementStatusChange.agreement_id == Agreement.id,
                     Agreement.agency_id == Agency.id)
    return (sa.select(Agency, greatest(Agency.created_at, changed).label("updated_at"))
            .options(selectinload(Agency.agreements)))


def agency_items(rows: Sequence[Any]) -> list[dict]:
    items = []
    for a, updated in rows:
        current = a.current_agreement
        items.append({"id": a.id, "name": a.name, "kind": a.kind.value, "state": a.state,
                      "agreement": agreement_item(current) if current else None, "updated_at": updated})
    return items


def applications_select(agency: Agency | None) -> sa.Select:
    changed = latest(AgreementStatusChange.recorded_at, AgreementStatusChange.agreement_id == Agreement.id)
    return (sa.select(Agreement, greatest(Agency.created_at, changed).label("updated_at"))
            .join(Agency, Agency.id == Agreement.agency_id).options(selectinload(Agreement.agency)))


def application_items(rows: Sequence[Any]) -> list[dict]:
    return [{"id": a.id, "agency_id": a.agency_id, "agency_name": a.agency.name, **agreement_item(a),
             "updated_at": updated} for a, updated in rows]


def figures() -> dict:
    return {"tables": [{"key": t.key, "title": t.title, "note": t.note, "columns": t.columns, "rows": t.rows}
                       for t in program_tables()]}


OFFICERS = Listing(User.id, officers_select, officer_items)
ENROLLMENTS = Listing(Enrollment.id, enrollments_select, enrollment_items)
CLASSES = Listing(TrainingClass.id, classes_select, class_items)
NOMINATIONS = Listing(Nomination.id, nominations_select, nomination_items)
CERTIFICATES = Listing(Certificate.id, certificates_select, certificate_items)
AGENCIES = Listing(Agency.id, agencies_select, agency_items)
APPLICATIONS = Listing(Agreement.id, applications_select, application_items)
