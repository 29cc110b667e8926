"""'Forgot your password?': the same answer for every address, a single-use expiring link built
from the configured address, the password rules, every session ended, audit rows, a rate limit."""
import re

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.auth.models import User, UserSession
from portal.auth.roles import Role
from portal.extensions import db, limiter
from portal.notifications.models import OutboxMessage
from tests.factories import PASSWORD

NEW = "correct pony staple battery"


def reset_mails(user):
    return db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "password_reset",
                                                             OutboxMessage.user_id == user.id)).all()


def reset_path(user):
    (mail,) = reset_mails(user)
    return re.search(r"http://portal\.test(/reset-password/\S+)", mail.body).group(1)


def actions(action):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()


def ask(client, email, **kwargs):
    return client.post("/forgot-password", data={"email": email}, **kwargs)


def test_sign_in_page_links_to_the_reset_form(client):
    page = client.get("/login")
    assert b'href="/forgot-password"' in page.data
    assert client.get("/forgot-password").status_code == 200


def test_answer_is_the_same_page_whether_or_not_the_address_has_an_account(client, make):
    officer = make.user()
    known = ask(client, officer.email)
    unknown = ask(client, "nobody-here@example.test")
    inactive = ask(client, make.user(active=False).email)
    assert known.status_code == unknown.status_code == inactive.status_code == 200
    assert known.data == unknown.data == inactive.data
    assert b"Check your email" in known.data
    assert len(reset_mails(officer)) == 1


def test_link_mailed_to_an_active_account_only_and_audited(client, make):
    officer, inactive = make.user(), make.user(active=False)
    ask(client, officer.email.upper())  # addresses are matched as typed at sign-in: case-insensitively
    ask(client, inactive.email)
    ask(client, "nobody-here@example.test")
    assert len(reset_mails(officer)) == 1 and reset_mails(inactive) == []
    outcomes = sorted((e.outcome, e.target_id) for e in actions("password_reset_requested"))
    assert outcomes == sorted([("success", str(officer.id)), ("no_account", ""), ("no_account", "")])


def test_link_comes_from_the_configured_address_not_the_host_header(app, client, make, monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_BASE_URL", "https://training.example.gov")
    officer = make.user()
    ask(client, officer.email, headers={"Host": "attacker.example"})
    (mail,) = reset_mails(officer)
    assert "https://training.example.gov/reset-password/" in mail.body
    assert "attacker" not in mail.body


def test_new_password_ends_every_session_and_the_link_works_once(app, client, make, login):
    officer = make.user(Role.OFFICER)
    other_device = app.test_client()
    assert other_device.post("/login", data={"email": officer.email, "password": PASSWORD}).status_code == 302
    ask(client, officer.email)
    path = reset_path(officer)
    assert client.get(path).status_code == 200
    done = client.post(path, data={"new_password": NEW, "confirm": NEW})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    sessions = sa.select(sa.func.count()).select_from(UserSession).where(UserSession.user_id == officer.id)
    assert db.session.scalar(sessions) == 0
    assert other_device.get("/account/password").status_code == 302  # signed out on the other device
    assert client.post("/login", data={"email": officer.email, "password": PASSWORD}).status_code == 200
    assert client.post("/login", data={"email": officer.email, "password": NEW}).status_code == 302
    reused = app.test_client().get(path)
    assert reused.status_code == 400 and b"already been used" in reused.data
    assert [e.target_id for e in actions("password_reset")] == [str(officer.id)]


def test_new_password_follows_the_password_rules(client, make):
    officer = make.user()
    ask(client, officer.email)
    path = reset_path(officer)
    short = client.post(path, data={"new_password": "short", "confirm": "short"})
    assert short.status_code == 200 and b"usa-error-message" in short.data
    assert db.session.get(User, officer.id).password_hash == officer.password_hash


@pytest.mark.parametrize(("age", "works"), [(0, True), (1, False)], ids=["within", "past"])
def test_link_expires_after_its_lifetime(app, client, make, monkeypatch, age, works):
    officer = make.user()
    ask(client, officer.email)
    path = reset_path(officer)
    monkeypatch.setitem(app.config, "PASSWORD_RESET_LINK_MAX_AGE", 3600 - age * 7200)
    page = client.get(path)
    assert page.status_code == (200 if works else 400)
    if not works:
        assert b"expired" in page.data and b"Forgot your password?" in page.data


def test_a_set_password_link_is_not_a_reset_link(app, client, make):
    from portal.auth.tokens import make_set_password_token

    officer = make.user()
    with app.test_request_context():
        token = make_set_password_token(officer)
    assert client.get(f"/reset-password/{token}").status_code == 400


def test_requests_are_rate_limited_per_client_address(app, client, make, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_RESET_RATE_LIMIT_ENABLED", True)
    monkeypatch.setitem(app.config, "PASSWORD_RESET_RATE_LIMIT", "2 per minute")
    limiter.reset()
    try:
        officer = make.user()
        assert [ask(client, officer.email).status_code for _ in range(2)] == [200, 200]
        assert ask(client, officer.email).status_code == 429
        assert ask(client, officer.email, environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 200
    finally:
        limiter.reset()
    assert len(reset_mails(officer)) == 3


def test_empty_address_rerenders_with_a_field_error(client):
    page = client.post("/forgot-password", data={"email": ""})
    assert page.status_code == 200 and b"usa-error-message" in page.data
