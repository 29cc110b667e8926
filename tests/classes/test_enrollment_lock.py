"""An enrollment is locked once per transaction (`classes.services.lock_enrollment`): asking again
costs no statement while the transaction holds the lock, and a new transaction (or the rollback of
the savepoint the lock was taken in) locks it again."""
import sqlalchemy as sa
from sqlalchemy import event

from portal.auth.roles import Role
from portal.classes.services import lock_enrollment
from portal.extensions import db


def locking(connection, action) -> int:
    seen = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(connection, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(connection, "before_cursor_execute", record)
    return sum("FROM enrollments" in s for s in seen)


def test_an_enrollment_is_locked_once_per_transaction(db_transaction, make):
    enrollment = make.enrollment(make.user(Role.OFFICER), make.training_class(make.course()))
    db.session.commit()
    enrollment_id = enrollment.id
    assert locking(db_transaction, lambda: lock_enrollment(enrollment_id)) == 1
    assert locking(db_transaction, lambda: lock_enrollment(enrollment_id)) == 0
    assert lock_enrollment(enrollment_id) is enrollment

    db.session.commit()  # the locks go with the transaction
    assert locking(db_transaction, lambda: lock_enrollment(enrollment_id)) == 1
    db.session.rollback()
    assert locking(db_transaction, lambda: lock_enrollment(enrollment_id)) == 1

    db.session.commit()
    savepoint = db.session.begin_nested()
    assert locking(db_transaction, lambda: lock_enrollment(enrollment_id)) == 1
    savepoint.rollback()  # releases what was locked after the savepoint
    assert locking(db_transaction, lambda: lock_enrollment(enrollment_id)) == 1
    assert locking(db_transaction, lambda: lock_enrollment(enrollment_id)) == 0


def test_the_lock_reloads_what_another_transaction_committed(db_transaction, make):
    enrollment = make.enrollment(make.user(Role.OFFICER), make.training_class(make.course()))
    db.session.commit()
    db.session.execute(sa.text("UPDATE enrollments SET status = 'withdrawn' WHERE id = :id"), {"id": enrollment.id})
    assert enrollment.status.value != "withdrawn"  # the session's copy is stale
    assert lock_enrollment(enrollment.id).status.value == "withdrawn"
