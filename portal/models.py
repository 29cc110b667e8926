"""Imports every feature's models so the metadata (and Alembic) sees all tables."""
from portal.agencies.models import Agency, Agreement, AgreementStatusChange  # noqa: F401
from portal.api.models import ApiToken  # noqa: F401
from portal.attendance.models import AttendanceMark, CalendarFeed, ClassSession, Holiday  # noqa: F401
from portal.audit.models import AuditEvent  # noqa: F401
from portal.auth.models import RecoveryCode, User, UserSession  # noqa: F401
from portal.certificates.models import Certificate, SerialCounter  # noqa: F401
from portal.classes.models import Enrollment, TrainingClass  # noqa: F401
from portal.courses.models import Course, Lesson, Module  # noqa: F401
from portal.nominations.models import Nomination  # noqa: F401
from portal.notifications.models import OutboxMessage  # noqa: F401
from portal.progress.models import LessonProgress  # noqa: F401
from portal.quizzes.models import (  # noqa: F401
    Attempt,
    GradeChange,
    Question,
    QuestionCategory,
    QuestionImage,
    Quiz,
    QuizSlot,
    Response,
    RetakeGrant,
)
