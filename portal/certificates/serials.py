"""Serial numbers `287G-<year>-<6 digits>`, sequential per year.

One counter row per year, incremented by a single upsert statement that returns the new value.
On PostgreSQL the statement takes the row lock, which is held until the issuing transaction ends:
a concurrent completion waits, then reads the committed value and takes the next number, so two
completions can never get the same serial and a rolled-back issue leaves no gap. SQLite
serialises writers with its database lock, to the same effect.
"""
from collections.abc import Callable
from typing import cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from portal.certificates.models import SerialCounter
from portal.extensions import db

PREFIX = "287G"
MAX_PER_YEAR = 999_999


class SerialsExhausted(RuntimeError):
    pass


def format_serial(year: int, number: int) -> str:
    return f"{PREFIX}-{year}-{number:06d}"


def next_serial(year: int) -> str:
    dialect = db.session.get_bind().dialect.name
    inserts: dict[str, Callable[[sa.Table], postgresql.Insert | sqlite.Insert]] = {
        "postgresql": postgresql.insert, "sqlite": sqlite.insert}
    insert = inserts.get(dialect)
    if insert is None:  # pragma: no cover - only PostgreSQL and SQLite are supported
        raise RuntimeError(f"serial allocation is not implemented for {dialect}")
    table = cast(sa.Table, SerialCounter.__table__)  # a model's table (typed as any FROM clause)
    statement = (
        insert(table)
        .values(year=year, last_number=1)
        .on_conflict_do_update(index_elements=[table.c.year],
                               set_={"last_number": table.c.last_number + 1})
        .returning(table.c.last_number)
    )
    number = db.session.execute(statement).scalar_one()
    if number > MAX_PER_YEAR:
        raise SerialsExhausted(f"no serial numbers left for {year}")
    return format_serial(year, number)
