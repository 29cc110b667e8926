"""Real concurrency on PostgreSQL, for race tests (reusable: quiz submits, certificate issue...).

The ordinary tests run inside one rolled-back transaction on one connection, which cannot race.
Race tests instead use `race_app`: the same application on a separate, fresh PostgreSQL database
(created for the test session and dropped at its end), where every thread has its own connection
and commits for real. `race_db` empties every table after each test (TRUNCATE ... RESTART IDENTITY
CASCADE of every table but the append-only audit table, whose trigger refuses TRUNCATE: its rows
stay until the database is dropped; count audit rows relative to a starting id, see `max_id`).

Usage (see test_races.py):

    pytestmark = pytest.mark.postgres_only

    def test_double_submit(race_db, make):
        with committed(race_db):                       # build data and commit it
            officer = make.user()
            ...
            ids = {"officer": officer.id}
        clients = [signed_in_client(race_db, email) for _ in range(4)]
        outcomes = run_concurrently(race_db, *[lambda c=c: c.post(url) for c in clients])
        assert all(o.ok for o in outcomes)             # no exception in any thread
        with race_db.app_context(): ...                # check what was committed
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from portal import create_app
from portal.extensions import db, limiter
from tests.databases import fresh_database, postgres_server_url

NEVER_TRUNCATED = {"audit_events", "alembic_version"}


@dataclass
class Outcome:
    value: Any = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def run_concurrently(app, *callables: Callable[[], Any], timeout: float = 60) -> list[Outcome]:
    """Run the callables at the same moment, one thread each, each in its own application context
    (and so its own database session and connection). Returns one Outcome per callable, in order;
    exceptions are captured, not raised. A barrier releases all threads together."""
    barrier = threading.Barrier(len(callables))
    outcomes = [Outcome() for _ in callables]

    def work(index: int, function: Callable[[], Any]) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout)
                outcomes[index] = Outcome(value=function())
            except BaseException as exc:  # noqa: BLE001 - reported to the test
                outcomes[index] = Outcome(error=exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(i, f), daemon=True) for i, f in enumerate(callables)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(t.is_alive() for t in threads), "a racing thread did not finish (deadlock?)"
    return outcomes


@contextmanager
def committed(app):
    """An application context whose session is committed on leaving (build race data in it)."""
    with app.app_context():
        try:
            yield db.session
            db.session.commit()
        finally:
            db.session.remove()


def truncate_all(app) -> None:
    with app.app_context():
        tables = [t.name for t in db.metadata.sorted_tables if t.name not in NEVER_TRUNCATED]
        db.session.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        db.session.commit()
        db.session.remove()


def max_id(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(model.id), 0)))


def signed_in_client(app, email: str, password: str = "correct horse battery staple"):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, f"could not sign in {email}"
    return client


@pytest.fixture(scope="session")
def race_app(app, tmp_path_factory):
    """The application on its own fresh PostgreSQL database (skipped on SQLite)."""
    if not postgres_server_url():
        pytest.skip("races need PostgreSQL (set TEST_DATABASE_URL)")
    from tests.conftest import TEST_CONFIG

    with fresh_database(tmp_path_factory.mktemp("race")) as url:
        racing = create_app(TEST_CONFIG, SQLALCHEMY_DATABASE_URI=url,
                            SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 12, "max_overflow": 4, "pool_pre_ping": True})
        limiter.init_app(app)  # create_app re-initialised the shared limiter; give it back to `app`
        with racing.app_context():
            upgrade()
        try:
            yield racing
        finally:
            with racing.app_context():
                db.engine.dispose()


@pytest.fixture
def race_db(race_app):
    """`race_app` with every (non-audit) table emptied after the test."""
    truncate_all(race_app)
    try:
        yield race_app
    finally:
        truncate_all(race_app)
