"""Row locks that serialize an officer's exam requests on PostgreSQL (SQLite serializes writers anyway).

Always lock the enrollment first, then the attempt, so concurrent requests cannot deadlock."""
from typing import TypeVar

import sqlalchemy as sa

from portal.classes.models import Enrollment
from portal.extensions import db
from portal.quizzes.models import Attempt, Response

Locked = TypeVar("Locked", Enrollment, Attempt)


def _locked(model: type[Locked], ident: int) -> Locked:
    return db.session.scalars(
        sa.select(model).where(model.id == ident).with_for_update().execution_options(populate_existing=True)
    ).one()


def lock_enrollment(enrollment_id: int) -> Enrollment:
    return _locked(Enrollment, enrollment_id)


def lock_attempt(attempt: Attempt) -> Attempt:
    """Lock the attempt's enrollment, then the attempt itself, and return it reloaded."""
    lock_enrollment(attempt.enrollment_id)
    locked = _locked(Attempt, attempt.id)
    # what another request committed while we waited for the lock
    db.session.scalars(sa.select(Response).where(Response.attempt_id == locked.id)
                       .execution_options(populate_existing=True)).all()
    db.session.expire(locked, ["responses"])
    return locked
