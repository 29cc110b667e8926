"""Engine behaviour that must be the same in the app, the CLI and the tests."""
from flask import Flask
from sqlalchemy import event

from portal.extensions import db


def configure_engine_events(app: Flask) -> None:
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def sqlite_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not pysqlite, decide when transactions begin, so SAVEPOINTs work;
        # and enforce foreign keys, which SQLite ignores by default.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def sqlite_begin(connection):
        # IMMEDIATE: take the write lock up front (waiting up to busy_timeout). A deferred BEGIN
        # that reads and then writes fails at once with "database is locked" when another
        # request is writing, since SQLite cannot upgrade it without risking deadlock: with two
        # browser tabs on `make run`, that was a 500.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
