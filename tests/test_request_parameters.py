"""PostgreSQL refuses NUL characters in text, so the portal drops them from every request parameter."""
import pytest
import sqlalchemy as sa

from portal.agencies.models import Agency
from portal.auth.roles import Role
from portal.extensions import db


@pytest.fixture
def admin(make, login):
    login(make.user(Role.ADMIN))


@pytest.mark.parametrize("url", ["/admin/users/?q=%00", "/admin/agencies/?q=a%00b", "/admin/audit/?actor=%00&target_id=%00"])
def test_nul_in_a_search_is_ignored_not_a_500(client, admin, url):
    assert client.get(url).status_code == 200


def test_nul_in_a_form_field_is_dropped_before_saving(client, admin):
    response = client.post("/admin/agencies/new", data={"name": "Gaston\x00 County Sheriff's Office", "kind": "county", "state": "NC"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Agency.name)) == "Gaston County Sheriff's Office"
