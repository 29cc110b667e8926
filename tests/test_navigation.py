"""The navigation marks the section of every page: by URL where the page lies under an entry's,
else by the page's feature (an exam's item analysis under "Exams and grading", an agreement under
"Agencies", an officer's record under "My agency" for a coordinator)."""
import re

from portal.auth.roles import Role


def current_section(client, url):
    page = client.get(url)
    assert page.status_code == 200, url
    return re.findall(r'class="usa-nav-link usa-current"[^>]*><span>([^<]+)</span>', page.data.decode())


def test_an_exams_item_analysis_is_under_exams_and_grading(client, login, make):
    instructor = make.user(Role.INSTRUCTOR)
    course = make.course(weeks=1)
    make.training_class(course=course, instructors=[instructor])
    quiz = make.quiz(course, [make.question(course)])
    login(instructor)
    assert current_section(client, f"/teach/quizzes/{quiz.id}/statistics") == ["Exams and grading"]


def test_an_agreement_page_is_under_agencies(client, login, make):
    agency = make.agency()
    login(make.user(Role.ADMIN))
    assert current_section(client, f"/admin/agreements/{agency.agreements[0].id}/edit") == ["Agencies"]


def test_an_officers_record_is_under_my_agency_for_the_coordinator(client, login, make):
    agency = make.agency()
    officer = make.user(Role.OFFICER, agency=agency)
    login(make.user(Role.COORDINATOR, agency=agency))
    assert current_section(client, f"/officers/{officer.id}/record") == ["My agency"]


def test_a_page_under_an_entrys_url_keeps_that_entry(client, login, make):
    agency = make.agency()
    login(make.user(Role.ADMIN))
    assert current_section(client, f"/admin/agencies/{agency.id}") == ["Agencies"]
