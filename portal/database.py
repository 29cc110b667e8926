"""Engine behaviour that must be the same in the app, the CLI and the tests.

On SQLite (the embedded default) the database runs in WAL mode, so readers never wait for the
writer. A transaction takes the write lock up front (BEGIN IMMEDIATE) when it may write: every
request that is not GET/HEAD/OPTIONS (but the sign-in, CHECK_BEFORE_WRITING), the read requests in
WRITING_READS, and everything outside a request (commands, jobs, the test set-up). Read requests
begin deferred and take no lock at all.
A read request that must write after all (a session's last-seen time, a 403's audit event) does
it in `write_transaction()`. Race-settling row locks (`SELECT ... FOR UPDATE`, `classes.services.lock_*`)
are no-ops on SQLite: there the IMMEDIATE transaction of the write request is the lock.
"""
import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, g, has_request_context, request
from sqlalchemy import Engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, SessionTransaction

from portal.extensions import db

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# GET views that write (an audit event for a download): they read first, and a deferred SQLite
# transaction that has read cannot take the write lock while another request writes.
WRITING_READS = frozenset({"certificates.agency_zip", "certificates.class_zip"})
# Form posts that read and check a password hash first (tens of milliseconds of scrypt) and make
# their writes in `write_transaction()`: on SQLite they must not hold the write lock meanwhile.
CHECK_BEFORE_WRITING = frozenset({"auth.login"})
BUSY_TIMEOUT_MS = 5000
PING_AFTER_IDLE_S = 5.0


def wants_write_lock() -> bool:
    if not has_request_context():
        return True
    if g.get("writing", False) or request.endpoint in WRITING_READS:
        return True
    return request.method not in READ_METHODS and request.endpoint not in CHECK_BEFORE_WRITING


@contextmanager
def write_transaction() -> Iterator[None]:
    """A transaction that writes inside a read request, committed at the end. On SQLite, the
    request's read transaction ends first (nothing may be pending) and this one begins IMMEDIATE,
    waiting for the write lock instead of failing with "database is locked"."""
    switch = has_request_context() and not wants_write_lock()
    if switch:
        if db.session().in_transaction() and db.session.get_bind().dialect.name == "sqlite":
            db.session.commit()
        g.writing = True
    try:
        yield
        db.session.commit()
    finally:
        if switch:
            g.writing = False


def held_locks() -> dict:
    """The rows this transaction has locked (FOR UPDATE), by key: taking a lock it holds already
    would cost a round trip for nothing, since nobody else can change the row meanwhile."""
    return db.session.info.setdefault("held_locks", {})


@event.listens_for(Session, "after_transaction_end")
def forget_locks(session: Session, transaction: SessionTransaction) -> None:
    # The transaction's end releases its row locks; a savepoint's rollback releases those taken
    # after it (its release does not, but forgetting them only costs the next lock a statement).
    # Flushes end inner transactions of their own, which release nothing.
    if transaction.parent is None or transaction.nested:
        session.info.pop("held_locks", None)


def configure_engine_events(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        configure_sqlite(engine)
    else:
        ping_after_idle(engine)


def ping_after_idle(engine: Engine) -> None:
    """pool_pre_ping, but only for a connection idle longer than PING_AFTER_IDLE_S: a server
    restart or an idle-connection timeout is found before a request uses the connection, without
    a round trip on every checkout of a busy pool (where connections are seconds old at most)."""

    @event.listens_for(engine, "connect")
    def fresh(_dbapi_connection, record):
        record.info["checked_in"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def returned(_dbapi_connection, record):
        if record is not None:
            record.info["checked_in"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def ping(dbapi_connection, record, _proxy):
        if time.monotonic() - record.info.get("checked_in", 0.0) <= PING_AFTER_IDLE_S:
            return
        try:
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
        except Exception as exc:  # noqa: BLE001 - whatever the driver raises for a dead connection
            raise DisconnectionError("connection closed while idle; the pool opens another") from exc


def configure_sqlite(engine: Engine) -> None:

    @event.listens_for(engine, "connect")
    def sqlite_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not pysqlite, decide when transactions begin, so SAVEPOINTs work;
        # and enforce foreign keys, which SQLite ignores by default.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        # WAL: readers see the last commit while a writer works (in-memory databases ignore it).
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def sqlite_begin(connection):
        # IMMEDIATE: take the write lock up front (waiting up to busy_timeout). A deferred BEGIN
        # that reads and then writes fails at once with "database is locked" when another
        # request is writing, since SQLite cannot upgrade it without risking deadlock: with two
        # browser tabs on `make run`, that was a 500. Read requests never write, so they begin
        # deferred and read the last committed state without waiting.
        connection.exec_driver_sql("BEGIN IMMEDIATE" if wants_write_lock() else "BEGIN")
