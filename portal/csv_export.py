"""Every CSV the portal produces is written here (downloads, ZIP manifests, CLI exports).

Spreadsheet programs run a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return
as a formula (CSV injection). Every text cell, the header's included, that starts so gets a leading
`'` (OWASP's advice), which the program shows as text; real numbers (int, float, Decimal values)
are written as they are, so a negative figure stays a number. Dates are written in ISO form.
Files are UTF-8 with a byte-order mark (spreadsheet programs then read accented names right)
and CRLF line ends (RFC 4180).
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import IO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def cell(value) -> str | int | float | Decimal:
    """The value as it is safe to write: numbers unchanged, anything else as neutralised text."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, date) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class Writer:
    """csv.writer whose every row goes through `cell`."""

    def __init__(self, stream: IO[str]):
        self._writer = csv.writer(stream, lineterminator="\r\n")

    def row(self, values: Iterable) -> None:
        self._writer.writerow([cell(v) for v in values])


def document(header: Iterable, rows: Iterable[Iterable]) -> bytes:
    """A whole CSV file, as bytes to send."""
    out = io.StringIO()
    out.write(BOM)
    writer = Writer(out)
    writer.row(header)
    for values in rows:
        writer.row(values)
    return out.getvalue().encode("utf-8")


class LineEncoder:
    """One CSV line at a time, as UTF-8 bytes, for files written in pieces (a streamed ZIP's
    manifest, a CLI export): `first` is the header, with the byte-order mark."""

    def __init__(self):
        self._line = io.StringIO()
        self._writer = Writer(self._line)

    def line(self, values: Iterable) -> bytes:
        self._line.seek(0)
        self._line.truncate()
        self._writer.row(values)
        return self._line.getvalue().encode("utf-8")

    def first(self, header: Iterable) -> bytes:
        return BOM.encode("utf-8") + self.line(header)

