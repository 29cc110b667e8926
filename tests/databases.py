"""A fresh database per test run: a temporary SQLite file, or a new PostgreSQL database created on
the server named by TEST_DATABASE_URL and dropped afterwards."""
import os
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg


def postgres_server_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@contextmanager
def fresh_database(tmp_dir: Path):
    server = postgres_server_url()
    if server is None:
        yield f"sqlite:///{tmp_dir / 'portal-test.db'}"
        return
    name = f"portal_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_plain(server), autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(server, name)
    finally:
        with psycopg.connect(_plain(server), autocommit=True, connect_timeout=10) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def check_postgres_reachable() -> str | None:
    """None if fine, else why the PostgreSQL server asked for cannot be used."""
    server = postgres_server_url()
    if server is None:
        return None
    try:
        with psycopg.connect(_plain(server), connect_timeout=10) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return f"TEST_DATABASE_URL is set but PostgreSQL is not reachable: {exc}"
    return None
