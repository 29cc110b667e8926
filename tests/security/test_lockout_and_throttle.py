"""Item 1: account lockout (5 failures in 15 minutes lock for 15 minutes, the right password
refused too, every failure and the lock audited) and the per-address throttle (Flask-Limiter)."""
import os
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal import create_app
from portal.audit.models import AuditEvent
from portal.auth.models import UserSession
from portal.config import load_config
from portal.extensions import db, limiter
from portal.timeutil import utcnow
from tests.conftest import TEST_CONFIG

BAD = b"The email address or password is not right."


def audit_rows(user, action):
    return db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == action, AuditEvent.target_id == str(user.id)).order_by(AuditEvent.id)
    ).all()


def attempt(client, user, password):
    return client.post("/login", data={"email": user.email, "password": password})


def test_five_failures_lock_the_account_and_the_right_password_is_refused(client, make):
    officer = make.user()
    for n in range(4):
        assert BAD in attempt(client, officer, f"wrong guess number {n}").data
    assert officer.locked_until is None
    assert BAD in attempt(client, officer, "wrong guess number 5").data
    assert officer.locked_until is not None
    assert timedelta(minutes=14) < officer.locked_until - utcnow() <= timedelta(minutes=15)

    refused = attempt(client, officer, make.PASSWORD)
    assert refused.status_code == 200 and BAD in refused.data
    assert client.get("/dashboard").status_code == 302  # not signed in
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)) == 0

    failures = [e for e in audit_rows(officer, "login") if e.outcome == "failure"]
    assert [e.details.get("reason") for e in failures] == ["bad_credentials"] * 5 + ["locked"]
    locks = audit_rows(officer, "account_locked")
    assert len(locks) == 1 and locks[0].outcome == "locked" and locks[0].ip_address == "127.0.0.1"
    assert all(e.at is not None and e.actor_id == officer.id for e in failures + locks)


def test_the_lock_ends_after_fifteen_minutes(client, make):
    officer = make.user()
    for n in range(5):
        attempt(client, officer, f"wrong guess number {n}")
    officer.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert attempt(client, officer, make.PASSWORD).status_code == 302
    assert officer.failed_login_count == 0 and officer.locked_until is None


def test_failures_older_than_the_window_do_not_count(client, make):
    officer = make.user()
    for n in range(4):
        attempt(client, officer, f"wrong guess number {n}")
    officer.failed_login_window_start = utcnow() - timedelta(minutes=16)
    db.session.commit()
    attempt(client, officer, "one more wrong guess")
    assert officer.locked_until is None and officer.failed_login_count == 1


def test_a_successful_sign_in_resets_the_count(app, client, make):
    officer = make.user()
    for n in range(4):
        attempt(client, officer, f"wrong guess number {n}")
    assert attempt(client, officer, make.PASSWORD).status_code == 302
    other = app.test_client()
    for n in range(4):
        attempt(other, officer, f"wrong again {n}")
    assert officer.locked_until is None


def test_the_client_address_is_slowed_down_with_a_429_error_page(app, client, make, throttle_on, config_override):
    config_override(LOGIN_RATE_LIMIT="3 per minute")
    officer = make.user()
    for n in range(3):
        assert client.post("/login", data={"email": f"guess{n}@example.test", "password": "not it at all"}).status_code == 200
    slowed = client.post("/login", data={"email": officer.email, "password": make.PASSWORD})
    assert slowed.status_code == 429
    assert b"Too many requests" in slowed.data and b"<h1>" in slowed.data  # the portal's error page
    assert int(slowed.headers["Retry-After"]) > 0
    assert "Content-Security-Policy" in slowed.headers
    # Another address is not slowed, and successful sign-ins do not spend the budget.
    elsewhere = app.test_client()
    for _ in range(4):
        response = elsewhere.post("/login", data={"email": officer.email, "password": make.PASSWORD},
                                  environ_base={"REMOTE_ADDR": "198.51.100.7"})
        assert response.status_code == 302
        elsewhere.post("/logout", environ_base={"REMOTE_ADDR": "198.51.100.7"})


def test_the_throttle_is_on_by_default():
    config = load_config(Path("/tmp"), {"SECRET_KEY": "k" * 40})
    assert config["LOGIN_RATE_LIMIT_ENABLED"] is True
    assert config["LOGIN_RATE_LIMIT"] and config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert (config["LOGIN_LOCKOUT_THRESHOLD"], config["LOGIN_LOCKOUT_WINDOW"], config["LOGIN_LOCKOUT_DURATION"]) == (
        5, timedelta(minutes=15), timedelta(minutes=15))


def redis_reachable(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def test_redis_stores_the_counters_when_REDIS_URL_is_set(app, database_url, tmp_path, monkeypatch):
    url = "redis://127.0.0.1:6379/15"
    assert load_config(tmp_path, {"REDIS_URL": url, "SECRET_KEY": "k" * 40})["RATELIMIT_STORAGE_URI"] == url
    if not redis_reachable(url):
        if os.environ.get("CI"):  # CI has Redis: its absence there is a failure, not a reason to skip
            pytest.fail("CI is set but there is no Redis server at 127.0.0.1:6379")
        pytest.skip("no Redis server at 127.0.0.1:6379")
    import redis

    monkeypatch.setenv("REDIS_URL", url)
    config = {**TEST_CONFIG, "LOGIN_RATE_LIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "2 per minute",
              "RATELIMIT_KEY_PREFIX": f"portal-test-{uuid.uuid4().hex[:8]}"}
    redis_app = create_app(config, SQLALCHEMY_DATABASE_URI=database_url)
    try:
        assert type(limiter.storage).__name__ == "RedisStorage"
        client = redis_app.test_client()
        # An empty form is refused without touching the database, and counts as a failure.
        statuses = [client.post("/login", data={}).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        keys = list(redis.Redis.from_url(url).scan_iter("*portal*"))
        assert keys, "no rate-limit counters in Redis"
    finally:
        connection = redis.Redis.from_url(url)
        for key in connection.scan_iter("*portal*"):
            connection.delete(key)
        limiter.init_app(app)  # the shared limiter back on the test app's in-process storage
        with redis_app.app_context():
            db.engine.dispose()


def test_the_public_application_form_is_slowed_down_per_address(app, client, config_override):
    config_override(APPLICATION_RATE_LIMIT_ENABLED=True, APPLICATION_RATE_LIMIT="2 per hour")
    limiter.reset()
    try:
        assert [client.post("/apply", data={}).status_code for _ in range(3)] == [200, 200, 429]
        assert client.get("/apply").status_code == 200  # reading the form is never slowed
        elsewhere = app.test_client().post("/apply", data={}, environ_base={"REMOTE_ADDR": "198.51.100.9"})
        assert elsewhere.status_code == 200
    finally:
        limiter.reset()


def test_the_application_throttle_is_on_by_default():
    config = load_config(Path("/tmp"), {"SECRET_KEY": "k" * 40})
    assert config["APPLICATION_RATE_LIMIT_ENABLED"] is True and config["APPLICATION_RATE_LIMIT"]
