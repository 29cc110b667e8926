"""Pages run a number of SQL statements that does not grow with the data (no query per row).

Each page is requested on a small world, the world then grows several times over in the rows that
page lists (officers, enrollments, attempts, responses, agencies, certificates, nominations,
classes), and the page is requested again: the two statement counts must be equal."""
import re
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from portal.auth.roles import Role
from portal.classes.models import EnrollmentStatus
from portal.extensions import db
from portal.quizzes.models import Attempt
from tests import factories as make
from tests.quizzes.conftest import value_of

SMALL, GROWTH = 2, 4  # units of data at first, then this many more (three times the rows)


@dataclass
class World:
    course: object
    training_class: object  # the running class everybody is in
    done_class: object  # a past class of the same course, completed with certificates
    instructor: object
    admin: object
    coordinator: object
    agency: object  # the coordinator's agency
    officer: object  # the officer whose pages are requested
    enrollment: object
    week1: object
    final: object
    practice: object  # an optional exam the officer retakes at will
    choice: object
    certificate: object
    units: int = 0


def build_world() -> World:
    course = make.course(weeks=2, modules_per_week=1, lessons_per_module=2)
    instructor = make.user(Role.INSTRUCTOR)
    training_class = make.training_class(course, start=make.days_ago(10), instructors=[instructor], capacity=500)
    done_class = make.training_class(course, start=make.days_ago(60), instructors=[instructor], capacity=500)
    agency = make.agency()
    officer = make.user(Role.OFFICER, agency=agency)
    enrollment = make.enrollment(officer, training_class, status=EnrollmentStatus.IN_PROGRESS)
    choice = make.question(course)
    week1 = make.quiz(course, [choice], module=course.modules[0], title="Week 1 exam")
    final = make.quiz(course, [make.question(course), make.question(course, "essay", "", points=4)], title="Final exam")
    practice = make.quiz(course, [make.question(course)], module=course.modules[0], title="Practice exam",
                         required=False, attempts_allowed=50)
    make.lesson_done(enrollment, course.modules[0].lessons[0])
    past = make.enrollment(officer, done_class, status=EnrollmentStatus.COMPLETED)
    world = World(course, training_class, done_class, instructor, make.user(Role.ADMIN),
                  make.user(Role.COORDINATOR, agency=agency), agency, officer, enrollment, week1, final, practice,
                  choice, make.certificate_record(past))
    grow(world, SMALL)
    return world


@pytest.fixture(scope="module")
def seeded_small_world(seed):
    """build_world() once for the module: each test that uses it runs on a copy of the database
    holding it, rolled back afterwards, and grows it there."""
    with seed(lambda app: build_world()) as seeded:
        yield seeded


@pytest.fixture
def small_world(seeded_small_world) -> World:
    """A fresh build_world(), its objects in this test's session."""
    return seeded_small_world.load()


def grow(world: World, units: int) -> None:
    """Add `units` times: two more officers in the running class (one of the coordinator's agency,
    one of a new agency) with lessons done, a graded and a pending attempt each, a past completed
    enrollment and certificate each, and a place in an upcoming class; two nominations; an officer
    not enrolled yet; and for the signed-in officer one more class (of its own course, completed,
    with a certificate) and one more practice attempt."""
    lessons = world.course.modules[0].lessons
    for _ in range(units):
        world.units += 1
        essay = make.question(world.course, "essay", "", points=4)
        own_course = make.course(weeks=1, modules_per_week=1, lessons_per_module=1)
        own_question = make.question(own_course)
        own_quiz = make.quiz(own_course, [own_question], module=own_course.modules[0])
        unit_class = make.training_class(own_course, start=make.days_ago(40),
                                         instructors=[world.instructor, make.user(Role.INSTRUCTOR)])
        upcoming = make.training_class(own_course, start=make.days_ago(-30))
        new_agency = make.agency()
        for officer, past_class in ((make.user(Role.OFFICER, agency=new_agency), world.done_class),
                                    (make.user(Role.OFFICER, agency=world.agency), unit_class)):
            enrollment = make.enrollment(officer, world.training_class, status=EnrollmentStatus.IN_PROGRESS)
            make.lesson_done(enrollment, lessons[0])
            make.attempt(world.week1, enrollment, True, answers=[(world.choice, 1.0)])
            make.attempt(world.final, enrollment, None, answers=[(world.choice, 1.0), (essay, None)])
            make.certificate_record(make.enrollment(officer, past_class, status=EnrollmentStatus.COMPLETED))
            make.nomination(agency=officer.agency)
            make.enrollment(officer, upcoming)
        make.user(Role.OFFICER, agency=new_agency)  # not enrolled: offered on the admin class page
        mine = make.enrollment(world.officer, unit_class, status=EnrollmentStatus.COMPLETED)
        make.lesson_done(mine, own_course.modules[0].lessons[0])
        make.attempt(own_quiz, mine, True, answers=[(own_question, 1.0)])
        make.certificate_record(mine)
        make.attempt(world.practice, world.enrollment, False, number=world.units,
                     answers=[(world.practice.slots[0].question, 0.0)])
    db.session.flush()


PDF_BYTES = re.compile(r"\bcertificates\.pdf\b(?!_)")  # the stored document, not pdf_size or pdf_sha256


class StatementCounter:
    """Counts the statements sent to the database while it listens (and keeps their text)."""

    def __init__(self, connection):
        self.connection, self.statements = connection, []

    @property
    def count(self) -> int:
        return len(self.statements)

    def _count(self, connection, cursor, statement, *args):
        self.statements.append(statement)

    def __enter__(self):
        self.statements = []
        event.listen(self.connection, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.connection, "before_cursor_execute", self._count)


def statements(connection, client, url, method="GET", data=None) -> int:
    """Statements run by one request (the URL is worked out before counting starts). No page
    reads certificate PDFs: only downloads and ZIPs may."""
    with StatementCounter(connection) as counter:
        response = client.open(url, method=method, data=data)
    assert response.status_code in (200, 302), f"{url}: {response.status_code} {response.get_data(as_text=True)[:500]}"
    assert not [s for s in counter.statements if PDF_BYTES.search(s)], f"{url} read certificate PDF bytes"
    return counter.count


def signed_in(app, user):
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": make.PASSWORD})
    assert response.status_code == 302, "sign-in failed"
    return client


def answered_exam_attempt(client, world) -> str:
    """Start the week 1 exam and answer it; returns the submit URL."""
    assert client.post(f"/classes/{world.training_class.id}/exams/{world.week1.id}/start").status_code == 302
    attempt = db.session.scalar(sa.select(Attempt).where(Attempt.enrollment_id == world.enrollment.id,
                                                         Attempt.quiz_id == world.week1.id))
    right = value_of(attempt, world.choice.id, "a")
    client.post(f"/attempts/{attempt.id}/save", data={"page": "1", f"q{world.choice.id}": right, "action": "finish"})
    return f"/attempts/{attempt.id}/submit"


def forget_exam_attempt(world):
    db.session.execute(sa.delete(Attempt).where(Attempt.enrollment_id == world.enrollment.id,
                                                Attempt.quiz_id == world.week1.id))
    db.session.flush()


PAGES = {
    "officer dashboard": ("officer", lambda w: "/dashboard"),
    "lesson page": ("officer", lambda w: f"/classes/{w.training_class.id}/lessons/{w.course.modules[0].lessons[1].id}"),
    "officer exam page": ("officer", lambda w: f"/classes/{w.training_class.id}/exams/{w.practice.id}"),
    "officer exam list": ("officer", lambda w: f"/classes/{w.training_class.id}/exams"),
    "gradebook": ("instructor", lambda w: f"/teach/classes/{w.training_class.id}/gradebook"),
    "gradebook CSV": ("instructor", lambda w: f"/teach/classes/{w.training_class.id}/gradebook.csv"),
    "grading queue by attempt": ("instructor", lambda w: "/teach/grading"),
    "grading queue by question": ("instructor", lambda w: "/teach/grading?by=question"),
    "instructor's classes": ("instructor", lambda w: "/teach/"),
    "instructor's exams and gradebooks": ("instructor", lambda w: "/teach/exams"),
    "roster": ("instructor", lambda w: f"/teach/classes/{w.training_class.id}"),
    "admin class page": ("admin", lambda w: f"/admin/classes/{w.training_class.id}"),
    "agency dashboard": ("coordinator", lambda w: "/agency/"),
    "agency grades": ("coordinator", lambda w: "/agency/grades"),
    "upcoming classes": ("coordinator", lambda w: "/classes/upcoming"),
    "coordinator certificate list": ("coordinator", lambda w: "/agency/certificates"),
    "program dashboard": ("admin", lambda w: "/admin/"),
    "program reports": ("admin", lambda w: "/admin/reports/"),
    "program report CSV": ("admin", lambda w: "/admin/reports/by-state.csv"),
    "agency officer status CSV": ("coordinator", lambda w: "/agency/reports/officer-status.csv"),
    "admin agencies": ("admin", lambda w: "/admin/agencies/"),
    "admin agency page": ("admin", lambda w: f"/admin/agencies/{w.agency.id}"),
    "admin users": ("admin", lambda w: "/admin/users/"),
    "admin classes": ("admin", lambda w: "/admin/classes/"),
    "admin classes without an instructor": ("admin", lambda w: "/admin/classes/?no_instructor=1"),
    "admin agencies with an agreement ending": ("admin", lambda w: "/admin/agencies/?ending=3660"),
    "admin courses": ("admin", lambda w: "/admin/courses/"),
    "admin nominations": ("admin", lambda w: "/admin/nominations/"),
    "admin certificates": ("admin", lambda w: "/admin/certificates/"),
    "admin certificates by agency name": ("admin", lambda w: "/admin/certificates/?agency=county&status=valid"),
    "admin certificates by agency id": ("admin", lambda w: f"/admin/certificates/?agency_id={w.agency.id}"),
    "verify page": ("officer", lambda w: f"/verify/{w.certificate.issued_code}"),
}


@pytest.mark.parametrize("page", PAGES)
def test_statement_count_does_not_grow_with_the_data(app, db_transaction, page, small_world):
    role, url_of = PAGES[page]
    world = small_world
    client = signed_in(app, getattr(world, role))
    url = url_of(world)
    client.get(url)  # the first request after signing in also does one-off bookkeeping
    before = statements(db_transaction, client, url)
    grow(world, GROWTH)
    after = statements(db_transaction, client, url)
    assert after == before, f"{page}: {before} statements with {SMALL} units of data, {after} with {world.units}"


def test_exam_submission_statement_count_does_not_grow(app, db_transaction, small_world):
    world = small_world
    client = signed_in(app, world.officer)
    client.get("/dashboard")  # the first request after signing in also does one-off bookkeeping
    before = statements(db_transaction, client, answered_exam_attempt(client, world), "POST")
    forget_exam_attempt(world)
    grow(world, GROWTH)
    after = statements(db_transaction, client, answered_exam_attempt(client, world), "POST")
    assert after == before, f"exam submit: {before} statements with {SMALL} units of data, {after} with {world.units}"


def test_exam_autosave_statement_count_does_not_grow(app, db_transaction, small_world):
    """The autosave every officer sends every 30 seconds of an exam: the busiest write of exam day."""
    world = small_world
    client = signed_in(app, world.officer)
    assert client.post(f"/classes/{world.training_class.id}/exams/{world.week1.id}/start").status_code == 302
    attempt = db.session.scalar(sa.select(Attempt).where(Attempt.enrollment_id == world.enrollment.id,
                                                         Attempt.quiz_id == world.week1.id))
    url, answer = f"/attempts/{attempt.id}/save", value_of(attempt, world.choice.id, "a")
    save = dict(page="1", **{f"q{world.choice.id}": answer})
    client.post(url, data=save)
    before = statements(db_transaction, client, url, "POST", save)
    grow(world, GROWTH)
    after = statements(db_transaction, client, url, "POST", save)
    assert after == before, f"exam autosave: {before} statements with {SMALL} units of data, {after} with {world.units}"


def reading(table: str, statements: list[str]) -> list[str]:
    return [s for s in statements if re.search(rf"\b(FROM|JOIN) {table}\b", s)]


def test_an_autosave_reads_the_enrollment_and_the_attempt_once_each(app, db_transaction, small_world):
    """The ownership check locks the enrollment (the first exam lock) in its own statement; the
    attempt's lock then reads the attempt with its exam, responses and questions in one more."""
    world = small_world
    client = signed_in(app, world.officer)
    assert client.post(f"/classes/{world.training_class.id}/exams/{world.week1.id}/start").status_code == 302
    attempt = db.session.scalar(sa.select(Attempt).where(Attempt.enrollment_id == world.enrollment.id,
                                                         Attempt.quiz_id == world.week1.id))
    save = dict(page="1", **{f"q{world.choice.id}": value_of(attempt, world.choice.id, "a")})
    with StatementCounter(db_transaction) as counter:
        assert client.post(f"/attempts/{attempt.id}/save", data=save, headers={"X-Autosave": "1"}).status_code == 200
    assert len(reading("enrollments", counter.statements)) == 1, counter.statements
    check, lock = reading("attempts", counter.statements)
    assert all(table in lock for table in ("quizzes", "responses", "questions")), lock
    assert not [s for s in counter.statements if s not in (check, lock) and "questions" in s]
    if db_transaction.dialect.name == "postgresql":
        assert [s.count("FOR UPDATE") for s in reading("attempts", counter.statements)] == [1, 1]


@pytest.mark.parametrize("completed, certificate_queries", [(False, 0), (True, 1)])
def test_the_dashboard_looks_for_certificates_of_completed_enrollments_only(app, db_transaction, small_world,
                                                                            completed, certificate_queries):
    """A certificate is issued on completion only: an officer who has completed nothing costs no
    certificate query."""
    world = small_world
    officer = world.officer  # in the running class, with a completed one and its certificate
    if not completed:
        officer = make.user(Role.OFFICER, agency=world.agency)
        make.enrollment(officer, world.training_class, status=EnrollmentStatus.IN_PROGRESS)
        db.session.commit()
    client = signed_in(app, officer)
    with StatementCounter(db_transaction) as counter:
        page = client.get("/dashboard").get_data(as_text=True)
    assert len(reading("certificates", counter.statements)) == certificate_queries
    assert (world.certificate.serial in page) == completed


def test_a_report_csv_builds_only_its_own_table(app, db_transaction, small_world):
    """Each CSV runs fewer statements than the page that shows every table; past the statements
    any signed-in request runs (those of an unknown table's 404), the CSVs together run exactly the
    page's statements: each builds its own table and no other."""
    from portal.reports.queries import AGENCY_DASHBOARD_TABLES, PROGRAM_TABLES

    world = small_world
    client = signed_in(app, world.admin)
    client.get("/admin/reports/")
    page = statements(db_transaction, client, "/admin/reports/")
    with StatementCounter(db_transaction) as counter:
        assert client.get("/admin/reports/no-such-table.csv").status_code == 404
    per_request = counter.count
    downloads = {key: statements(db_transaction, client, f"/admin/reports/{key}.csv") for key in PROGRAM_TABLES}
    assert len(downloads) == 7 and all(n < page for n in downloads.values()), (page, downloads)
    assert sum(n - per_request for n in downloads.values()) == page - per_request, (page, per_request, downloads)

    client = signed_in(app, world.coordinator)
    client.get("/agency/")
    page = statements(db_transaction, client, "/agency/")
    downloads = {key: statements(db_transaction, client, f"/agency/reports/{key}.csv") for key in AGENCY_DASHBOARD_TABLES}
    assert len(downloads) == 3 and all(n < page for n in downloads.values()), (page, downloads)


def test_reading_a_certificate_pdf_is_noticed(app, db_transaction, client, login, small_world):
    """The guard above: downloading a certificate does read its PDF bytes."""
    world = small_world
    login(world.officer)
    with StatementCounter(db_transaction) as counter:
        assert client.get(f"/certificates/{world.certificate.id}/download").status_code == 200
    assert any(PDF_BYTES.search(s) for s in counter.statements)
    assert not any(PDF_BYTES.search(s) for s in ["SELECT certificates.pdf_sha256, certificates.pdf_size FROM certificates"])


def test_the_counter_sees_a_query_per_row(app, db_transaction):
    """The counter itself: lazily loading each officer's agency costs one statement per officer."""
    from portal.auth.models import User

    agencies = [make.agency() for _ in range(3)]
    ids = [make.user(Role.OFFICER, agency=a).id for a in agencies]
    db.session.expunge_all()
    with StatementCounter(db_transaction) as counter:
        users = db.session.scalars(sa.select(User).where(User.id.in_(ids))).all()
        names = [u.agency.name for u in users]
    assert len(names) == 3 and counter.count == 4
