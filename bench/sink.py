"""Bulk loading: rows buffered per table and written parents first, with COPY on PostgreSQL and
`executemany` batches on SQLite. Keeps the time spent per table."""
from __future__ import annotations

import json
import time
from collections import defaultdict
from datetime import date, datetime

import sqlalchemy as sa

FLUSH_EVERY = 200_000  # buffered rows (all tables) before writing: bounds memory at full size


class BulkWriter:
    def __init__(self, engine: sa.Engine, tables: dict[str, tuple[str, ...]]):
        """`tables`: name -> columns, in dependency order (parents first)."""
        self.engine = engine
        self.tables = tables
        self.postgres = engine.dialect.name == "postgresql"
        self.buffers: dict[str, list[tuple]] = {name: [] for name in tables}
        self.buffered = 0
        self.seconds: dict[str, float] = defaultdict(float)
        self.rows: dict[str, int] = defaultdict(int)
        self.proxy = engine.raw_connection()
        self.connection = self.proxy.driver_connection

    def add(self, table: str, *row) -> None:
        self.buffers[table].append(row)
        self.buffered += 1

    def flush_if_full(self) -> None:
        """Call between whole objects (an enrollment and its rows), never in the middle of one: a
        child row may be added before its parent."""
        if self.buffered >= FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        for table, rows in self.buffers.items():
            if not rows:
                continue
            started = time.perf_counter()
            (self._copy if self.postgres else self._insert)(table, self.tables[table], rows)
            self.seconds[table] += time.perf_counter() - started
            self.rows[table] += len(rows)
            rows.clear()
        self.buffered = 0

    def _copy(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        with self.connection.cursor() as cursor:
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        self.connection.commit()

    def _insert(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        marks = ", ".join("?" * len(columns))
        cursor = self.connection.cursor()
        cursor.execute("BEGIN")
        cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                           [tuple(sqlite_value(v) for v in row) for row in rows])
        cursor.execute("COMMIT")
        cursor.close()

    def finish(self) -> None:
        """Write what is left, move PostgreSQL's id sequences past the explicit ids, refresh the
        planner's statistics."""
        self.flush()
        started = time.perf_counter()
        if self.postgres:
            with self.connection.cursor() as cursor:
                for table, columns in self.tables.items():
                    if "id" in columns:
                        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                       f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)")
            self.connection.commit()
            self.connection.autocommit = True
            with self.connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        else:
            cursor = self.connection.cursor()
            cursor.execute("ANALYZE")
            cursor.close()
        self.seconds["(sequences, analyze)"] += time.perf_counter() - started
        self.proxy.close()


def sqlite_value(value):
    """What SQLAlchemy itself would store in SQLite for these Python values."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return value
