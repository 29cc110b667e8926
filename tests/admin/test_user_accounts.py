"""The administrator's user form: an administrator never removes their own access (by role or by
the active flag) and a refused save changes nothing; only officers and coordinators keep an agency."""
import sqlalchemy as sa

from portal.auth.models import User
from portal.auth.roles import Role
from portal.extensions import db

REFUSED = b"You cannot remove your own administrator access."


def form_data(user: User, **changes) -> dict:
    data = {"email": user.email, "first_name": user.first_name, "last_name": user.last_name,
            "role": user.role.value, "agency_id": user.agency_id or 0, "active": "y"}
    return {key: value for key, value in {**data, **changes}.items() if value is not None}


def test_an_administrator_keeps_their_own_access(client, make, login):
    admin = make.user(Role.ADMIN, email="ada@example.gov", first="Ada")
    login(admin)
    assert client.post(f"/admin/users/{admin.id}/edit", data=form_data(admin, first_name="Adele")).status_code == 302
    assert admin.first_name == "Adele"

    for refused in (form_data(admin, active=None, first_name="Changed"),
                    form_data(admin, role="instructor", first_name="Changed")):
        response = client.post(f"/admin/users/{admin.id}/edit", data=refused)
        assert response.status_code == 200 and REFUSED in response.data
        db.session.refresh(admin)
        assert (admin.first_name, admin.role, admin.active) == ("Adele", Role.ADMIN, True)


def test_an_administrator_may_remove_another_administrators_access(client, make, login):
    admin, other = make.user(Role.ADMIN), make.user(Role.ADMIN, email="other.admin@example.gov")
    login(admin)
    assert client.post(f"/admin/users/{other.id}/edit", data=form_data(other, active=None)).status_code == 302
    assert client.post(f"/admin/users/{other.id}/edit", data=form_data(other, role="instructor")).status_code == 302
    db.session.refresh(other)
    assert (other.role, other.active) == (Role.INSTRUCTOR, True)


def test_only_officers_and_coordinators_keep_an_agency(client, make, login):
    agency = make.agency()
    login(make.user(Role.ADMIN))
    for role in Role:
        data = {"email": f"{role.value}@example.gov", "first_name": "Val", "last_name": role.value,
                "role": role.value, "agency_id": agency.id, "active": "y"}
        assert client.post("/admin/users/new", data=data).status_code == 302
    agencies = dict(db.session.execute(
        sa.select(User.role, User.agency_id).where(User.email.like("%@example.gov"), User.first_name == "Val")).all())
    assert agencies == {Role.OFFICER: agency.id, Role.COORDINATOR: agency.id, Role.INSTRUCTOR: None, Role.ADMIN: None}
