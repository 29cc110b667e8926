"""The embedded default under concurrency: SQLite in WAL mode, read requests that never wait for
the write lock, and the writes a read request must make waiting for it instead of failing.

The suite's own app runs every test in one rolled-back transaction (begun outside any request, so
IMMEDIATE); these tests serve a separate app from a real SQLite file, where each request begins its
own transaction, and hold the write lock from another connection the way a writing request would.
"""
import sqlite3
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from portal import create_app
from portal.audit.models import AuditEvent
from portal.auth.models import User, UserSession
from portal.auth.roles import Role
from portal.extensions import db, limiter
from portal.timeutil import utcnow
from tests import factories
from tests.security.concurrency import committed, signed_in_client


@pytest.fixture(scope="module")
def file_app(app, tmp_path_factory):
    from tests.conftest import TEST_CONFIG

    path = tmp_path_factory.mktemp("wal") / "portal.db"
    served = create_app(TEST_CONFIG, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    limiter.init_app(app)  # create_app re-initialised the shared limiter; give it back to `app`
    with served.app_context():
        upgrade()
    served.config["DATABASE_PATH"] = str(path)
    try:
        yield served
    finally:
        with served.app_context():
            db.engine.dispose()


@pytest.fixture
def officer_client(file_app):
    with committed(file_app):
        officer = factories.user()
        email = officer.email
    return signed_in_client(file_app, email, factories.PASSWORD), email


class WriteLock:
    """Another connection's write transaction (BEGIN IMMEDIATE), held until released."""

    def __init__(self, app):
        self.connection = sqlite3.connect(app.config["DATABASE_PATH"], isolation_level=None,
                                          check_same_thread=False)
        self.connection.execute("BEGIN IMMEDIATE")

    def release(self):
        self.connection.execute("COMMIT")
        self.connection.close()

    def release_after(self, seconds: float) -> threading.Timer:
        timer = threading.Timer(seconds, self.release)
        timer.start()
        return timer


def session_of(app, email):
    with app.app_context():
        return db.session.scalars(sa.select(UserSession).join(UserSession.user).where(User.email == email)).one()


def set_last_seen(app, email, at):
    with committed(app) as session:
        session.execute(sa.update(UserSession).where(UserSession.id == session_of(app, email).id).values(last_seen_at=at))


def test_connections_use_write_ahead_logging(file_app):
    with file_app.app_context():
        assert db.session.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(sa.text("PRAGMA busy_timeout")).scalar() == 5000


def test_a_read_request_is_answered_while_another_request_holds_the_write_lock(file_app, officer_client):
    client, _ = officer_client
    lock = WriteLock(file_app)
    try:
        # With IMMEDIATE on every request this waited out busy_timeout and answered 500.
        assert client.get("/dashboard").status_code == 200
    finally:
        lock.release()


def test_a_write_request_waits_for_the_write_lock_then_succeeds(file_app, officer_client):
    client, email = officer_client
    lock = WriteLock(file_app)
    lock.release_after(0.3)
    response = client.post("/logout")
    assert response.status_code == 302
    with file_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession).join(UserSession.user)
                                 .where(User.email == email)) == 0


def test_a_read_request_records_last_seen_after_waiting_for_the_write_lock(file_app, officer_client):
    client, email = officer_client
    two_minutes_ago = (utcnow() - timedelta(minutes=2)).replace(microsecond=0)
    set_last_seen(file_app, email, two_minutes_ago)
    lock = WriteLock(file_app)
    lock.release_after(0.3)
    assert client.get("/dashboard").status_code == 200
    assert session_of(file_app, email).last_seen_at > two_minutes_ago


def test_a_forbidden_read_records_its_audit_event_after_waiting_for_the_write_lock(file_app, officer_client):
    client, _ = officer_client
    with file_app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                   .where(AuditEvent.action == "access_denied"))
    lock = WriteLock(file_app)
    lock.release_after(0.3)
    assert client.get("/admin/audit/").status_code == 403
    with file_app.app_context():
        after = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                  .where(AuditEvent.action == "access_denied"))
    assert after == before + 1


def test_an_administrator_reads_while_an_officer_writes(file_app):
    with committed(file_app):
        admin_email = factories.user(role=Role.ADMIN).email
    admin = signed_in_client(file_app, admin_email, factories.PASSWORD)
    lock = WriteLock(file_app)
    try:
        assert admin.get("/admin/audit/").status_code == 200
    finally:
        lock.release()


class Statements:
    """The statements an app's engine sends, BEGINs included, while in use."""

    def __init__(self, app):
        with app.app_context():
            self.engine = db.engine
        self.sent: list[str] = []

    def record(self, _conn, _cursor, statement, *_args):
        self.sent.append(" ".join(statement.split())[:60])

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self.record)
        return self.sent

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self.record)


@pytest.mark.parametrize("password, signed_in", [(factories.PASSWORD, True), ("not the password", False)])
def test_a_sign_in_checks_the_password_before_it_takes_the_write_lock(file_app, password, signed_in):
    """The account is read in a deferred transaction, the hash checked without the lock, and only
    then does the sign-in wait for the write lock (held here by another connection for 0.3 s) to
    record the session or the failure."""
    with committed(file_app):
        email = factories.user().email
    client = file_app.test_client()
    lock = WriteLock(file_app)
    lock.release_after(0.3)
    with Statements(file_app) as sent:
        response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == (302 if signed_in else 200)
    begins = [i for i, s in enumerate(sent) if s.startswith("BEGIN")]
    account_read = next(i for i, s in enumerate(sent) if s.startswith("SELECT users."))
    assert sent[begins[0]] == "BEGIN" and begins[0] < account_read, sent
    first_write_lock = next(i for i in begins if sent[i] == "BEGIN IMMEDIATE")
    assert account_read < first_write_lock, sent
    writes = [i for i, s in enumerate(sent) if s.startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes and min(writes) > first_write_lock, sent
    with file_app.app_context():
        outcome = db.session.scalar(sa.select(AuditEvent.outcome).where(AuditEvent.action == "login")
                                    .order_by(AuditEvent.id.desc()).limit(1))
    assert outcome == ("success" if signed_in else "failure")
