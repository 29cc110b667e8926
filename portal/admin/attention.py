"""What waits for the program administrator: the "Needs your attention" counts of the overview."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from portal.agencies.models import PENDING_AGREEMENT_STATUSES, Agreement, AgreementStatus
from portal.auth.models import User
from portal.classes.models import TrainingClass, class_instructors
from portal.extensions import db
from portal.nominations.models import Nomination, NominationStatus
from portal.quizzes.services.grading import pending_responses

ENDING_WITHIN_DAYS = 90


@dataclass(frozen=True)
class Attention:
    applications: int
    nominations: int
    answers_to_grade: int
    agreements_ending: int
    classes_without_instructor: int

    @property
    def total(self) -> int:
        return (self.applications + self.nominations + self.answers_to_grade + self.agreements_ending
                + self.classes_without_instructor)


def count(query: sa.Select) -> sa.ScalarSelect[int]:
    return sa.select(sa.func.count()).select_from(query.order_by(None).subquery()).scalar_subquery()


def agreements_ending_clause(on: date, days: int) -> sa.ColumnElement[bool]:
    """In force and ending from `on` to `days` days after it, both days included."""
    return sa.and_(Agreement.status == AgreementStatus.ACTIVE, Agreement.ends_on.between(on, on + timedelta(days=days)))


def without_instructor_clause() -> sa.ColumnElement[bool]:
    return ~sa.exists().where(class_instructors.c.class_id == TrainingClass.id)


def attention(admin: User, on: date) -> Attention:
    """The five counts in one statement."""
    row = db.session.execute(sa.select(
        count(sa.select(Agreement.id).where(Agreement.status.in_(PENDING_AGREEMENT_STATUSES))),
        count(sa.select(Nomination.id).where(Nomination.status == NominationStatus.NOMINATED)),
        count(pending_responses(admin)),
        count(sa.select(Agreement.id).where(agreements_ending_clause(on, ENDING_WITHIN_DAYS))),
        count(sa.select(TrainingClass.id).where(TrainingClass.start_date >= on, without_instructor_clause())),
    )).one()
    return Attention(*row)
