"""The program's figures, for the whole program or one agency.

Each figure is a `Table` (title, columns, rows); the dashboards draw a chart from its first numeric
column and show the table beside it, and every table exports as CSV."""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from portal.agencies import roster
from portal.agencies.models import (
    PENDING_AGREEMENT_STATUSES,
    Agency,
    Agreement,
    AgreementModel,
    AgreementStatus,
    current_agreements,
    in_force_clause,
)
from portal.auth.models import User
from portal.auth.roles import Role
from portal.certificates.models import Certificate, CertificateStatus, status_clause
from portal.classes.models import Enrollment, EnrollmentStatus, TrainingClass
from portal.courses.models import Course
from portal.extensions import db
from portal.nominations.models import Nomination, NominationStatus
from portal.quizzes.models import Attempt, AttemptStatus, Quiz
from portal.timeutil import today


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    note: str = ""  # what the figures count, where the title alone could mislead (shown in the caption)
    chart: bool = True  # draw a bar chart of the first numeric column

    @property
    def chart_rows(self) -> list[tuple[str, float]]:
        return [(str(r[0]), r[1]) for r in self.rows if isinstance(r[1], int | float)]


def count(select) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(select.subquery())) or 0


def scoped_officers(agency: Agency | None):
    query = sa.select(User.id).where(User.role == Role.OFFICER)
    return query.where(User.agency_id == agency.id) if agency is not None else query


# --- agencies -----------------------------------------------------------------------------------

def agencies_by_status() -> Table:
    current = current_agreements()
    counts = dict(db.session.execute(
        sa.select(Agreement.status, sa.func.count()).join(current, current.c.agreement_id == Agreement.id)
        .group_by(Agreement.status)
    ).all())
    total = count(sa.select(Agency.id))
    rows = [[s.label, counts.get(s, 0)] for s in AgreementStatus]
    rows.append(["No agreement", total - sum(counts.values())])
    return Table("agencies-by-status", "Agencies by agreement status", ["Status", "Agencies"], rows)


def as_count(condition):
    return sa.func.sum(sa.case((condition, 1), else_=0))


def agencies_by_model() -> Table:
    current = current_agreements()
    counts = {model: (total, int(in_force or 0)) for model, total, in_force in db.session.execute(
        sa.select(Agreement.model, sa.func.count(), as_count(in_force_clause()))
        .join(current, current.c.agreement_id == Agreement.id).group_by(Agreement.model)
    )}
    rows = [[f"{m.value} — {m.label}", *counts.get(m, (0, 0))] for m in AgreementModel]
    return Table("agencies-by-model", "Agencies by model (current agreement)", ["Model", "Agencies", "Agreement in force"], rows)


def pending_applications() -> Table:
    counts = dict(db.session.execute(
        sa.select(Agreement.status, sa.func.count()).where(Agreement.status.in_(PENDING_AGREEMENT_STATUSES))
        .group_by(Agreement.status)
    ).all())
    rows = [[s.label, counts.get(s, 0)] for s in (AgreementStatus.APPLIED, AgreementStatus.UNDER_REVIEW)]
    return Table("pending-applications", "Pending applications", ["Status", "Applications"], rows)


def by_state() -> Table:
    current = current_agreements()
    agencies = db.session.execute(
        sa.select(Agency.state, sa.func.count(), as_count(in_force_clause()))
        .outerjoin(current, current.c.agency_id == Agency.id)
        .outerjoin(Agreement, Agreement.id == current.c.agreement_id)
        .group_by(Agency.state)
    ).all()
    officers = dict(db.session.execute(
        sa.select(Agency.state, sa.func.count(User.id)).join(User, User.agency_id == Agency.id)
        .where(User.role == Role.OFFICER).group_by(Agency.state)
    ).all())
    completed = dict(db.session.execute(
        sa.select(Agency.state, sa.func.count(sa.distinct(Enrollment.officer_id)))
        .join(User, User.agency_id == Agency.id).join(Enrollment, Enrollment.officer_id == User.id)
        .where(Enrollment.status == EnrollmentStatus.COMPLETED).group_by(Agency.state)
    ).all())
    rows = [[state, total, int(in_force or 0), officers.get(state, 0), completed.get(state, 0)]
            for state, total, in_force in sorted(agencies)]
    return Table(
        "by-state",
        "Agencies and officers by state",
        ["State", "Agencies", "Agreement in force", "Officers", "Officers who completed"],
        rows,
    )


# --- officers -----------------------------------------------------------------------------------

def officers_funnel(agency: Agency | None = None) -> Table:
    nominated = sa.select(Nomination.id)
    if agency is not None:
        nominated = nominated.where(Nomination.agency_id == agency.id)

    def with_enrollment(*statuses):
        """Officers with an enrollment in one of these statuses (a column of the one query below)."""
        return sa.func.count(sa.distinct(sa.case((Enrollment.status.in_(statuses), Enrollment.officer_id))))

    enrolled, completed, disqualified = db.session.execute(
        sa.select(with_enrollment(*(s for s in EnrollmentStatus if s != EnrollmentStatus.WITHDRAWN)),
                  with_enrollment(EnrollmentStatus.COMPLETED), with_enrollment(EnrollmentStatus.DISQUALIFIED))
        .where(Enrollment.officer_id.in_(scoped_officers(agency)))
    ).one()
    rows = [
        ["Nominated", count(nominated)],
        ["Enrolled", enrolled],
        ["Completed", completed],
        ["Certified", certified_officers(agency)],
        ["Disqualified", disqualified],
    ]
    return Table("officers", "Officers nominated, enrolled, completed, certified and disqualified", ["Stage", "Officers"], rows,
                 note="Certified counts officers holding a valid certificate today (not expired, revoked or replaced).")


# --- certificates ---------------------------------------------------------------------------------

def holding_valid_certificate(agency: Agency | None = None):
    """Officers (ids) holding a valid certificate today: not revoked, not superseded, not expired.
    Scoped by the officer's current agency, like the other stages of the funnel."""
    query = sa.select(Certificate.officer_id).where(status_clause(CertificateStatus.VALID))
    return query.where(Certificate.officer_id.in_(scoped_officers(agency))) if agency is not None else query


def certified_officers(agency: Agency | None = None) -> int:
    return count(holding_valid_certificate(agency).distinct())


def month_starts(on: date, months: int = 12) -> list[date]:
    starts, year, month = [], on.year, on.month
    for _ in range(months):
        starts.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(starts))


def certificates_per_month(agency: Agency | None = None, on: date | None = None) -> Table:
    """Certificates issued in each of the last 12 months, for the agency printed on them (the
    officer's agency at issue time). A correction reissue keeps its enrollment and issue date, so
    counting (enrollment, issue date) pairs counts it once; a refresher is a new enrollment."""
    table = Table("certificates-per-month", "Certificates issued per month (last 12 months)", ["Month", "Certificates"],
                  note="Each course completion's certificate counts once, in the month it was issued, "
                       "even if later revoked or expired; corrected reissues are not counted again.")
    months = month_starts(on or today())
    query = (sa.select(Certificate.enrollment_id, Certificate.issued_on).distinct()
             .where(Certificate.issued_on >= months[0]))
    if agency is not None:
        query = query.where(Certificate.agency_id == agency.id)
    tally = Counter((issued.year, issued.month) for _enrollment, issued in db.session.execute(query))
    table.rows = [[m.strftime("%b %Y"), tally.get((m.year, m.month), 0)] for m in months]
    return table


# --- exams -----------------------------------------------------------------------------------------

def pass_rate_per_exam(agency: Agency | None = None) -> Table:
    table = Table("pass-rate", "Pass rate per exam (graded attempts)", ["Exam", "Pass rate (%)", "Attempts graded", "Passed"])
    query = (
        sa.select(Quiz.id, Quiz.title, Course.code, sa.func.count(),
                  sa.func.sum(sa.case((Attempt.passed.is_(True), 1), else_=0)))
        .select_from(Attempt)
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .join(Course, Course.id == Quiz.course_id)
        .where(Attempt.status == AttemptStatus.GRADED)
        .group_by(Quiz.id, Quiz.title, Course.code)
        .order_by(Course.code, Quiz.title)
    )
    if agency is not None:
        query = query.join(Enrollment, Enrollment.id == Attempt.enrollment_id).where(
            Enrollment.officer_id.in_(scoped_officers(agency)))
    for _id, title, code, graded, passed in db.session.execute(query).all():
        passed = int(passed or 0)
        table.rows.append([f"{code}: {title}", round(100 * passed / graded, 1) if graded else 0, graded, passed])
    return table


# --- an agency's officers ------------------------------------------------------------------------

STATUS_ORDER = ["Nominated", "Rejected", "Approved, not enrolled", *[s.label for s in EnrollmentStatus], "Certified"]


def officer_statuses(agency: Agency) -> Table:
    """Each officer of the agency (and each nominee without an account) and where they stand."""
    table = Table("officer-status", "Each officer's status", ["Officer", "Email", "Status", "Class", "Class starts"], chart=False)
    # The rule of the coordinator dashboard's officer list (portal.agencies.roster), in one query.
    rows = [
        [officer.sort_name, officer.email, roster.STATUS_BY_VALUE[status].label, class_name or "",
         starts.isoformat() if starts else ""]
        for officer, status, class_name, starts in db.session.execute(
            sa.select(User, roster.status_expression(), roster.status_enrollment(TrainingClass.name),
                      roster.status_enrollment(TrainingClass.start_date))
            .where(User.agency_id == agency.id, User.role == Role.OFFICER)
        )
    ]
    for nomination in db.session.scalars(
        sa.select(Nomination).where(Nomination.agency_id == agency.id, Nomination.user_id.is_(None))
        .order_by(Nomination.last_name, Nomination.first_name)
    ):
        rows.append([nomination.sort_name, nomination.email,
                     nomination.status.label if nomination.status != NominationStatus.APPROVED else "Approved", "", ""])
    table.rows = sorted(rows, key=lambda r: r[0].lower())
    return table


# --- the two dashboards ----------------------------------------------------------------------------
# Each page's tables, keyed by the table's key (its CSV's name), in the order the page shows them.
# A page builds every table of its registry; a CSV download builds only the one it names.

PROGRAM_TABLES: dict[str, Callable[[], Table]] = {
    "agencies-by-status": agencies_by_status,
    "agencies-by-model": agencies_by_model,
    "pending-applications": pending_applications,
    "officers": officers_funnel,
    "certificates-per-month": certificates_per_month,
    "pass-rate": pass_rate_per_exam,
    "by-state": by_state,
}

# The figures drawn on the coordinator's dashboard. Each officer's status is not among them: the
# dashboard lists the officers a page at a time (portal.agencies.roster); it is a CSV only.
AGENCY_DASHBOARD_TABLES: dict[str, Callable[[Agency], Table]] = {
    "officers": officers_funnel,
    "certificates-per-month": certificates_per_month,
    "pass-rate": pass_rate_per_exam,
}

# Every figure a coordinator may download as CSV.
AGENCY_TABLES: dict[str, Callable[[Agency], Table]] = {
    **AGENCY_DASHBOARD_TABLES,
    "officer-status": officer_statuses,
}


def program_tables() -> list[Table]:
    return [build() for build in PROGRAM_TABLES.values()]


def program_table(key: str) -> Table | None:
    """One table of the program report, or None for an unknown key."""
    build = PROGRAM_TABLES.get(key)
    return build() if build is not None else None


def agency_dashboard_tables(agency: Agency) -> list[Table]:
    return [build(agency) for build in AGENCY_DASHBOARD_TABLES.values()]


def agency_table(agency: Agency, key: str) -> Table | None:
    """One of the agency's tables, or None for an unknown key."""
    build = AGENCY_TABLES.get(key)
    return build(agency) if build is not None else None
