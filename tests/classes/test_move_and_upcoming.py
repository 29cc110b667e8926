from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.agencies.models import AgreementStatus
from portal.auth.roles import Role
from portal.classes.models import EnrollmentStatus
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.progress.models import LessonProgress
from portal.timeutil import today


@pytest.fixture
def admin(make, login):
    user = make.user(Role.ADMIN)
    login(user)
    return user


def test_move_to_another_class_of_the_same_course_keeps_progress(client, make, admin):
    course = make.course()
    source = make.training_class(course, start=today() - timedelta(days=2))
    target = make.training_class(course, start=today() + timedelta(days=20))
    other_course = make.training_class(start=today() + timedelta(days=20))
    enrollment = make.enrollment(training_class=source)
    db.session.add(LessonProgress(enrollment_id=enrollment.id, lesson_id=course.ordered_lessons()[0].id))
    db.session.flush()
    page = client.get(f"/admin/enrollments/{enrollment.id}/move").get_data(as_text=True)
    assert target.name in page and f'value="{other_course.id}"' not in page
    response = client.post(f"/admin/enrollments/{enrollment.id}/move", data={"class_id": target.id})
    assert response.status_code == 302
    db.session.refresh(enrollment)
    assert enrollment.class_id == target.id
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(LessonProgress).where(LessonProgress.enrollment_id == enrollment.id)
        )
        == 1
    )
    message = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "enrollment_moved"))
    assert message.user_id == enrollment.officer_id and target.name in message.body
    refused = client.post(f"/admin/enrollments/{enrollment.id}/move", data={"class_id": other_course.id})
    assert refused.status_code == 200 and b"Not a valid choice" in refused.data


def test_move_respects_capacity_and_the_agreement(client, make, admin):
    course = make.course()
    source = make.training_class(course)
    full = make.training_class(course, capacity=1, start=today() + timedelta(days=10))
    make.enrollment(training_class=full)
    enrollment = make.enrollment(training_class=source)
    page = client.post(f"/admin/enrollments/{enrollment.id}/move", data={"class_id": full.id}).get_data(as_text=True)
    assert "is full (1 seats)" in page
    db.session.refresh(enrollment)
    assert enrollment.class_id == source.id
    roomy = make.training_class(course, start=today() + timedelta(days=10))
    suspended = make.enrollment(make.user(Role.OFFICER, agency=make.agency(status=AgreementStatus.SUSPENDED)), source)
    page = client.post(f"/admin/enrollments/{suspended.id}/move", data={"class_id": roomy.id}).get_data(as_text=True)
    assert "has no active 287(g) agreement" in page


def test_withdrawn_enrollment_cannot_be_moved(client, make, admin):
    course = make.course()
    enrollment = make.enrollment(training_class=make.training_class(course), status=EnrollmentStatus.WITHDRAWN)
    target = make.training_class(course)
    page = client.post(f"/admin/enrollments/{enrollment.id}/move", data={"class_id": target.id}).get_data(as_text=True)
    assert "cannot be moved" in page


def test_capacity_counts_when_enrolling_after_a_move(client, make, admin):
    course = make.course()
    source, target = make.training_class(course), make.training_class(course, capacity=1)
    enrollment = make.enrollment(training_class=source)
    client.post(f"/admin/enrollments/{enrollment.id}/move", data={"class_id": target.id})
    newcomer = make.user(Role.OFFICER)
    response = client.post(f"/admin/classes/{target.id}", data={"officer_ids": [newcomer.id]})
    assert b"The class has 0 free seat(s); 1 requested." in response.data


def test_officers_and_coordinators_see_upcoming_class_dates(client, make, login):
    agency = make.agency()
    soon = make.training_class(start=today() + timedelta(days=14))
    soon.location = "Harris County Academy"
    past = make.training_class(start=today() - timedelta(days=60))
    officer = make.user(Role.OFFICER, agency=agency, last="Upcomingofficer")
    make.enrollment(officer, soon)
    login(officer)
    page = client.get("/classes/upcoming").get_data(as_text=True)
    assert soon.name in page and "Harris County Academy" in page and "Enrolled" in page
    assert f"{past.start_date:%b %-d, %Y}" not in page
    client.post("/logout")
    login(make.user(Role.COORDINATOR, agency=agency))
    page = client.get("/classes/upcoming").get_data(as_text=True)
    assert soon.name in page and "Upcomingofficer" in page
    client.post("/logout")
    login(make.user(Role.COORDINATOR))
    assert "Upcomingofficer" not in client.get("/classes/upcoming").get_data(as_text=True)


def test_upcoming_classes_come_25_a_page_with_the_viewers_own_enrollments(client, make, login):
    agency = make.agency()
    classes = [make.training_class(start=today() + timedelta(days=n)) for n in range(1, 31)]
    for n, training_class in enumerate(classes):
        training_class.name = f"Upcoming cohort {n:02d}."  # names no other name contains
    db.session.flush()
    late = classes[27]
    officer = make.user(Role.OFFICER, agency=agency, last="Pagetwoofficer")
    make.enrollment(officer, late)
    make.enrollment(make.user(Role.OFFICER, last="Otheragencyofficer"), late)
    withdrawn = make.user(Role.OFFICER, agency=agency, last="Withdrawnofficer")
    make.enrollment(withdrawn, late, status=EnrollmentStatus.WITHDRAWN)
    login(officer)
    first = client.get("/classes/upcoming").get_data(as_text=True)
    assert "30 in all, page 1 of 2" in first
    assert classes[0].name in first and classes[24].name in first and late.name not in first
    assert "Enrolled" not in first and 'href="/classes/upcoming?page=2"' in first
    second = client.get("/classes/upcoming?page=2").get_data(as_text=True)
    assert late.name in second and classes[24].name not in second and "Enrolled" in second
    assert "28 of 30" in second  # the two seat-holding enrollments, counted for this page's classes
    for bad in ("abc", "0", "-5", "999", "99999999999999999999"):
        response = client.get(f"/classes/upcoming?page={bad}")
        assert response.status_code == 200 and "Upcoming classes" in response.get_data(as_text=True), bad
    client.post("/logout")
    login(make.user(Role.COORDINATOR, agency=agency))
    second = client.get("/classes/upcoming?page=2").get_data(as_text=True)
    assert "Pagetwoofficer" in second
    assert "Otheragencyofficer" not in second and "Withdrawnofficer" not in second


def test_no_upcoming_class_says_so(client, make, login):
    make.training_class(start=today() - timedelta(days=3))
    login(make.user(Role.OFFICER))
    page = client.get("/classes/upcoming?page=2").get_data(as_text=True)
    assert "No class is scheduled yet." in page
