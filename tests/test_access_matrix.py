"""Every route × every role, generated from the URL map and each view's declared access rule."""
from datetime import timedelta

import pytest

from portal.access import PUBLIC, access_rule
from portal.auth.roles import Role
from portal.auth.tokens import make_set_password_token
from portal.timeutil import today
from tests import factories

ANONYMOUS = "anonymous"


@pytest.fixture(scope="session")
def seeded_access_world(seed):
    """The world below, built once (it issues a certificate, a rendered and signed PDF): every test
    of the access matrix and of tests/security that uses it runs on a copy of the database holding
    it, rolled back afterwards."""
    with seed(lambda app: build_world(app, factories)) as seeded:
        yield seeded


@pytest.fixture
def world(seeded_access_world):
    """(users by role, a value for each URL argument name): objects the home agency's users may see."""
    return seeded_access_world.load()


def build_world(app, make):
    agency = make.agency()
    instructor = make.user(Role.INSTRUCTOR)
    course = make.course(weeks=1, modules_per_week=1, lessons_per_module=2)
    tc = make.training_class(course, start=today() - timedelta(days=1), instructors=[instructor])
    officer = make.user(Role.OFFICER, agency=agency)
    enrollment = make.enrollment(officer, tc)
    certificate = make.certificate(make.enrollment(officer, make.training_class(course, instructors=[instructor])))
    users = {
        Role.ADMIN: make.user(Role.ADMIN),
        Role.INSTRUCTOR: instructor,
        Role.COORDINATOR: make.user(Role.COORDINATOR, agency=agency),
        Role.OFFICER: officer,
    }
    module = course.modules[0]
    with app.test_request_context():
        token = make_set_password_token(make.user(password=False))
    nomination = make.nomination(agency=agency)
    quiz_values = quiz_world(make, course, module, enrollment)
    attendance_values = attendance_world(tc)
    values = {
        **quiz_values,
        **attendance_values,
        "nomination_id": nomination.id, "table": "officers",
        "class_id": tc.id, "lesson_id": module.lessons[0].id, "agency_id": agency.id,
        "agreement_id": agency.agreements[0].id, "course_id": course.id, "module_id": module.id,
        "user_id": officer.id, "officer_id": officer.id, "enrollment_id": enrollment.id, "token": token,
        "certificate_id": certificate.id, "code": certificate.issued_code,
        "serial": certificate.serial, "token_id": api_token_id(agency),
    }
    return users, values


def api_token_id(agency) -> int:
    from portal.api.services import create_token

    return create_token("Records system", agency)[0].id


def attendance_world(tc) -> dict:
    """A session of the running class, and a holiday."""
    from datetime import date, time

    from portal.attendance.models import ClassSession, Holiday
    from portal.extensions import db

    session = ClassSession(training_class=tc, day=today(), starts_at=time(8), ends_at=time(16))
    holiday = Holiday(day=date(2099, 1, 1), name="Test holiday")
    db.session.add_all([session, holiday])
    db.session.flush()
    return {"session_id": session.id, "holiday_id": holiday.id}


def quiz_world(make, course, module, enrollment) -> dict:
    """A week-1 exam with an essay the officer has submitted (pending grading), and a question image."""
    from portal.extensions import db
    from portal.quizzes.models import QuestionImage
    from portal.quizzes.services.attempts import start_attempt, submit_attempt

    essay = make.question(course, "essay", "")
    essay.images.append(QuestionImage(filename="map.png", content=b"\x89PNG"))
    choice = make.question(course, category=essay.category)
    quiz = make.quiz(course, [essay, choice], module=module)
    attempt = start_attempt(enrollment, quiz)
    attempt.responses[0].answer = {"text": "An essay"}
    submit_attempt(attempt)
    db.session.flush()
    return {"quiz_id": quiz.id, "attempt_id": attempt.id, "question_id": essay.id, "response_id": attempt.responses[0].id,
            "category_id": essay.category_id, "slot_id": quiz.slots[0].id, "image_id": essay.images[0].id}


def routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        method = "GET" if "GET" in rule.methods else "POST"
        yield rule, method


def url_for_rule(rule, values):
    missing = [arg for arg in rule.arguments if arg not in values]
    assert not missing, f"the access matrix needs a value for {missing} in {rule.rule}"
    return rule.build({arg: values[arg] for arg in rule.arguments}, append_unknown=False)[1]


def test_every_route_declares_who_may_use_it(app):
    undeclared = [rule.rule for rule, _ in routes(app) if access_rule(rule.endpoint) is None]
    assert undeclared == [], "views without @public or @roles(...): " + ", ".join(undeclared)


def outcome_problem(who, declared, response) -> str | None:
    status, location = response.status_code, response.headers.get("Location", "")
    to_login = status == 302 and "/login" in location
    if status >= 500:
        return f"answered {status}"
    if declared == PUBLIC:
        return None
    if who == ANONYMOUS:
        return None if to_login else f"anonymous got {status} {location}"
    if who not in declared:
        return None if status == 403 else f"expected 403, got {status} {location}"
    if status == 403 and b"not open yet" not in response.data or to_login:
        return f"allowed role was refused ({status} {location})"
    return None


def test_role_by_route_matrix(app, world):
    users, values = world
    problems = []
    for who in [ANONYMOUS, *Role]:
        client = app.test_client()
        if who != ANONYMOUS:
            assert (
                client.post("/login", data={"email": users[who].email, "password": "correct horse battery staple"}).status_code
                == 302
            )
        for rule, method in routes(app):
            if rule.endpoint == "auth.logout":
                continue  # signing out would end this client's session mid-matrix
            response = client.open(url_for_rule(rule, values), method=method)
            problem = outcome_problem(who, access_rule(rule.endpoint), response)
            if problem:
                problems.append(f"{who} {method} {rule.rule}: {problem}")
    assert problems == []


def test_logout_access(client, make, login):
    assert "/login" in client.post("/logout").headers["Location"]
    login(make.user())
    assert client.post("/logout").status_code == 302
