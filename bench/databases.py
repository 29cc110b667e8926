"""Fresh PostgreSQL databases for the bench: created, migrated through Alembic, dropped afterwards.

BENCH_POSTGRES_URL names the server (default: the local one, trust auth, user postgres).
"""
from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import psycopg

SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def plain(url: str) -> str:
    """A libpq URL (psycopg.connect) from an SQLAlchemy one."""
    return url.replace("postgresql+psycopg://", "postgresql://")


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


def create(label: str) -> str:
    name = f"portal_bench_{label}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(plain(SERVER), autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return with_database(plain(SERVER), name)


def drop(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(plain(SERVER), autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def fresh(label: str, keep: bool = False):
    url = create(label)
    try:
        yield url
    finally:
        if not keep:
            drop(url)


def migrate(url: str) -> None:
    """Create the schema the only way the portal allows: Alembic, through Flask-Migrate."""
    from flask_migrate import upgrade

    app = bench_app(url)
    with app.app_context():
        upgrade()
        from portal.extensions import db

        db.engine.dispose()


BENCH_SECRET = "bench-only-secret-key-0123456789abcdef0123456789"
# What the test suite uses (tests/conftest.py): no CSRF in the test client, quick password hashes
# for accounts made during the run, one client address verifying many times.
BENCH_CONFIG = {
    "TESTING": True,
    "WTF_CSRF_ENABLED": False,
    "LOGIN_RATE_LIMIT_ENABLED": False,
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    "SERVER_NAME": "bench.test",
    "VERIFY_RATE_LIMIT_ENABLED": False,
    "CERTIFICATE_FILES": "",  # the certificate bench gives its app a temporary directory
}


def bench_app(url: str, **config):
    from portal import create_app

    os.environ.setdefault("SECRET_KEY", BENCH_SECRET)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return create_app({**BENCH_CONFIG, **config}, SQLALCHEMY_DATABASE_URI=url)
