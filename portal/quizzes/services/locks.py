"""Row locks that serialize an officer's exam requests on PostgreSQL (SQLite serializes writers anyway).

Always lock the enrollment first, then the attempt, so concurrent requests cannot deadlock."""
import sqlalchemy as sa

from portal.classes.services import lock_enrollment
from portal.extensions import db
from portal.quizzes.models import Attempt, Response


def _locked_attempt(attempt_id: int) -> Attempt:
    return db.session.scalars(
        sa.select(Attempt).where(Attempt.id == attempt_id).with_for_update().execution_options(populate_existing=True)
    ).one()


def lock_attempt(attempt: Attempt) -> Attempt:
    """Lock the attempt's enrollment, then the attempt itself, and return it reloaded."""
    lock_enrollment(attempt.enrollment_id)
    locked = _locked_attempt(attempt.id)
    # what another request committed while we waited for the lock
    db.session.scalars(sa.select(Response).where(Response.attempt_id == locked.id)
                       .execution_options(populate_existing=True)).all()
    db.session.expire(locked, ["responses"])
    return locked
