"""Exams and grading: the gradebook links come 25 classes a page (an administrator's list holds
every class the program ran), while the question banks of all those classes' courses stay listed."""
from portal.auth.roles import Role
from portal.extensions import db


def test_gradebooks_come_25_a_page_and_every_course_bank_stays_listed(client, make, login):
    instructor = make.user(Role.INSTRUCTOR)
    shared, late_course = make.course(weeks=1, code="SHARED-COURSE"), make.course(weeks=1, code="LATE-COURSE")
    classes = [make.training_class(shared, start=make.days_ago(7 * n), instructors=[instructor]) for n in range(29)]
    classes.append(make.training_class(late_course, start=make.days_ago(7 * 29), instructors=[instructor]))
    others = make.training_class(make.course(weeks=1, code="NOT-MINE"), instructors=[make.user(Role.INSTRUCTOR)])
    for n, training_class in enumerate(classes):
        training_class.name = f"Gradebook cohort {n:02d}."
    db.session.flush()
    login(instructor)
    first = client.get("/teach/exams").get_data(as_text=True)
    assert "30 in all, page 1 of 2" in first and 'href="/teach/exams?page=2"' in first
    assert f'href="/teach/classes/{classes[24].id}/gradebook"' in first
    assert f'href="/teach/classes/{classes[25].id}/gradebook"' not in first
    assert "SHARED-COURSE question bank" in first and "LATE-COURSE question bank" in first  # every course, on every page
    assert others.course.code not in first
    second = client.get("/teach/exams?page=2").get_data(as_text=True)
    assert f'href="/teach/classes/{classes[29].id}/gradebook"' in second
    assert f'href="/teach/classes/{classes[0].id}/gradebook"' not in second and "SHARED-COURSE question bank" in second
    for bad in ("abc", "0", "-1", "999", "99999999999999999999"):
        response = client.get(f"/teach/exams?page={bad}")
        assert response.status_code == 200 and "Gradebook cohort" in response.get_data(as_text=True), bad


def test_administrators_page_through_every_class(client, make, login):
    for _ in range(26):
        make.training_class()
    login(make.user(Role.ADMIN))
    assert "page 1 of 2" in client.get("/teach/exams").get_data(as_text=True)


def test_an_instructor_without_classes_is_told_so(client, make, login):
    login(make.user(Role.INSTRUCTOR))
    page = client.get("/teach/exams?page=4").get_data(as_text=True)
    assert "You are not assigned to any class yet." in page and "No courses yet." in page
