"""Item 11: audit rows for sign-ins, denials and role changes, with actor, action, target, time,
client address and outcome; the audit table refuses UPDATE and DELETE (trigger, both databases) and
TRUNCATE (PostgreSQL); no password or token in any log line or audit row; control characters in
log lines are escaped."""
import io
import logging
import re
from datetime import UTC, datetime

import pyotp
import pytest
import sqlalchemy as sa
from flask.logging import default_handler
from sqlalchemy.exc import DBAPIError

from portal.audit.models import AuditEvent
from portal.auth.roles import Role
from portal.extensions import db
from portal.logs import escape_control_characters
from portal.timeutil import utcnow


def events(action, **where):
    query = sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    for name, value in where.items():
        query = query.where(getattr(AuditEvent, name) == value)
    return db.session.scalars(query).all()


def assert_complete(event, *, actor, action, target_type, target_id, outcome):
    assert (event.actor_id, event.actor_email) == (actor.id, actor.email)
    assert (event.action, event.target_type, event.target_id, event.outcome) == (action, target_type, str(target_id), outcome)
    assert event.ip_address == "127.0.0.1"
    assert abs((utcnow() - event.at).total_seconds()) < 60


def test_sign_ins_are_audited_with_every_field(client, make, login):
    officer = make.user()
    client.post("/login", data={"email": officer.email, "password": "a wrong password"})
    login(officer)
    failure, success = events("login", target_id=str(officer.id))
    assert_complete(failure, actor=officer, action="login", target_type="User", target_id=officer.id, outcome="failure")
    assert_complete(success, actor=officer, action="login", target_type="User", target_id=officer.id, outcome="success")


def test_denials_are_audited(client, make, login):
    officer = make.user()
    login(officer)
    assert client.get("/admin/users/").status_code == 403
    assert client.post("/admin/agencies/new", data={"name": "x"}).status_code == 403
    denied = events("access_denied", actor_id=officer.id)
    assert [(e.details["method"], e.details["path"]) for e in denied] == [
        ("GET", "/admin/users/"),
        ("POST", "/admin/agencies/new"),
    ]
    assert all(e.outcome == "denied" and e.ip_address == "127.0.0.1" and e.actor_email == officer.email for e in denied)
    # Nothing the refused POST carried was saved.
    from portal.agencies.models import Agency

    assert db.session.scalar(sa.select(Agency).where(Agency.name == "x")) is None


def test_a_role_change_is_audited_with_old_and_new_role(client, make, login):
    admin, officer = make.user(Role.ADMIN), make.user(email="pat.officer@example.com")
    login(admin)
    response = client.post(f"/admin/users/{officer.id}/edit", data={
        "email": officer.email, "first_name": officer.first_name, "last_name": officer.last_name,
        "role": "instructor", "agency_id": 0, "active": "y"})
    assert response.status_code == 302
    (change,) = events("role_changed")
    assert_complete(change, actor=admin, action="role_changed", target_type="User", target_id=officer.id, outcome="success")
    assert (change.details["old_role"], change.details["new_role"]) == ("officer", "instructor")


def test_a_lock_is_audited(client, make):
    officer = make.user()
    for n in range(5):
        client.post("/login", data={"email": officer.email, "password": f"wrong {n} password"})
    (lock,) = events("account_locked")
    assert lock.outcome == "locked" and lock.target_id == str(officer.id) and lock.details["until"]


@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET outcome = 'success'",
    "DELETE FROM audit_events",
])
def test_the_audit_table_refuses_update_and_delete(db_transaction, make, statement):
    from portal.audit.services import record

    record("test_event", make.user())
    db.session.flush()
    savepoint = db_transaction.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):
        db_transaction.execute(sa.text(statement))
    savepoint.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) >= 1


def test_the_audit_table_refuses_changes_through_the_orm_too(db_transaction, make):
    from portal.audit.services import record

    event = record("test_event", make.user())
    db.session.flush()
    with pytest.raises(DBAPIError, match="append-only"):
        with db.session.begin_nested():
            event.outcome = "forged"
    with pytest.raises(DBAPIError, match="append-only"):
        with db.session.begin_nested():
            db.session.delete(event)


@pytest.mark.postgres_only
def test_the_audit_table_refuses_truncate_on_postgresql(db_transaction):
    savepoint = db_transaction.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):
        db_transaction.execute(sa.text("TRUNCATE audit_events"))
    savepoint.rollback()


def every_audit_value() -> str:
    rows = db.session.execute(sa.select(AuditEvent)).scalars().all()
    return "\n".join(repr({c.name: getattr(e, c.name) for c in AuditEvent.__table__.columns}) for e in rows)


def test_no_password_or_token_reaches_a_log_line_or_an_audit_row(app, client, make, login, caplog):
    caplog.set_level(logging.DEBUG)
    secrets = []
    admin = make.user(Role.INSTRUCTOR)
    # Sign-in: a wrong password (typed into the email field too, a common slip), then the right one.
    wrong = "my-wrong-secret-guess-71"
    secrets.append(wrong)
    client.post("/login", data={"email": admin.email, "password": wrong})
    client.post("/login", data={"email": wrong, "password": wrong})
    login(admin)
    session_cookie = client.get_cookie("session", domain="portal.test").value
    secrets += [make.PASSWORD, session_cookie]
    # Two-step sign-in enrolment: the secret and the recovery codes.
    page = client.get("/account/two-step/setup")
    totp_secret = re.search(rb'<code class="portal-secret">([A-Z2-7]+)</code>', page.data).group(1).decode()
    code = pyotp.TOTP(totp_secret).now()
    codes_page = client.post("/account/two-step/setup", data={"code": code, "current_password": make.PASSWORD})
    recovery = [c.decode() for c in re.findall(rb"<li><code>([a-z2-9-]{11})</code></li>", codes_page.data)]
    assert len(recovery) == 10
    secrets += [totp_secret, *recovery]
    # A set-password link made by an administrator, and used.
    administrator = make.user(Role.ADMIN)
    officer = make.user(password=False)
    other = app.test_client()
    other.post("/login", data={"email": administrator.email, "password": make.PASSWORD})
    link_page = other.post(f"/admin/users/{officer.id}/set-password-link")
    token = re.search(rb"/set-password/([^<\s\"]+)", link_page.data).group(1).decode()
    new = "the officer's brand new passphrase"
    assert app.test_client().post(f"/set-password/{token}", data={"new_password": new, "confirm": new}).status_code == 302
    secrets += [token, new]

    logged = caplog.text
    audited = every_audit_value()
    assert "audit action=login" in logged and "set_password_link_created" in audited  # not vacuous
    leaks = [s for s in secrets if s in logged or s in audited]
    assert leaks == []


def test_log_lines_escape_control_characters(app, client, make):
    from portal.audit.services import record

    forged = "x@example.test\r\n[2026-01-01 00:00:00,000] INFO in services: audit action=login outcome=success\x1b[2J"
    stream = io.StringIO()
    previous = default_handler.setStream(stream)
    try:
        client.post("/login", data={"email": forged, "password": "whatever it is"})
        with app.test_request_context("/x\r\ny"):
            record("probe", None, note=forged)
        app.logger.warning("path %s", "/a\nb\tc\x00d\u2028e")
    finally:
        default_handler.setStream(previous)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3, lines  # one line per record, whatever the input carried
    assert "action=probe" in lines[1] and "\\r\\n[2026-01-01" in lines[1] and "\\x1b[2J" in lines[1]
    assert lines[2].endswith("path /a\\nb\\tc\\x00d\\u2028e")


def test_escaping_keeps_ordinary_text():
    assert escape_control_characters("Zoë O'Brien — 287(g) ✓") == "Zoë O'Brien — 287(g) ✓"
    assert escape_control_characters("a\rb\nc\x7f\x85") == "a\\rb\\nc\\x7f\\x85"


def test_audit_times_are_utc():
    assert abs((utcnow() - datetime.now(UTC).replace(tzinfo=None)).total_seconds()) < 5
