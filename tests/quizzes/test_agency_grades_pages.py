"""The coordinator's grades page at program scale: an agency's enrollments over the years are
listed 25 rows a page, newest class first, each row with its own grades."""
from portal.auth.roles import Role
from portal.classes.models import EnrollmentStatus


def test_agency_grades_come_a_page_at_a_time_newest_class_first(client, login, make):
    agency = make.agency()
    old_course, new_course = make.course(weeks=1, code="OLD-COURSE"), make.course(weeks=1, code="NEW-COURSE")
    old_question, new_question = make.question(old_course), make.question(new_course)
    old_exam = make.quiz(old_course, [old_question], module=old_course.modules[0], title="Old week 1 exam")
    make.quiz(new_course, [new_question], module=new_course.modules[0], title="New week 1 exam")
    old_class = make.training_class(old_course, start=make.days_ago(400), capacity=100)
    new_class = make.training_class(new_course, start=make.days_ago(10), capacity=100)
    for n in range(20):
        enrollment = make.enrollment(make.user(Role.OFFICER, agency=agency, last=f"Veteran{n:02d}"), old_class,
                                     status=EnrollmentStatus.COMPLETED)
        make.attempt(old_exam, enrollment, n != 19, answers=[(old_question, 1.0 if n != 19 else 0.0)])
    for n in range(10):
        make.enrollment(make.user(Role.OFFICER, agency=agency, last=f"Recruit{n:02d}"), new_class,
                        status=EnrollmentStatus.IN_PROGRESS)
    outsider = make.enrollment(make.user(Role.OFFICER, last="Outsider"), old_class)
    login(make.user(Role.COORDINATOR, agency=agency))

    first = client.get("/agency/grades").get_data(as_text=True)
    assert "30 in all, page 1 of 2" in first
    assert first.index("NEW-COURSE") < first.index("OLD-COURSE")  # newest class first
    assert "Recruit00" in first and "Recruit09" in first and "Veteran14" in first and "Veteran15" not in first
    assert outsider.officer.last_name not in first
    assert 'href="/agency/grades?page=2"' in first

    second = client.get("/agency/grades?page=2").get_data(as_text=True)
    assert "Veteran15" in second and "Veteran19" in second and "Recruit" not in second and "Veteran14" not in second
    assert "OLD-COURSE" in second and "NEW-COURSE" not in second
    row = second[second.index("Veteran19"):]
    assert "Fail" in row[:row.index("</tr>")]  # the row's own grade, read for this page's officers
    for bad in ("abc", "0", "-2", "999", "99999999999999999999"):
        response = client.get(f"/agency/grades?page={bad}")
        assert response.status_code == 200 and "Veteran" in response.get_data(as_text=True), bad


def test_agency_grades_without_enrollments_says_so(client, login, make):
    login(make.user(Role.COORDINATOR, agency=make.agency()))
    page = client.get("/agency/grades?page=2").get_data(as_text=True)
    assert "None of your officers is enrolled in a class yet." in page
