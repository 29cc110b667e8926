"""Course completion: decided on the server when the last required piece lands.

Other features add requirements (exams passed, nothing pending grading) by registering a check
with `requirement`; completion is recorded once, and `enrollment_completed` is sent so that, for
example, a certificate is issued in the same transaction.
"""
from collections.abc import Callable

from portal.audit.services import record
from portal.classes.models import Enrollment, EnrollmentStatus
from portal.signals import enrollment_completed
from portal.timeutil import utcnow

# Each check returns None when satisfied, else a short reason ("Week 2 exam not passed").
Requirement = Callable[[Enrollment], str | None]
_requirements: list[Requirement] = []


def requirement(check: Requirement) -> Requirement:
    """Make completion wait for `check` (a decorator too; registering twice changes nothing)."""
    if check not in _requirements:
        _requirements.append(check)
    return check


def missing_requirements(enrollment: Enrollment) -> list[str]:
    return [reason for check in _requirements if (reason := check(enrollment))]


def complete_if_done(enrollment: Enrollment) -> bool:
    """Record completion if every requirement is met. True if it completed just now."""
    if not enrollment.is_active or missing_requirements(enrollment):
        return False
    enrollment.status = EnrollmentStatus.COMPLETED
    enrollment.completed_at = utcnow()
    record("enrollment_completed", enrollment, officer_id=enrollment.officer_id)
    enrollment_completed.send(enrollment)
    return True
