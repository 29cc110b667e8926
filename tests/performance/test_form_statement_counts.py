"""Form submissions run a number of SQL statements that does not grow with what they carry or with
the data around them (issue 12, item 9): a roster upload with ten times the rows, a grade saved or
refused while ten times the answers wait for grading, run the same statements."""
import io
from datetime import timedelta

import pytest

from portal.auth.roles import Role
from portal.classes.models import EnrollmentStatus
from portal.extensions import db
from portal.timeutil import today
from tests import factories as make
from tests.performance.test_statement_counts import StatementCounter, signed_in

CHECKED = (today() - timedelta(days=20)).isoformat()
HEADER = "first_name,last_name,email,badge_number,rank,years_experience,us_citizen,background_check_date"


def statements(connection, client, url, expected_status, **kwargs) -> int:
    with StatementCounter(connection) as counter:
        response = client.post(url, **kwargs)
    assert response.status_code == expected_status, response.get_data(as_text=True)[:500]
    return counter.count


# --- roster upload ----------------------------------------------------------------------------------

def roster(rows: int, start: int, years: str = "5") -> dict:
    lines = [HEADER] + [f"Ana,Lima{n},ana.lima{n}@example.gov,{n},Deputy,{years},yes,{CHECKED}"
                        for n in range(start, start + rows)]
    data = ("\r\n".join(lines) + "\r\n").encode()
    return {"data": {"roster": (io.BytesIO(data), "roster.csv")}, "content_type": "multipart/form-data"}


def more_people(agency, count: int) -> None:
    """Accounts and nominations in the coordinator's agency and in others, none of the roster's emails."""
    for _ in range(count):
        other = make.agency()
        for where in (agency, other):
            make.user(Role.OFFICER, agency=where)
            make.nomination(agency=where)


@pytest.mark.parametrize("outcome, status, years", [("imported", 302, "5"), ("refused, a problem on every row", 422, "1")])
def test_a_roster_upload_runs_the_same_statements_for_3_rows_and_for_300(app, db_transaction, outcome, status, years):
    agency = make.agency()
    coordinator = make.user(Role.COORDINATOR, agency=agency)
    more_people(agency, 2)
    client = signed_in(app, coordinator)
    client.get("/agency/nominations/import")  # the first request after signing in also does one-off bookkeeping
    few = statements(db_transaction, client, "/agency/nominations/import", status, **roster(3, 0, years))
    more_people(agency, 10)
    many = statements(db_transaction, client, "/agency/nominations/import", status, **roster(300, 1000, years))
    assert many == few, f"roster {outcome}: {few} statements for 3 rows, {many} for 300"


def test_a_roster_row_conflicting_with_the_agency_is_found_without_a_query_per_row(app, db_transaction):
    agency = make.agency()
    coordinator = make.user(Role.COORDINATOR, agency=agency)
    client = signed_in(app, coordinator)
    client.get("/agency/nominations/import")
    for n in range(300):  # every row of the second upload is already nominated by the agency
        make.nomination(agency=agency, email=f"ana.lima{n}@example.gov")
    few = statements(db_transaction, client, "/agency/nominations/import", 422, **roster(3, 0))
    many = statements(db_transaction, client, "/agency/nominations/import", 422, **roster(300, 0))
    assert many == few


# --- grading ---------------------------------------------------------------------------------------

class GradingWorld:
    """A class whose officers each have a submitted exam with two essays waiting for a grade."""

    def __init__(self):
        course = make.course(weeks=1, modules_per_week=1, lessons_per_module=1)
        self.instructor = make.user(Role.INSTRUCTOR)
        self.training_class = make.training_class(course, start=make.days_ago(5), instructors=[self.instructor],
                                                  capacity=500)
        self.essays = [make.question(course, "essay", "", points=4) for _ in range(2)]
        self.quiz = make.quiz(course, self.essays, title="Written exam")
        self.waiting = []  # (attempt, first essay's response) not graded yet

    def grow(self, officers: int) -> None:
        for _ in range(officers):
            enrollment = make.enrollment(make.user(Role.OFFICER), self.training_class, status=EnrollmentStatus.IN_PROGRESS)
            attempt = make.attempt(self.quiz, enrollment, None, answers=[(essay, None) for essay in self.essays])
            self.waiting.append(attempt.responses[0])
        db.session.flush()

    def grade(self, connection, client, points: str, back: str, status: int) -> int:
        response = self.waiting.pop(0)
        prefix = f"r{response.id}"
        return statements(connection, client, f"/teach/responses/{response.id}/grade", status,
                          data={f"{prefix}-points": points, f"{prefix}-feedback": "Seen.", f"{prefix}-back": back})


@pytest.mark.parametrize("back", ["attempt", "question"])
@pytest.mark.parametrize("outcome, points, status", [("saved", "3", 302), ("refused", "99", 400)])
def test_grading_an_answer_runs_the_same_statements_whatever_waits_for_grading(app, db_transaction, back, outcome,
                                                                                points, status):
    world = GradingWorld()
    world.grow(3)
    client = signed_in(app, world.instructor)
    client.get("/teach/grading")  # the first request after signing in also does one-off bookkeeping
    before = world.grade(db_transaction, client, points, back, status)
    world.grow(30)
    after = world.grade(db_transaction, client, points, back, status)
    assert after == before, f"grade {outcome} (back to {back}): {before} statements with 3 officers waiting, {after} with 33"


def test_the_page_grading_one_question_for_many_officers_runs_the_same_statements(app, db_transaction):
    """The page that lists a question's answers waiting for a grade (20 at a time), each with its form."""
    world = GradingWorld()
    world.grow(3)
    client = signed_in(app, world.instructor)
    url = f"/teach/grading/questions/{world.essays[0].id}"
    client.get(url)
    with StatementCounter(db_transaction) as few:
        assert client.get(url).status_code == 200
    world.grow(30)
    with StatementCounter(db_transaction) as many:
        assert client.get(url).status_code == 200
    assert many.count == few.count
