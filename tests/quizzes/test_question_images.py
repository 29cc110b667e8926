"""Question images (/bank/images/<id>, sequential ids) go to the course's authors and to officers
whose attempts show the question: not to every officer of the course, since banks hold the
questions of exams not yet taken."""
import pytest

from portal.auth.roles import Role
from portal.extensions import db
from portal.quizzes.models import QuestionImage
from portal.quizzes.services.attempts import start_attempt

PNG = b"\x89PNG\r\n\x1a\n"


def with_image(make, course):
    question = make.question(course)
    question.images.append(QuestionImage(filename="badge.png", content=PNG))
    db.session.flush()
    return question, f"/bank/images/{question.images[0].id}"


@pytest.fixture
def images(world, make):
    """An image of a question on the week 1 exam, and one of a question in no exam."""
    w = world
    on_exam, on_exam_url = with_image(make, w.course)
    w.week1.slots.append(type(w.week1.slots[0])(position=2, question=on_exam))
    _unused, unused_url = with_image(make, w.course)
    db.session.flush()
    return on_exam_url, unused_url


def status(client, login, user, url):
    client.post("/logout")
    login(user)
    return client.get(url).status_code


def test_staff_of_the_course_get_every_image(client, login, world, images, make):
    for url in images:
        assert status(client, login, world.instructor, url) == 200
        assert status(client, login, make.user(Role.ADMIN), url) == 200
        assert status(client, login, make.user(Role.INSTRUCTOR), url) == 404  # teaches no class of the course
        assert status(client, login, make.user(Role.COORDINATOR), url) == 403


def test_an_officer_gets_the_images_of_questions_their_attempts_show(client, login, world, images, make):
    on_exam, unused = images
    assert status(client, login, world.officer, on_exam) == 404  # enrolled, but not shown it yet
    start_attempt(world.enrollment, world.week1)
    db.session.flush()
    response = client.get(on_exam)
    assert response.status_code == 200 and response.data == PNG and response.mimetype == "image/png"
    assert client.get(unused).status_code == 404  # in the bank, in no attempt of theirs


def test_another_officer_or_course_gets_nothing(client, login, world, images, make):
    on_exam, _unused = images
    start_attempt(world.enrollment, world.week1)
    classmate = make.enrollment(training_class=world.training_class)
    assert status(client, login, classmate.officer, on_exam) == 404  # same class, no attempt showing it
    elsewhere = make.course()
    other = make.enrollment(training_class=make.training_class(elsewhere, start=world.training_class.start_date))
    start_attempt(other, make.quiz(elsewhere, [make.question(elsewhere)], module=elsewhere.modules[0]))
    db.session.flush()
    assert status(client, login, other.officer, on_exam) == 404
