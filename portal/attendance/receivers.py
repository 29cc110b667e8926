"""Connect attendance to other features (listed in portal/__init__.py CONNECTIONS)."""
from portal.attendance.services import attendance_requirement
from portal.progress.completion import requirement


def connect() -> None:
    requirement(attendance_requirement)  # a course completes only once the officer attended its share of the hours
