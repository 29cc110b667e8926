"""The curriculum calendar and progress arithmetic for one enrollment.

Week N of a class opens on start + 7·(N−1) days; within a module a lesson opens once the lesson
before it is complete. Progress is completed lessons over lessons, overall, per week, per module.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import QueryableAttribute, joinedload, selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from portal.audit.services import record
from portal.classes.models import Enrollment, EnrollmentStatus, TrainingClass
from portal.classes.services import lock_enrollment
from portal.courses.models import Course, Lesson, Module
from portal.extensions import db
from portal.progress.completion import complete_if_done, requirement
from portal.progress.models import LessonProgress
from portal.timeutil import today_in


class LessonLocked(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Tally:
    done: int = 0
    total: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@dataclass
class LessonState:
    lesson: Lesson
    complete: bool
    open: bool
    locked_reason: str = ""


@dataclass
class ModuleState:
    module: Module
    lessons: list[LessonState]
    tally: Tally


@dataclass
class WeekState:
    week: int
    opens_on: date
    open: bool
    modules: list[ModuleState] = field(default_factory=list)
    tally: Tally = field(default_factory=Tally)


@dataclass
class EnrollmentProgress:
    enrollment: Enrollment
    weeks: list[WeekState]
    overall: Tally
    current_week: int | None  # None before the class starts
    next_lesson: LessonState | None

    def lesson_state(self, lesson_id: int) -> LessonState | None:
        for week in self.weeks:
            for module in week.modules:
                for state in module.lessons:
                    if state.lesson.id == lesson_id:
                        return state
        return None


def completed_lesson_ids(enrollment_ids: list[int]) -> dict[int, set[int]]:
    """Completed lesson ids per enrollment, in one query."""
    done: dict[int, set[int]] = {eid: set() for eid in enrollment_ids}
    if enrollment_ids:
        rows = db.session.execute(
            sa.select(LessonProgress.enrollment_id, LessonProgress.lesson_id).where(
                LessonProgress.enrollment_id.in_(enrollment_ids)
            )
        )
        for enrollment_id, lesson_id in rows:
            done[enrollment_id].add(lesson_id)
    return done


def with_curriculum(training_class_path: QueryableAttribute[TrainingClass], joined: bool = False) -> LoaderOption:
    """Loader option: a class's course, modules and lessons, one query per table (for build_progress);
    `joined`: all of them in the main query's own statement, a row per lesson (for an officer's few
    enrollments: the result needs `.unique()`; a roster's hundreds share one class, better read once)."""
    load = joinedload if joined else selectinload
    return load(training_class_path).options(load(TrainingClass.course).options(
        load(Course.modules).joinedload(Module.lessons).defer(Lesson.body_markdown)))


def load_curriculum(course: Course) -> None:
    """The course's modules and their lessons in one statement per table, unless already loaded
    (with_curriculum): otherwise each module's lessons would be loaded lazily, one query each. Without
    the lessons' bodies: only the lesson page reads one, its own."""
    if "modules" in sa.inspect(course).unloaded:
        db.session.scalars(sa.select(Course).where(Course.id == course.id)
                           .options(selectinload(Course.modules).joinedload(Module.lessons)
                                    .defer(Lesson.body_markdown))).all()


def current_week(enrollment: Enrollment, on: date) -> int | None:
    training_class = enrollment.training_class
    if on < training_class.start_date:
        return None
    return min(training_class.course.weeks, (on - training_class.start_date).days // 7 + 1)


def build_progress(enrollment: Enrollment, done: set[int] | None = None, on: date | None = None) -> EnrollmentProgress:
    training_class = enrollment.training_class
    on = on or today_in(training_class.time_zone)
    if done is None:
        done = completed_lesson_ids([enrollment.id])[enrollment.id]
    course = training_class.course
    load_curriculum(course)
    weeks: dict[int, WeekState] = {}
    overall = Tally()
    next_lesson = None
    for module in course.modules:
        opens_on = training_class.week_opens_on(module.week)
        week = weeks.setdefault(module.week, WeekState(module.week, opens_on, on >= opens_on))
        module_state = ModuleState(module, [], Tally())
        previous_complete = True
        for lesson in module.lessons:
            complete = lesson.id in done
            reason = ""
            if not week.open:
                reason = f"Week {module.week} opens on {opens_on:%B %-d, %Y}."
            elif not previous_complete:
                reason = "Complete the previous lesson of this module first."
            state = LessonState(lesson, complete, open=complete or not reason, locked_reason=reason)
            module_state.lessons.append(state)
            module_state.tally.total += 1
            module_state.tally.done += complete
            if next_lesson is None and state.open and not complete:
                next_lesson = state
            previous_complete = complete
        week.modules.append(module_state)
        week.tally.total += module_state.tally.total
        week.tally.done += module_state.tally.done
        overall.total += module_state.tally.total
        overall.done += module_state.tally.done
    return EnrollmentProgress(
        enrollment=enrollment,
        weeks=[weeks[w] for w in sorted(weeks)],
        overall=overall,
        current_week=current_week(enrollment, on),
        next_lesson=next_lesson,
    )


def progress_counts(enrollments: Sequence[Enrollment], done: dict[int, set[int]],
                    on: date | None = None) -> list[EnrollmentProgress]:
    """The overall and weekly counts of build_progress without its lesson-by-lesson states (no
    modules, no next lesson), for pages listing hundreds of enrollments: each class's weeks and
    lessons are walked once, not once per enrollment."""
    layouts: dict[int, list[tuple[int, date, frozenset[int]]]] = {}
    class_today: dict[int, date] = {}
    result = []
    for enrollment in enrollments:
        layout = layouts.get(enrollment.class_id)
        if layout is None:
            training_class = enrollment.training_class
            layout = layouts[enrollment.class_id] = [
                (module.week, training_class.week_opens_on(module.week), frozenset(lesson.id for lesson in module.lessons))
                for module in training_class.course.modules
            ]
            class_today[enrollment.class_id] = on or today_in(training_class.time_zone)
        on_day = class_today[enrollment.class_id]
        finished_lessons = done[enrollment.id]
        weeks: dict[int, WeekState] = {}
        overall = Tally()
        for week_number, opens_on, lesson_ids in layout:
            week = weeks.get(week_number)
            if week is None:
                week = weeks[week_number] = WeekState(week_number, opens_on, on_day >= opens_on)
            finished = len(lesson_ids & finished_lessons)
            for tally in (week.tally, overall):
                tally.total += len(lesson_ids)
                tally.done += finished
        result.append(EnrollmentProgress(enrollment, [weeks[w] for w in sorted(weeks)], overall,
                                          current_week(enrollment, on_day), None))
    return result


def complete_lesson(enrollment: Enrollment, lesson: Lesson, on: date | None = None) -> bool:
    """Mark a lesson complete. True if newly completed; raises LessonLocked if not yet open.

    The enrollment row is locked first (FOR UPDATE on PostgreSQL), so two completions for the same
    enrollment run one after the other: the second sees the first's lesson, and completing the
    last two lessons at once still completes the course (nothing lost)."""
    lock_enrollment(enrollment.id)
    if not enrollment.is_active:
        raise LessonLocked(f"This enrollment is {enrollment.status.label.lower()}.")
    progress = build_progress(enrollment, on=on)
    state = progress.lesson_state(lesson.id)
    if state is None:
        raise LessonLocked("This lesson is not part of your course.")
    if state.complete:
        return False
    if not state.open:
        raise LessonLocked(state.locked_reason)
    db.session.add(LessonProgress(enrollment_id=enrollment.id, lesson_id=lesson.id))
    if enrollment.status == EnrollmentStatus.ENROLLED:
        enrollment.status = EnrollmentStatus.IN_PROGRESS
    record("lesson_completed", lesson, enrollment_id=enrollment.id)
    db.session.flush()
    complete_if_done(enrollment)
    return True


@requirement
def all_lessons_complete(enrollment: Enrollment) -> str | None:
    progress = build_progress(enrollment)
    missing = progress.overall.total - progress.overall.done
    return f"{missing} lesson(s) not complete" if missing else None
