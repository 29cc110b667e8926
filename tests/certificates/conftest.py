import io
import re
from datetime import timedelta

import pytest
from pypdf import PdfReader

from portal.auth.roles import Role
from portal.timeutil import today

CODE_RE = re.compile(r"\b(?:[0-9A-Z]{4}-){6}[0-9A-Z]{4}\b")


@pytest.fixture(autouse=True)
def fresh_verify_rate_limit(app):
    """The verification rate limit counts per client address across the (session-wide) app."""
    counter = app.extensions.get("certificate_verify_rate")
    if counter is not None:
        counter.reset()
    yield


def pdf_text(data: bytes) -> str:
    return PdfReader(io.BytesIO(data)).pages[0].extract_text()


def printed_code(data: bytes) -> str:
    """The verification code as printed on the certificate (grouped)."""
    match = CODE_RE.search(pdf_text(data))
    assert match, "no verification code printed"
    return match.group(0)


@pytest.fixture
def one_lesson_class(make):
    """A running one-lesson class with an instructor, and an officer of an active agency in it."""
    def build(agency=None, officer=None, course=None, instructors=None):
        course = course or make.course(weeks=1, modules_per_week=1, lessons_per_module=1)
        instructor = make.user(Role.INSTRUCTOR, first="Dana", last="Instructor")
        tc = make.training_class(course, start=today() - timedelta(days=1),
                                 instructors=[instructor] if instructors is None else instructors)
        officer = officer or make.user(Role.OFFICER, agency=agency or make.agency())
        enrollment = make.enrollment(officer, tc)
        return enrollment
    return build
