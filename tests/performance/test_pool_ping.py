"""No round trip before every checkout (pool_pre_ping is off), yet a pooled PostgreSQL connection
the server closed while it sat idle is found and replaced before a request uses it."""
import time

import psycopg
import pytest
import sqlalchemy as sa

from portal import create_app
from portal.database import PING_AFTER_IDLE_S
from portal.extensions import db, limiter
from tests.databases import fresh_database

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def pooled_app(app, tmp_path):
    from tests.conftest import TEST_CONFIG

    with fresh_database(tmp_path) as url:
        pooled = create_app(TEST_CONFIG, SQLALCHEMY_DATABASE_URI=url)
        limiter.init_app(app)  # create_app re-initialised the shared limiter; give it back to `app`
        try:
            yield pooled
        finally:
            with pooled.app_context():
                db.engine.dispose()


def backend_pid(app) -> int:
    with app.app_context():
        try:
            return db.session.scalar(sa.text("SELECT pg_backend_pid()"))
        finally:
            db.session.remove()


def terminate(app, pid: int) -> None:
    with app.app_context():
        url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


def test_a_busy_pool_reuses_its_connection_without_a_ping(pooled_app):
    assert pooled_app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_pre_ping") is not True
    assert backend_pid(pooled_app) == backend_pid(pooled_app)


def test_a_connection_closed_while_idle_is_replaced_before_use(pooled_app):
    pid = backend_pid(pooled_app)
    terminate(pooled_app, pid)
    time.sleep(PING_AFTER_IDLE_S + 0.5)
    assert backend_pid(pooled_app) != pid  # answered, on a new connection
