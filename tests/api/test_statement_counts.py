"""Each list answers in a fixed number of statements, however many rows its page holds, and no
list reads a certificate's PDF."""
from datetime import timedelta

import pytest

from portal.auth.roles import Role
from portal.extensions import db
from portal.timeutil import today
from tests.performance.test_statement_counts import PDF_BYTES, StatementCounter


def add_officers(make, agency, course, count):
    for _ in range(count):
        officer = make.user(Role.OFFICER, agency=agency)
        enrollment = make.enrollment(officer, make.training_class(course, start=today() - timedelta(days=3)))
        make.lesson_done(enrollment, course.modules[0].lessons[0])
        make.certificate_record(make.enrollment(officer, make.training_class(course)))
        make.nomination(agency=agency)
    db.session.commit()


@pytest.mark.parametrize("path", ["officers", "enrollments", "classes", "nominations", "certificates", "agencies",
                                  "applications"])
def test_a_lists_statement_count_does_not_grow_with_its_rows(make, token_for, api, db_transaction, path):
    agency = make.agency()
    course = make.course(weeks=1, modules_per_week=1, lessons_per_module=2)
    make.quiz(course, [make.question(course)], module=course.modules[0])
    token = token_for(None if path in ("agencies", "applications") else agency)
    add_officers(make, agency, course, 1)
    api(path, token)  # the token's first use writes last_used_at

    def count() -> int:
        with StatementCounter(db_transaction) as counter:
            assert api(path, token).status_code == 200
        assert not [s for s in counter.statements if PDF_BYTES.search(s)]
        return counter.count

    before = count()
    add_officers(make, agency, course, 4)
    for _ in range(4):
        make.agency()
    db.session.commit()
    assert count() == before
