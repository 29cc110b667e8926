"""Item 3: a new session at sign-in, logout ends it on the server, a password change ends the
others, idle (30 min) and absolute (12 h) timeouts, and the cookie's attributes."""
from datetime import timedelta
from http.cookies import SimpleCookie

import sqlalchemy as sa

from portal.auth.models import UserSession
from portal.config import load_config
from portal.extensions import db
from portal.timeutil import utcnow
from tests.security.support import csrf_token, sign_in

COOKIE = "session"


def cookie_value(client):
    cookie = client.get_cookie(COOKIE, domain="portal.test")
    return cookie.value if cookie else None


def replay(app, value, path="/dashboard"):
    other = app.test_client()
    other.set_cookie(COOKIE, value, domain="portal.test")
    return other.get(path)


def is_anonymous(response):
    return response.status_code == 302 and "/login" in response.headers["Location"]


def test_sign_in_issues_a_new_session_and_the_one_before_is_worthless(app, client, make, login, csrf_on):
    officer = make.user()
    client.get("/login")  # the anonymous session (it holds the CSRF token)
    before = cookie_value(client)
    assert before
    form = client.get("/login")
    response = client.post("/login", data={"email": officer.email, "password": make.PASSWORD,
                                           "csrf_token": csrf_token(form.data)})
    assert response.status_code == 302
    after = cookie_value(client)
    assert after and after != before
    assert client.get("/dashboard").status_code == 200
    assert is_anonymous(replay(app, before))

    # Signing in again opens another server-side session with another token.
    second = app.test_client()
    sign_in(second, officer)
    assert cookie_value(second) != after
    tokens = db.session.scalars(sa.select(UserSession.token_hash).where(UserSession.user_id == officer.id)).all()
    assert len(set(tokens)) == 2


def test_logout_deletes_the_server_side_session_so_a_replayed_cookie_is_anonymous(app, client, make, login):
    officer = make.user()
    login(officer)
    stolen = cookie_value(client)
    assert replay(app, stolen).status_code == 200
    client.post("/logout")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession).where(UserSession.user_id == officer.id)) == 0
    assert is_anonymous(replay(app, stolen))


def test_a_password_change_ends_every_other_session(app, client, make, login):
    officer = make.user()
    login(officer)
    others = [app.test_client() for _ in range(2)]
    for other in others:
        other.post("/login", data={"email": officer.email, "password": make.PASSWORD})
        assert other.get("/dashboard").status_code == 200
    new = "a brand new long passphrase"
    assert (
        client.post(
            "/account/password", data={"current_password": make.PASSWORD, "new_password": new, "confirm": new}
        ).status_code
        == 302
    )
    assert client.get("/dashboard").status_code == 200
    assert all(is_anonymous(other.get("/dashboard")) for other in others)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession).where(UserSession.user_id == officer.id)) == 1


def test_a_set_password_link_ends_every_session(app, client, make, login):
    from portal.auth.tokens import make_set_password_token

    officer = make.user()
    login(officer)
    with app.test_request_context():
        token = make_set_password_token(officer)
    new = "another long new passphrase"
    assert app.test_client().post(f"/set-password/{token}", data={"new_password": new, "confirm": new}).status_code == 302
    assert is_anonymous(client.get("/dashboard"))


def test_idle_timeout_is_thirty_minutes(client, make, login):
    login(make.user())
    db.session.execute(sa.update(UserSession).values(last_seen_at=utcnow() - timedelta(minutes=29)))
    db.session.commit()
    assert client.get("/dashboard").status_code == 200
    db.session.execute(sa.update(UserSession).values(last_seen_at=utcnow() - timedelta(minutes=31)))
    db.session.commit()
    assert is_anonymous(client.get("/dashboard"))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)) == 0


def test_absolute_timeout_is_twelve_hours_however_active(client, make, login):
    login(make.user())
    db.session.execute(sa.update(UserSession).values(created_at=utcnow() - timedelta(hours=11, minutes=50)))
    db.session.commit()
    assert client.get("/dashboard").status_code == 200
    db.session.execute(sa.update(UserSession).values(created_at=utcnow() - timedelta(hours=12, minutes=1),
                                                    last_seen_at=utcnow()))
    db.session.commit()
    assert is_anonymous(client.get("/dashboard"))


def test_a_disabled_account_loses_its_sessions(client, make, login):
    officer = make.user()
    login(officer)
    officer.active = False
    db.session.commit()
    assert is_anonymous(client.get("/dashboard"))


def set_cookie_attributes(response):
    header = next(h for h in response.headers.getlist("Set-Cookie") if "session=" in h)
    name = header.split("=", 1)[0]
    attributes = {part.strip().split("=", 1)[0].lower(): (part.strip().split("=", 1) + [""])[1]
                  for part in header.split(";")[1:]}
    return name, attributes


def test_development_cookie_is_httponly_and_samesite_lax(client, make, login):
    name, attributes = set_cookie_attributes(login(make.user()))
    assert name == "session" and "httponly" in attributes and attributes["samesite"] == "Lax"
    assert "remember_token" not in str(client.get_cookie("remember_token"))


def test_production_cookie_is_secure_host_prefixed_httponly_and_samesite_lax(app, make, config_override, tmp_path):
    production = load_config(tmp_path, {"PORTAL_ENV": "production", "SECRET_KEY": "p" * 40})
    keys = ("SESSION_COOKIE_NAME", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE")
    config_override(**{key: production[key] for key in keys}, PREFERRED_URL_SCHEME="https")
    officer = make.user()
    client = app.test_client()
    response = client.post("/login", data={"email": officer.email, "password": make.PASSWORD},
                           base_url="https://portal.test")
    name, attributes = set_cookie_attributes(response)
    assert name == "__Host-session"
    assert "secure" in attributes and "httponly" in attributes and attributes["samesite"] == "Lax"
    assert attributes.get("path") == "/" and "domain" not in attributes  # what __Host- requires
    cookie = SimpleCookie()
    cookie.load(response.headers["Set-Cookie"])
    assert cookie["__Host-session"].value
    assert client.get("/dashboard", base_url="https://portal.test").status_code == 200
