import pytest
import sqlalchemy as sa

from portal.agencies.models import AgreementStatus
from portal.auth.roles import Role
from portal.classes.models import Enrollment, EnrollmentStatus
from portal.extensions import db


@pytest.fixture
def admin(make, login):
    user = make.user(Role.ADMIN)
    login(user)
    return user


def enrolled(tc):
    return db.session.scalars(sa.select(Enrollment).where(Enrollment.class_id == tc.id)).all()


def test_admin_enrolls_several_officers_at_once(client, make, admin):
    tc = make.training_class()
    officers = [make.user(Role.OFFICER) for _ in range(3)]
    response = client.post(f"/admin/classes/{tc.id}", data={"officer_ids": [o.id for o in officers]})
    assert response.status_code == 302
    assert len(enrolled(tc)) == 3


@pytest.mark.parametrize("status", [AgreementStatus.SUSPENDED, AgreementStatus.TERMINATED, AgreementStatus.UNDER_REVIEW])
def test_only_agencies_with_an_active_agreement_can_have_officers_enrolled(client, make, admin, status):
    tc = make.training_class()
    officer = make.user(Role.OFFICER, agency=make.agency(status=status))
    page = client.get(f"/admin/classes/{tc.id}").get_data(as_text=True)
    assert officer.last_name not in page
    response = client.post(f"/admin/classes/{tc.id}", data={"officer_ids": [officer.id]})
    assert response.status_code == 200 and enrolled(tc) == []


def test_capacity_is_enforced_and_nothing_is_enrolled_when_over(client, make, admin):
    tc = make.training_class(capacity=2)
    make.enrollment(training_class=tc)
    officers = [make.user(Role.OFFICER) for _ in range(2)]
    response = client.post(f"/admin/classes/{tc.id}", data={"officer_ids": [o.id for o in officers]})
    assert response.status_code == 200
    assert b"The class has 1 free seat(s); 2 requested." in response.data
    assert len(enrolled(tc)) == 1


def test_withdraw_asks_for_confirmation_then_frees_the_seat(client, make, admin):
    tc = make.training_class(capacity=1)
    enrollment = make.enrollment(training_class=tc)
    confirm = client.get(f"/admin/enrollments/{enrollment.id}/withdraw")
    assert confirm.status_code == 200 and b"Please confirm and give a reason." in confirm.data
    assert client.post(f"/admin/enrollments/{enrollment.id}/withdraw", data={"reason": ""}).status_code == 200
    assert db.session.get(Enrollment, enrollment.id).status == EnrollmentStatus.ENROLLED
    client.post(f"/admin/enrollments/{enrollment.id}/withdraw", data={"reason": "Reassigned to patrol"})
    assert db.session.get(Enrollment, enrollment.id).status == EnrollmentStatus.WITHDRAWN
    newcomer = make.user(Role.OFFICER)
    assert client.post(f"/admin/classes/{tc.id}", data={"officer_ids": [newcomer.id]}).status_code == 302


def test_admin_schedules_class_with_instructors(client, make, admin):
    course = make.course()
    instructor = make.user(Role.INSTRUCTOR)
    response = client.post("/admin/classes/new", data={
        "course_id": course.id, "name": "JEM Basic — Raleigh", "start_date": "2027-01-11",
        "capacity": 20, "location": "Raleigh", "instructor_ids": [instructor.id],
    })
    assert response.status_code == 302
    bad = client.post(
        "/admin/classes/new", data={"course_id": course.id, "name": "", "start_date": "not a date", "capacity": "-1"}
    )
    assert bad.status_code == 200 and b"problems with this form" in bad.data
    far = client.post("/admin/classes/new", data={"course_id": course.id, "name": "Far", "start_date": "9999-12-31",
                                                   "capacity": 20})
    assert b"Enter a date from January 1, 1990 to December 31, 2099." in far.data


def test_admin_creates_user_and_refuses_duplicate_email_and_missing_agency(client, make, admin):
    agency = make.agency()
    data = {
        "email": "New.Officer@Example.com",
        "first_name": "Nia",
        "last_name": "Okafor",
        "role": "officer",
        "agency_id": agency.id,
        "active": "y",
    }
    assert client.post("/admin/users/new", data=data).status_code == 302
    assert b"Another account already uses this email address." in client.post("/admin/users/new", data=data).data
    no_agency = client.post("/admin/users/new", data={**data, "email": "x@example.com", "agency_id": 0})
    assert b"must belong to an agency" in no_agency.data


def test_an_agency_left_empty_means_no_agency(client, make, admin):
    """The agency field is a combo box with JavaScript; left empty it submits nothing, which must
    read as its first option ("none"), as the drop-down left alone would."""
    data = {"email": "no.agency@example.com", "first_name": "Ina", "last_name": "Structor", "role": "instructor",
            "active": "y"}
    assert client.post("/admin/users/new", data=data).status_code == 302
    officer = client.post("/admin/users/new", data={**data, "email": "o@example.com", "role": "officer"})
    assert b"must belong to an agency" in officer.data


def test_admin_cannot_remove_own_admin_role(client, admin):
    data = {
        "email": "self.admin@example.com",
        "first_name": "A",
        "last_name": "B",
        "role": "instructor",
        "agency_id": 0,
        "active": "y",
    }
    response = client.post(f"/admin/users/{admin.id}/edit", data=data)
    assert b"You cannot remove your own administrator access." in response.data
