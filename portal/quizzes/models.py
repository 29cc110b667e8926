"""Question bank, quizzes, attempts and grading records.

One polymorphic `Question` table: `kind` names a class in the type registry (portal/quizzes/types.py)
and `data` holds that type's settings (choices, accepted answers, pairs ...) as JSON.
"""
from __future__ import annotations

import builtins
import enum
import math
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.classes.models import Enrollment
from portal.column_types import enum_column
from portal.courses.models import Course, Module
from portal.extensions import Model
from portal.timeutil import utcnow

if TYPE_CHECKING:
    from portal.quizzes.types import QuestionType


class QuestionCategory(Model):
    __tablename__ = "question_categories"
    __table_args__ = (sa.UniqueConstraint("course_id", "parent_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("question_categories.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    depth = 0  # how deep in the course's tree: set by banks.categories()

    course: Mapped[Course] = relationship()
    parent: Mapped[QuestionCategory | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[QuestionCategory]] = relationship(back_populates="parent", order_by="QuestionCategory.name")

    @property
    def path(self) -> str:
        names: list[str] = []
        node: QuestionCategory | None = self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return "/".join(reversed(names))

    def descendant_ids(self) -> list[int]:
        ids, stack = [], [self]
        while stack:
            node = stack.pop()
            ids.append(node.id)
            stack.extend(node.children)
        return ids


class Question(Model):
    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("question_categories.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    name: Mapped[str] = mapped_column(sa.String(255))
    text: Mapped[str] = mapped_column(sa.Text)
    text_format: Mapped[str] = mapped_column(sa.String(10), default="markdown")
    points: Mapped[float] = mapped_column(default=1.0)
    general_feedback: Mapped[str] = mapped_column(sa.Text, default="")
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Editing an answered question saves a new version and points the old one here: attempts keep
    # the version they showed, and only current versions are listed, drawn or added to exams.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    replaced_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("questions.id"), index=True)

    course: Mapped[Course] = relationship()
    category: Mapped[QuestionCategory] = relationship()
    images: Mapped[list[QuestionImage]] = relationship(back_populates="question", cascade="all, delete-orphan")
    replaced_by: Mapped[Question | None] = relationship(remote_side=[id])

    @property
    def type(self) -> builtins.type[QuestionType]:
        from portal.quizzes.types import question_type

        return question_type(self.kind)


class QuestionImage(Model):
    """A file embedded in a question's text (Moodle's @@PLUGINFILE@@ references)."""

    __tablename__ = "question_images"
    __table_args__ = (sa.UniqueConstraint("question_id", "filename"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(255))
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)

    question: Mapped[Question] = relationship(back_populates="images")


class GradingPolicy(enum.StrEnum):
    BEST = "best"
    LAST = "last"

    @property
    def label(self) -> str:
        return {"best": "Best attempt", "last": "Last attempt"}[self.value]


class ReviewPolicy(enum.StrEnum):
    AFTER_SUBMIT = "after_submit"
    WHEN_DONE = "when_done"
    AFTER_CLOSE = "after_close"
    NEVER = "never"

    @property
    def label(self) -> str:
        return {
            "after_submit": "As soon as the attempt is graded",
            "when_done": "Once the officer has no attempt left (passed, or out of retakes)",
            "after_close": "After the quiz closes",
            "never": "Never",
        }[self.value]


class Quiz(Model):
    """A weekly exam (belongs to a module) or the final exam (module_id is None)."""

    __tablename__ = "quizzes"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int | None] = mapped_column(sa.ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    instructions: Mapped[str] = mapped_column(sa.Text, default="")
    required: Mapped[bool] = mapped_column(default=True)
    pass_mark: Mapped[int] = mapped_column(default=70)
    time_limit_minutes: Mapped[int | None]
    attempts_allowed: Mapped[int] = mapped_column(default=2)
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    shuffle_questions: Mapped[bool] = mapped_column(default=False)
    shuffle_choices: Mapped[bool] = mapped_column(default=True)
    questions_per_page: Mapped[int] = mapped_column(default=5)
    grading_policy: Mapped[GradingPolicy] = mapped_column(enum_column(GradingPolicy), default=GradingPolicy.BEST)
    review_policy: Mapped[ReviewPolicy] = mapped_column(enum_column(ReviewPolicy), default=ReviewPolicy.WHEN_DONE)
    position: Mapped[int] = mapped_column(default=1)
    # Officers must complete the lessons first: the week's (a final exam: every lesson of the course).
    lessons_first: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    course: Mapped[Course] = relationship()
    module: Mapped[Module | None] = relationship()
    slots: Mapped[list[QuizSlot]] = relationship(
        back_populates="quiz", order_by="QuizSlot.position", cascade="all, delete-orphan"
    )

    @property
    def is_final(self) -> bool:
        return self.module_id is None

    @property
    def week(self) -> int:
        return self.module.week if self.module is not None else self.course.weeks

    @property
    def sort_key(self):
        return (self.week, 1 if self.is_final else 0, self.position, self.id)


class QuizSlot(Model):
    """One fixed question, or `draw_count` questions drawn at random from a category."""

    __tablename__ = "quiz_slots"

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(sa.ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=1)
    question_id: Mapped[int | None] = mapped_column(sa.ForeignKey("questions.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("question_categories.id"), index=True)
    draw_count: Mapped[int] = mapped_column(default=1)
    include_subcategories: Mapped[bool] = mapped_column(default=True)

    quiz: Mapped[Quiz] = relationship(back_populates="slots")
    question: Mapped[Question | None] = relationship()
    category: Mapped[QuestionCategory | None] = relationship()


class AttemptStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    PENDING_GRADING = "pending_grading"
    GRADED = "graded"

    @property
    def label(self) -> str:
        return {"in_progress": "In progress", "pending_grading": "Pending grading", "graded": "Graded"}[self.value]


class Attempt(Model):
    __tablename__ = "attempts"
    __table_args__ = (
        sa.UniqueConstraint("quiz_id", "enrollment_id", "number"),
        # At most one open attempt per officer and quiz, whatever races happen.
        sa.Index(
            "uq_attempts_one_open", "quiz_id", "enrollment_id", unique=True,
            postgresql_where=sa.text("status = 'in_progress'"),
            sqlite_where=sa.text("status = 'in_progress'"),
        ),
        # Covers the pass-rate report (graded attempts per quiz, passed or not) and the grading
        # queue (attempts pending grading) without reading the wide attempt rows.
        sa.Index("ix_attempts_status_quiz_passed", "status", "quiz_id", "passed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(sa.ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    enrollment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrollments.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    is_retake: Mapped[bool] = mapped_column(default=False)
    status: Mapped[AttemptStatus] = mapped_column(enum_column(AttemptStatus), default=AttemptStatus.IN_PROGRESS)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None] = mapped_column(index=True)
    closed_by_deadline: Mapped[bool] = mapped_column(default=False)
    graded_at: Mapped[datetime | None]
    score: Mapped[float | None]
    max_score: Mapped[float] = mapped_column(default=0.0)
    passed: Mapped[bool | None]
    layout: Mapped[list] = mapped_column(sa.JSON, default=list)

    quiz: Mapped[Quiz] = relationship()
    enrollment: Mapped[Enrollment] = relationship()
    responses: Mapped[list[Response]] = relationship(
        back_populates="attempt", order_by="Response.position", cascade="all, delete-orphan"
    )

    @property
    def fraction(self) -> float | None:
        """The exact share of the points scored, which the pass mark is compared with."""
        if self.score is None:
            return None
        return self.score / self.max_score if self.max_score else 1.0

    @property
    def percent(self) -> float | None:
        """The percentage shown, to a tenth, rounded down: 69.96% shows as 69.9, never as a failing 70."""
        fraction = self.fraction
        return None if fraction is None else math.floor(1000 * fraction + 1e-6) / 10

    @property
    def is_open(self) -> bool:
        return self.status == AttemptStatus.IN_PROGRESS


class Response(Model):
    """An officer's answer to one question of an attempt, and its score."""

    __tablename__ = "responses"
    __table_args__ = (sa.UniqueConstraint("attempt_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(sa.ForeignKey("attempts.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("questions.id"), index=True)
    position: Mapped[int]
    max_points: Mapped[float]
    answer: Mapped[dict | None] = mapped_column(sa.JSON)
    saved_at: Mapped[datetime | None]
    auto_score: Mapped[float | None]
    needs_grading: Mapped[bool] = mapped_column(default=False, index=True)
    manual_score: Mapped[float | None]
    feedback: Mapped[str] = mapped_column(sa.Text, default="")
    grader_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    graded_at: Mapped[datetime | None]

    attempt: Mapped[Attempt] = relationship(back_populates="responses")
    question: Mapped[Question] = relationship()
    grader: Mapped[User | None] = relationship()

    @property
    def score(self) -> float | None:
        return self.manual_score if self.manual_score is not None else self.auto_score

    @property
    def pending(self) -> bool:
        return self.needs_grading and self.manual_score is None


class GradeChange(Model):
    """Every manual grade and regrade: who, old, new, when, why."""

    __tablename__ = "grade_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(sa.ForeignKey("responses.id", ondelete="CASCADE"), index=True)
    grader_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    old_score: Mapped[float | None]
    new_score: Mapped[float]
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)

    response: Mapped[Response] = relationship()
    grader: Mapped[User] = relationship()


class RetakeGrant(Model):
    """An extra remediation retake granted by an instructor beyond the program's one."""

    __tablename__ = "retake_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrollments.id", ondelete="CASCADE"), index=True)
    granted_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    enrollment: Mapped[Enrollment] = relationship()
    granted_by: Mapped[User] = relationship()
