from datetime import timedelta

from portal.auth.roles import Role
from portal.timeutil import today


def test_coordinator_sees_only_their_agencys_officers_and_progress(client, make, login):
    mine, theirs = make.agency(name="Alpha County Sheriff's Office"), make.agency(name="Beta City Police")
    tc = make.training_class(start=today() - timedelta(days=2))
    my_officer = make.user(Role.OFFICER, agency=mine, last="Mineofficer")
    their_officer = make.user(Role.OFFICER, agency=theirs, last="Theirofficer")
    make.enrollment(my_officer, tc)
    make.enrollment(their_officer, tc)
    login(make.user(Role.COORDINATOR, agency=mine))
    page = client.get("/agency/").get_data(as_text=True)
    assert "Alpha County Sheriff&#39;s Office" in page
    [row] = [r for r in page.split("<tr>") if "Mineofficer" in r]
    assert '<span class="portal-progress__label">0% (0 of 8 lessons)</span>' in row  # the officer's progress cell
    assert "Theirofficer" not in page and "Beta City Police" not in page


def test_coordinator_cannot_reach_rosters_or_admin_pages(client, make, login):
    tc = make.training_class()
    login(make.user(Role.COORDINATOR))
    assert client.get(f"/teach/classes/{tc.id}").status_code == 403
    assert client.get("/admin/agencies/").status_code == 403


def test_instructor_sees_only_classes_they_teach(client, make, login):
    instructor = make.user(Role.INSTRUCTOR)
    mine = make.training_class(instructors=[instructor])
    other = make.training_class()
    make.enrollment(training_class=mine)
    login(instructor)
    listing = client.get("/teach/").get_data(as_text=True)
    assert mine.name in listing and f"/teach/classes/{other.id}" not in listing
    assert client.get(f"/teach/classes/{mine.id}").status_code == 200
    assert client.get(f"/teach/classes/{other.id}").status_code == 404
    assert client.get("/teach/classes/999999").status_code == 404
