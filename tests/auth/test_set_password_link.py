import re

import pytest
from itsdangerous import URLSafeTimedSerializer

from portal.auth.roles import Role
from portal.auth.tokens import make_set_password_token
from portal.extensions import db

NEW = "correct pony staple battery"


def link_for(client, user):
    page = client.post(f"/admin/users/{user.id}/set-password-link")
    assert page.status_code == 200
    return re.search(rb"http://portal\.test(/set-password/[^<\s]+)", page.data).group(1).decode()


@pytest.fixture
def new_officer(make):
    return make.user(password=False)


def test_admin_creates_link_and_new_user_sets_password_once(app, client, make, login, new_officer):
    login(make.user(Role.ADMIN))
    path = link_for(client, new_officer)
    visitor = app.test_client()
    assert visitor.get(path).status_code == 200
    response = visitor.post(path, data={"new_password": NEW, "confirm": NEW})
    assert response.status_code == 302
    assert visitor.post("/login", data={"email": new_officer.email, "password": NEW}).status_code == 302
    reused = app.test_client().get(path)
    assert reused.status_code == 400 and b"already been used" in reused.data


def test_mismatched_confirmation_rerenders_with_error(app, make, new_officer):
    with app.test_request_context():
        token = make_set_password_token(new_officer)
    response = app.test_client().post(f"/set-password/{token}", data={"new_password": NEW, "confirm": NEW + "x"})
    assert response.status_code == 200 and b"The two passwords differ." in response.data
    assert db.session.get(type(new_officer), new_officer.id).password_hash is None


def test_tampered_link_is_refused(app, new_officer):
    with app.test_request_context():
        token = make_set_password_token(new_officer)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = app.test_client().get(f"/set-password/{tampered}")
    assert response.status_code == 400 and b"not valid" in response.data


def test_link_signed_with_another_key_is_refused(app, new_officer):
    forged = URLSafeTimedSerializer("another-key", salt="set-password").dumps({"u": new_officer.id, "f": "x"})
    assert app.test_client().get(f"/set-password/{forged}").status_code == 400


def test_expired_link_is_refused(app, new_officer):
    with app.test_request_context():
        token = make_set_password_token(new_officer)
    app.config["SET_PASSWORD_LINK_MAX_AGE"] = -1
    try:
        response = app.test_client().get(f"/set-password/{token}")
    finally:
        app.config["SET_PASSWORD_LINK_MAX_AGE"] = 72 * 3600
    assert response.status_code == 400 and b"expired" in response.data
