"""Imports every feature's models so the metadata (and Alembic) sees all tables."""
from portal.agencies.models import Agency, Agreement  # noqa: F401
from portal.audit.models import AuditEvent  # noqa: F401
from portal.auth.models import RecoveryCode, User, UserSession  # noqa: F401
from portal.classes.models import Enrollment, TrainingClass  # noqa: F401
from portal.courses.models import Course, Lesson, Module  # noqa: F401
from portal.notifications.models import OutboxMessage  # noqa: F401
from portal.progress.models import LessonProgress  # noqa: F401
