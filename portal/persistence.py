"""Committing a form's object where a unique constraint may refuse it."""
from sqlalchemy.exc import IntegrityError
from wtforms import Field

from portal.audit.services import record
from portal.extensions import db
from portal.form_fields import add_error


def commit_unless_duplicate(obj, field: Field, message: str, audit_action: str) -> bool:
    """Flush, audit and commit; on a unique-constraint clash roll back and flag `field` instead."""
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        add_error(field, message)
        return False
    record(audit_action, obj)
    db.session.commit()
    return True
