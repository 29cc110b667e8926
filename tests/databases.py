"""A fresh database per test run: a temporary SQLite file, or a new PostgreSQL database created on
the server named by TEST_DATABASE_URL and dropped afterwards; and copies of it as migrated, for
data that many tests share (DatabaseCopies)."""
import os
import sqlite3
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


class DatabaseCopies:
    """Copies of the freshly migrated database, for data that many tests share, built once
    (`seed` in tests/conftest.py). `take_template()`, called once the database is migrated and
    before any test ran, keeps it as it is then: a backup of the SQLite file, or on PostgreSQL a
    database made with `CREATE DATABASE ... TEMPLATE` (nobody may be connected to the source then;
    nobody ever connects to the template). Each `copy()` is one more database like it; `close()`
    drops them all."""

    def __init__(self, url: str, tmp_dir: Path):
        self.url, self.tmp_dir = url, tmp_dir
        self.sqlite_path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else None
        self.made: list[str] = []
        self.template = ""

    def take_template(self) -> None:
        if self.sqlite_path:
            self.template = str(self.tmp_dir / "template.db")
            _sqlite_backup(self.sqlite_path, self.template)
        else:
            source = urlsplit(self.url).path.lstrip("/")
            self.template = source + "_template"
            _postgres(f'CREATE DATABASE "{self.template}" TEMPLATE "{source}"')

    def copy(self) -> str:
        """A new copy of the template: its file's path on SQLite, its name on PostgreSQL."""
        assert self.template, "take_template() first"
        n = len(self.made) + 1
        if self.sqlite_path:
            path = str(self.tmp_dir / f"copy-{n}.db")
            _sqlite_backup(self.template, path)
            self.made.append(path)
            return path
        name = f"{self.template.removesuffix('_template')}_copy{n}"
        _postgres(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        self.made.append(name)
        return name

    def close(self) -> None:
        if self.sqlite_path or not self.template:
            return  # SQLite: files in the session's temporary directory
        for name in [*self.made, self.template]:
            _postgres(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _sqlite_backup(source: str, target: str) -> None:
    """A consistent copy of an SQLite database (its write-ahead log included)."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _postgres(statement: str) -> None:
    with psycopg.connect(_plain(postgres_server_url() or ""), autocommit=True, connect_timeout=10) as conn:
        conn.execute(statement)
