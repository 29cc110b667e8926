from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.auth.models import UserSession
from portal.auth.roles import Role
from portal.extensions import db
from portal.timeutil import utcnow

BAD = b"The email address or password is not right."


def test_wrong_password_and_unknown_email_get_the_same_answer(client, make):
    officer = make.user()
    wrong_password = client.post("/login", data={"email": officer.email, "password": "not the password at all"})
    unknown = client.post("/login", data={"email": "nobody@example.test", "password": "not the password at all"})
    assert wrong_password.status_code == unknown.status_code == 200
    assert BAD in wrong_password.data and BAD in unknown.data
    failures = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "login", AuditEvent.outcome == "failure")
    ).all()
    assert len(failures) == 2
    assert all("password" not in str(event.details) for event in failures)


def test_email_is_case_insensitive(client, make):
    make.user(email="jo.smith@example.test")
    response = client.post("/login", data={"email": "  JO.SMITH@example.test ", "password": make.PASSWORD})
    assert response.status_code == 302


def test_disabled_account_cannot_sign_in(make, login):
    assert BAD in login(make.user(active=False)).data


def test_empty_form_shows_field_errors(client):
    response = client.post("/login", data={})
    assert response.status_code == 200
    assert b"There are 2 problems with this form" in response.data


def test_logout_ends_the_session_on_the_server_so_a_replayed_cookie_is_anonymous(app, client, make, login):
    officer = make.user()
    login(officer)
    cookie = client.get_cookie("session", domain="portal.test").value
    assert client.get("/dashboard").status_code == 200
    client.post("/logout")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)) == 0
    replay = app.test_client()
    replay.set_cookie("session", cookie, domain="portal.test")
    response = replay.get("/dashboard")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_logout_needs_post(client, make, login):
    login(make.user())
    assert client.get("/logout").status_code == 405
    assert client.get("/dashboard").status_code == 200


def test_idle_session_times_out(client, make, login):
    login(make.user())
    db.session.execute(sa.update(UserSession).values(last_seen_at=utcnow() - timedelta(minutes=31)))
    response = client.get("/dashboard")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("target, expected", [
    ("/teach/", "/teach/"),
    ("https://evil.example/", "/dashboard"),
    ("//evil.example/", "/dashboard"),
    ("/\\evil.example", "/dashboard"),
])
def test_next_redirects_only_to_same_origin_paths(client, make, target, expected):
    officer = make.user()
    response = client.post("/login", query_string={"next": target}, data={"email": officer.email, "password": make.PASSWORD})
    assert response.headers["Location"].endswith(expected)


def test_signed_in_user_visiting_login_goes_to_landing(client, make, login):
    login(make.user(Role.INSTRUCTOR))
    assert client.get("/login").headers["Location"].endswith("/teach/")


def test_change_password_checks_current_and_policy_and_ends_other_sessions(app, client, make, login):
    officer = make.user(first="Jordan")
    login(officer)
    other = app.test_client()
    other.post("/login", data={"email": officer.email, "password": make.PASSWORD})
    wrong = client.post(
        "/account/password",
        data={"current_password": "nope", "new_password": "a fine long passphrase", "confirm": "a fine long passphrase"},
    )
    assert b"Your current password is not right." in wrong.data
    short = client.post(
        "/account/password", data={"current_password": make.PASSWORD, "new_password": "short", "confirm": "short"}
    )
    assert b"at least 12 characters" in short.data
    named = client.post(
        "/account/password",
        data={"current_password": make.PASSWORD, "new_password": "jordan-is-my-name", "confirm": "jordan-is-my-name"},
    )
    assert b"Do not use your name" in named.data
    ok = client.post(
        "/account/password",
        data={"current_password": make.PASSWORD, "new_password": "a fine long passphrase", "confirm": "a fine long passphrase"},
    )
    assert ok.status_code == 302
    assert client.get("/dashboard").status_code == 200
    assert other.get("/dashboard").status_code == 302
    fresh = app.test_client()
    assert fresh.post("/login", data={"email": officer.email, "password": "a fine long passphrase"}).status_code == 302
