"""Curriculum rules that views ask about (nothing here commits)."""
from portal.courses.models import Course


def next_module_slot(course: Course) -> tuple[int, int]:
    """(week, position) a new module of `course` most likely goes to: the first week without a
    module, else the last week after its modules."""
    positions: dict[int, int] = {}
    for module in course.modules:
        positions[module.week] = max(positions.get(module.week, 0), module.position)
    empty = next((week for week in range(1, course.weeks + 1) if week not in positions), None)
    if empty is not None:
        return empty, 1
    return course.weeks, positions.get(course.weeks, 0) + 1
