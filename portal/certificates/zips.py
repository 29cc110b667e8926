"""Bulk downloads: a ZIP of stored PDFs plus a CSV manifest, streamed with flat memory.

Rows are read in batches (`yield_per`), each PDF goes into the archive as it is stored, with the
size and CRC-32 kept beside it (ZIP_STORED: the PDFs are already compressed; see zipwriter.py),
and is handed to the caller before the next batch is read. A PDF with a disk copy (files.py) is
read from the file; only the others are fetched from the database, and their copies written.
The manifest is collected in a spooled temporary file (memory up to 64 KiB, then disk) and
added last. The same rows feed the CLI export.
"""
from __future__ import annotations

import csv
import io
import os
import re
import shutil
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from portal.certificates import zipwriter
from portal.certificates.files import PdfFiles
from portal.certificates.models import Certificate, status_of
from portal.extensions import db
from portal.timeutil import today

BATCH = 25  # PDFs read from the database at a time
ROW_BATCH = 500  # rows of the small columns read at a time (fewer round trips)
MANIFEST_NAME = "manifest.csv"
MANIFEST_FIELDS = ["serial", "officer_name", "agency", "course_code", "course_title", "issued_on",
                   "expires_on", "status", "sha256", "file"]
_COLUMNS = (Certificate.id, Certificate.serial, Certificate.officer_name, Certificate.agency_name,
            Certificate.course_code, Certificate.course_title, Certificate.issued_on, Certificate.expires_on,
            Certificate.revoked_at, Certificate.superseded_at, Certificate.pdf_sha256, Certificate.pdf_crc32,
            Certificate.pdf_size)


@dataclass(frozen=True, slots=True)
class Entry:
    serial: str
    officer_name: str
    agency_name: str
    course_code: str
    course_title: str
    issued_on: date
    expires_on: date
    status: str
    sha256: str
    crc32: int
    filename: str
    size: int
    source: bytes | str  # the PDF, or the path of its disk copy

    def chunks(self) -> Iterator[bytes]:
        """The PDF, read from its copy only when the archive gets to it."""
        if isinstance(self.source, bytes):
            yield self.source
            return
        copy = os.open(self.source, os.O_RDONLY)
        try:
            yield os.read(copy, self.size)  # one call; a short read fails the archive's size check
        finally:
            os.close(copy)

    def write_to(self, target: Path) -> None:
        if isinstance(self.source, bytes):
            target.write_bytes(self.source)
        else:
            shutil.copyfile(self.source, target)

    def manifest_row(self) -> list[str]:
        return [self.serial, self.officer_name, self.agency_name, self.course_code, self.course_title,
                self.issued_on.isoformat(), self.expires_on.isoformat(), self.status, self.sha256, self.filename]


_NOT_ALPHANUMERIC = re.compile(r"[^A-Za-z0-9]+")


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NOT_ALPHANUMERIC.sub("-", ascii_text).strip("-")[:60] or "certificate"


def entries(*conditions, on: date | None = None, session=None, files: PdfFiles | None = None) -> Iterator[Entry]:
    """Certificates matching `conditions`, ordered by serial.

    The small columns are read (and sorted) in batches of ROW_BATCH rows; for every BATCH of them,
    the PDFs that have no disk copy in `files` are then fetched by id, so the database never
    sorts the PDF bytes and at most BATCH PDFs are in memory at a time.
    """
    on = on or today()
    files = files or PdfFiles(None)
    # Core on the session's connection: these are plain rows, the ORM would only add overhead.
    connection = (session if session is not None else db.session).connection()
    query = (sa.select(*_COLUMNS).where(*conditions).order_by(Certificate.serial)
             .execution_options(yield_per=ROW_BATCH))
    for rows in connection.execute(query).partitions():
        for start in range(0, len(rows), BATCH):
            batch = rows[start:start + BATCH]
            copies = {row.id: files.usable(row.pdf_sha256, row.pdf_size) for row in batch}
            missing = [row_id for row_id, copy in copies.items() if copy is None]
            pdfs = _pdfs_by_id(connection, missing) if missing else {}
            for row in batch:
                source = copies[row.id]
                if source is None:
                    source = pdfs.pop(row.id)
                    files.save(row.pdf_sha256, source)
                yield Entry(row.serial, row.officer_name, row.agency_name, row.course_code, row.course_title,
                            row.issued_on, row.expires_on,
                            str(status_of(row.revoked_at, row.superseded_at, row.expires_on, on)),
                            row.pdf_sha256, row.pdf_crc32, f"{row.serial}_{slug(row.officer_name)}.pdf",
                            row.pdf_size, source)
            del pdfs


_PDFS_BY_ID = sa.select(Certificate.id, Certificate.pdf).where(Certificate.id.in_(sa.bindparam("ids", expanding=True)))


def _pdfs_by_id(connection: sa.Connection, ids: list[int]) -> dict[int, bytes]:
    if connection.dialect.name != "postgresql":
        return dict(connection.execute(_PDFS_BY_ID, {"ids": ids}).all())
    # psycopg reads bytea in the text format unless told otherwise: hex, twice the bytes, decoded
    # on arrival. The binary format (a driver cursor option) brings the PDFs as they are, about
    # three times faster.
    with connection.connection.cursor(binary=True) as cursor:
        return dict(cursor.execute("SELECT id, pdf FROM certificates WHERE id = ANY(%s)", [ids]).fetchall())


def csv_safe(value: str) -> str:
    """Keep spreadsheet programs from reading a cell as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


class _CsvLines:
    """One CSV row at a time, as UTF-8 bytes."""

    def __init__(self):
        self._line = io.StringIO()
        self._writer = csv.writer(self._line)

    def encode(self, values: list[str]) -> bytes:
        self._line.seek(0)
        self._line.truncate()
        self._writer.writerow(values)
        return self._line.getvalue().encode("utf-8")


def stream_zip(items: Iterable[Entry], *, on: date | None = None) -> Iterator[bytes]:
    """The ZIP archive of `items` and their manifest, as a stream of byte chunks."""
    on = on or today()
    lines = _CsvLines()
    with zipwriter.Spool() as manifest:
        # BOM: spreadsheet programs then read UTF-8 names right.
        manifest.write("\ufeff".encode() + lines.encode(MANIFEST_FIELDS))

        def members() -> Iterator[zipwriter.Member]:
            for entry in items:
                manifest.write(lines.encode([csv_safe(v) for v in entry.manifest_row()]))
                yield zipwriter.Member(entry.filename, entry.size, entry.crc32, entry.issued_on, entry.chunks())
            yield zipwriter.Member(MANIFEST_NAME, manifest.size, manifest.crc32, on, manifest.chunks())

        yield from zipwriter.stream_zip(members())


def export_to_directory(items: Iterable[Entry], out_dir: Path) -> int:
    """Write each PDF and manifest.csv into `out_dir` (created if needed). Returns the count."""
    out_dir.mkdir(parents=True, exist_ok=True)
    count = 0
    partial = out_dir / (MANIFEST_NAME + ".partial")
    with partial.open("w", encoding="utf-8-sig", newline="") as manifest:
        writer = csv.writer(manifest)
        writer.writerow(MANIFEST_FIELDS)
        for entry in items:
            entry.write_to(out_dir / entry.filename)
            writer.writerow([csv_safe(v) for v in entry.manifest_row()])
            count += 1
    shutil.move(partial, out_dir / MANIFEST_NAME)
    return count
