"""Item 4: optional TOTP two-step sign-in for instructors and administrators, required for
administrators in production, one-time hashed recovery codes, server-drawn QR code."""
import re
from datetime import UTC, datetime

import pyotp
import pytest
import sqlalchemy as sa

from portal.auth.models import RecoveryCode, UserSession
from portal.auth.roles import Role
from portal.config import load_config
from portal.extensions import db


def counter_now(secret):
    return pyotp.TOTP(secret).timecode(datetime.now(UTC))


def code_at(secret, counter):
    return pyotp.TOTP(secret).generate_otp(counter)


def enrol(client, make):
    page = client.get("/account/two-step/setup")
    assert page.status_code == 200
    secret = re.search(rb'<code class="portal-secret">([A-Z2-7]+)</code>', page.data).group(1).decode()
    response = client.post("/account/two-step/setup", data={
        "code": code_at(secret, counter_now(secret)), "current_password": make.PASSWORD})
    assert response.status_code == 200, response.data
    codes = re.findall(rb"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", response.data)
    return secret, [c.decode() for c in codes]


@pytest.fixture
def enrolled(app, make):
    instructor = make.user(Role.INSTRUCTOR)
    client = app.test_client()
    client.post("/login", data={"email": instructor.email, "password": make.PASSWORD})
    secret, codes = enrol(client, make)
    client.post("/logout")
    return instructor, secret, codes


def password_step(client, user, make):
    return client.post("/login", data={"email": user.email, "password": make.PASSWORD})


def sessions_of(user):
    return db.session.scalar(sa.select(sa.func.count()).select_from(UserSession).where(UserSession.user_id == user.id))


def test_enrolment_shows_a_server_drawn_qr_code_and_ten_hashed_recovery_codes(app, make, login, client):
    instructor = make.user(Role.INSTRUCTOR)
    login(instructor)
    page = client.get("/account/two-step/setup")
    assert b'src="data:image/svg+xml' in page.data and b"otpauth" not in page.data.split(b"data:image")[0]
    assert b"https://" not in re.search(rb'<img class="portal-qr"[^>]*>', page.data).group(0)
    secret, codes = enrol(client, make)
    db.session.refresh(instructor)
    assert instructor.totp_secret == secret and instructor.totp_enabled_at is not None
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = db.session.scalars(sa.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == instructor.id)).all()
    assert len(stored) == 10 and all(len(h) == 64 for h in stored)
    assert not any(code.replace("-", "") in h or code in h for code in codes for h in stored)


def test_enrolment_needs_a_right_code_and_the_password(client, make, login):
    instructor = make.user(Role.INSTRUCTOR)
    login(instructor)
    page = client.get("/account/two-step/setup")
    secret = re.search(rb'<code class="portal-secret">([A-Z2-7]+)</code>', page.data).group(1).decode()
    bad_code = client.post("/account/two-step/setup", data={"code": "000000", "current_password": make.PASSWORD})
    bad_password = client.post("/account/two-step/setup", data={"code": code_at(secret, counter_now(secret)),
                                                                "current_password": "not my password"})
    assert bad_code.status_code == bad_password.status_code == 200
    db.session.refresh(instructor)
    assert instructor.totp_secret is None


def test_sign_in_asks_for_the_code_before_any_session_exists(app, client, make, enrolled):
    instructor, secret, _ = enrolled
    first = password_step(client, instructor, make)
    assert first.status_code == 302 and first.headers["Location"].endswith("/login/code")
    assert sessions_of(instructor) == 0
    assert client.get("/teach/").status_code == 302  # not signed in yet
    wrong = client.post("/login/code", data={"code": "123456"})
    assert wrong.status_code == 200 and b"not right" in wrong.data and sessions_of(instructor) == 0
    code = code_at(secret, counter_now(secret) + 1)  # the enrolment spent the current step
    assert client.post("/login/code", data={"code": code}).status_code == 302
    assert client.get("/teach/").status_code == 200 and sessions_of(instructor) == 1

    # The same code cannot be replayed by someone who watched it being typed.
    thief = app.test_client()
    password_step(thief, instructor, make)
    assert thief.post("/login/code", data={"code": code}).status_code == 200
    assert thief.get("/teach/").status_code == 302


def test_a_recovery_code_works_once(app, make, enrolled):
    instructor, _, codes = enrolled
    for expected in (302, 200):
        client = app.test_client()
        password_step(client, instructor, make)
        assert client.post("/login/code", data={"code": codes[0].upper()}).status_code == expected
    used = db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode).where(RecoveryCode.used_at.is_not(None)))
    assert used == 1


def test_wrong_codes_count_towards_the_lockout(client, make, enrolled):
    instructor, secret, _ = enrolled
    password_step(client, instructor, make)
    for n in range(5):
        client.post("/login/code", data={"code": f"00000{n}"})
    db.session.refresh(instructor)
    assert instructor.locked_until is not None
    password_step(client, instructor, make)
    assert client.post("/login/code", data={"code": code_at(secret, counter_now(secret) + 1)}).status_code == 302
    assert client.get("/teach/").status_code == 302  # locked: sent back to the password step


def test_the_code_step_without_the_password_step_goes_back_to_sign_in(client):
    response = client.post("/login/code", data={"code": "123456"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")


def test_turning_it_off_needs_the_password(client, make, login, enrolled):
    instructor, secret, _ = enrolled
    password_step(client, instructor, make)
    client.post("/login/code", data={"code": code_at(secret, counter_now(secret) + 1)})
    client.post("/account/two-step/disable", data={"current_password": "not my password"})
    db.session.refresh(instructor)
    assert instructor.has_two_factor
    client.post("/account/two-step/disable", data={"current_password": make.PASSWORD})
    db.session.refresh(instructor)
    assert not instructor.has_two_factor


def test_administrators_must_enrol_when_required(app, client, make, login, config_override):
    config_override(ADMIN_2FA_REQUIRED=True)
    admin = make.user(Role.ADMIN)
    login(admin)
    for path in ("/admin/", "/admin/users/", "/account/password"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith("/account/two-step/setup")
    secret, _ = enrol(client, make)
    assert client.get("/admin/").status_code == 200
    client.post("/account/two-step/disable", data={"current_password": make.PASSWORD})
    db.session.refresh(admin)
    assert admin.has_two_factor  # cannot be turned off while required
    # Officers and coordinators are not asked, and cannot enrol.
    officer = make.user()
    other = app.test_client()
    other.post("/login", data={"email": officer.email, "password": make.PASSWORD})
    assert other.get("/dashboard").status_code == 200
    assert other.get("/account/two-step/setup").status_code == 403


def test_required_for_administrators_in_production_only_by_default(tmp_path):
    key = {"SECRET_KEY": "p" * 40}
    assert load_config(tmp_path, {**key, "PORTAL_ENV": "production"})["ADMIN_2FA_REQUIRED"] is True
    assert load_config(tmp_path, {**key, "PORTAL_ENV": "production", "ADMIN_2FA_REQUIRED": "0"})["ADMIN_2FA_REQUIRED"] is False
    assert load_config(tmp_path, key)["ADMIN_2FA_REQUIRED"] is False  # the demo stays usable


def test_demo_admin_signs_in_without_a_code(client, make, login):
    admin = make.user(Role.ADMIN)
    login(admin)
    assert client.get("/admin/").status_code == 200


def test_an_administrator_resets_a_lost_second_factor_after_confirming(app, make, login, client, enrolled):
    instructor, secret, codes = enrolled
    held = app.test_client()
    password_step(held, instructor, make)
    held.post("/login/code", data={"code": codes[0]})
    assert held.get("/teach/").status_code == 200
    admin = make.user(Role.ADMIN)
    login(admin)
    assert b"Reset two-step sign-in" in client.get(f"/admin/users/{instructor.id}").data
    confirm = client.get(f"/admin/users/{instructor.id}/reset-two-factor")
    assert confirm.status_code == 200 and b"every session they have open is ended" in confirm.data
    db.session.refresh(instructor)
    assert instructor.has_two_factor  # asking is not doing

    done = client.post(f"/admin/users/{instructor.id}/reset-two-factor", follow_redirects=True)
    assert b"Two-step sign-in reset" in done.data
    db.session.refresh(instructor)
    assert not instructor.has_two_factor and sessions_of(instructor) == 0
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode).where(RecoveryCode.user_id == instructor.id)) == 0
    )
    assert held.get("/teach/").status_code == 302  # the session held elsewhere is over
    assert password_step(app.test_client(), instructor, make).status_code == 302  # password alone now


def test_the_reset_refuses_ones_own_account_and_users_without_a_second_factor(make, login, client):
    admin = make.user(Role.ADMIN)
    login(admin)
    officer = make.user()
    for user in (admin, officer):
        response = client.post(f"/admin/users/{user.id}/reset-two-factor", follow_redirects=True)
        assert b"Only another user" in response.data


def test_the_secret_is_stored_encrypted(make, login, client):
    instructor = make.user(Role.INSTRUCTOR)
    login(instructor)
    secret, _ = enrol(client, make)
    stored = db.session.scalar(sa.text("SELECT totp_secret FROM users WHERE id = :id"), {"id": instructor.id})
    assert secret not in stored and stored.startswith("gAAAAA")  # a Fernet token
    db.session.refresh(instructor)
    assert instructor.totp_secret == secret
