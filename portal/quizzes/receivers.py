"""Connect quizzes to other features (listed in portal/__init__.py CONNECTIONS)."""
from portal.progress.completion import requirement
from portal.quizzes.services.rules import required_exams_passed


def connect() -> None:
    requirement(required_exams_passed)  # a course completes only once its required exams are passed
