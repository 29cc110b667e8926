"""Deny by default (portal.access): a view that declares no rule is refused to every signed-in
role, `roles()` needs a role, and "any signed-in user" includes administrators."""
import pytest
from flask_migrate import upgrade

from portal import access, create_app
from portal.access import PUBLIC, public, roles, signed_in
from portal.auth.roles import Role
from portal.extensions import db
from tests import factories
from tests.conftest import TEST_CONFIG
from tests.databases import fresh_database


@pytest.fixture(scope="module")
def guarded_app(tmp_path_factory):
    """An app of its own (views cannot be added to one that has served requests) with throwaway
    views registered only here, and one user of each role, committed to its own database."""
    with fresh_database(tmp_path_factory.mktemp("guard")) as url:
        app = create_app(TEST_CONFIG, SQLALCHEMY_DATABASE_URI=url)
        app.add_url_rule("/throwaway/undeclared", "throwaway_undeclared", lambda: "undeclared view ran")
        app.add_url_rule("/throwaway/public", "throwaway_public", public(lambda: "public view ran"))
        app.add_url_rule("/throwaway/signed-in", "throwaway_signed_in", signed_in(lambda: "signed-in view ran"))
        app.add_url_rule("/throwaway/instructors", "throwaway_instructors",
                         roles(Role.INSTRUCTOR)(lambda: "instructor view ran"))
        with app.app_context():
            upgrade()
            app.role_emails = {role: factories.user(role).email for role in Role}
            db.session.commit()
        try:
            yield app
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def client_as(app, role):
    client = app.test_client()
    if role is not None:
        response = client.post("/login", data={"email": app.role_emails[role], "password": factories.PASSWORD})
        assert response.status_code == 302, role
    return client


@pytest.mark.parametrize("role", list(Role))
def test_a_view_without_a_declared_rule_is_refused_to_every_signed_in_role(guarded_app, role):
    response = client_as(guarded_app, role).get("/throwaway/undeclared")
    assert response.status_code == 403
    assert "undeclared view ran" not in response.get_data(as_text=True)


def test_a_view_without_a_declared_rule_sends_the_anonymous_to_sign_in(guarded_app):
    response = client_as(guarded_app, None).get("/throwaway/undeclared")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", [None, *Role])
def test_a_public_view_is_open_to_everyone(guarded_app, role):
    response = client_as(guarded_app, role).get("/throwaway/public")
    assert response.status_code == 200 and response.get_data(as_text=True) == "public view ran"


@pytest.mark.parametrize("role", list(Role))
def test_any_signed_in_user_includes_every_role_administrators_too(guarded_app, role):
    response = client_as(guarded_app, role).get("/throwaway/signed-in")
    assert response.status_code == 200 and response.get_data(as_text=True) == "signed-in view ran"


def test_any_signed_in_user_excludes_the_anonymous(guarded_app):
    response = client_as(guarded_app, None).get("/throwaway/signed-in")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role, allowed", [(role, role == Role.INSTRUCTOR) for role in Role])
def test_a_role_rule_admits_its_roles_only(guarded_app, role, allowed):
    response = client_as(guarded_app, role).get("/throwaway/instructors")
    assert response.status_code == (200 if allowed else 403)


def test_an_unknown_address_is_left_to_routing(guarded_app):
    assert client_as(guarded_app, Role.ADMIN).get("/throwaway/nowhere").status_code == 404


def test_roles_refuses_a_rule_with_no_role():
    with pytest.raises(ValueError, match="at least one role"):
        roles()


def test_signed_in_declares_exactly_every_role():
    view = signed_in(lambda: None)
    assert getattr(view, access.ACCESS_ATTR) == frozenset(Role)


def test_declarations_are_kept_on_the_view():
    assert getattr(public(lambda: None), access.ACCESS_ATTR) == PUBLIC
    assert getattr(roles(Role.OFFICER, Role.ADMIN)(lambda: None), access.ACCESS_ATTR) == {Role.OFFICER, Role.ADMIN}


def test_static_files_are_public_whatever_the_blueprint(guarded_app):
    with guarded_app.app_context():
        assert access.access_rule("static") == PUBLIC
        assert access.access_rule("anything.static") == PUBLIC
        assert access.access_rule("throwaway_undeclared") is None
        assert access.access_rule("no.such.endpoint") is None
