"""Row locks that serialize an officer's exam requests on PostgreSQL (SQLite serializes writers anyway).

Always lock the enrollment first, then the attempt, so concurrent requests cannot deadlock."""
import functools

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.classes.services import lock_enrollment
from portal.extensions import db
from portal.quizzes.models import Attempt, Response


def lock_attempt(attempt: Attempt) -> Attempt:
    """Lock the attempt's enrollment (unless this transaction holds it already), then the attempt itself,
    and return it reloaded with what another request committed while we waited for the lock: its row,
    its responses and their questions."""
    lock_enrollment(attempt.enrollment_id)
    return db.session.scalars(_locked_attempt(), {"attempt_id": attempt.id}).unique().one()


@functools.cache
def _locked_attempt() -> sa.Select[Attempt]:
    """Built once (see auth.sessions._lookup). One statement: the exam, responses and questions come
    unlocked (OF attempts): every taker of the exam reads its questions."""
    return (sa.select(Attempt).where(Attempt.id == sa.bindparam("attempt_id")).with_for_update(of=Attempt)
            .options(joinedload(Attempt.quiz, innerjoin=True),
                     joinedload(Attempt.responses).joinedload(Response.question, innerjoin=True))
            .execution_options(populate_existing=True))
