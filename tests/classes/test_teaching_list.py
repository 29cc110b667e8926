"""An instructor's own classes accumulate over the years: "My classes" lists them 25 a page."""
from portal.auth.roles import Role
from portal.extensions import db


def test_my_classes_come_25_a_page_newest_first(client, make, login):
    instructor = make.user(Role.INSTRUCTOR)
    classes = [make.training_class(start=make.days_ago(10 * n), instructors=[instructor]) for n in range(30)]
    colleague = make.training_class(start=make.days_ago(1), instructors=[make.user(Role.INSTRUCTOR)])
    for n, training_class in enumerate(classes + [colleague]):
        training_class.name = f"Cohort {n:02d}."  # names no other name contains
    db.session.flush()
    make.enrollment(training_class=classes[29])
    login(instructor)
    first = client.get("/teach/").get_data(as_text=True)
    assert "30 in all, page 1 of 2" in first
    assert classes[0].name in first and classes[24].name in first and classes[25].name not in first
    assert colleague.name not in first and 'href="/teach/?page=2"' in first
    second = client.get("/teach/?page=2").get_data(as_text=True)
    assert classes[25].name in second and classes[29].name in second and classes[24].name not in second
    assert f'href="/teach/classes/{classes[29].id}"' in second and "1 of 30" in second
    for bad in ("abc", "0", "-1", "999", "99999999999999999999"):
        response = client.get(f"/teach/?page={bad}")
        assert response.status_code == 200 and "Classes you teach" in response.get_data(as_text=True), bad


def test_an_instructor_without_classes_is_told_so(client, make, login):
    login(make.user(Role.INSTRUCTOR))
    page = client.get("/teach/?page=2").get_data(as_text=True)
    assert "You are not assigned to any class yet." in page
