"""Bulk downloads: a ZIP of stored PDFs plus a CSV manifest, streamed with flat memory.

Rows are read in batches (`yield_per`), each PDF goes into the archive as it is stored, with the
size and CRC-32 kept beside it (ZIP_STORED: the PDFs are already compressed; see zipwriter.py),
and is handed to the caller before the next batch is read. A PDF with a disk copy (files.py) is
read from the file; only the others are fetched from the database, and their copies written.
A download is planned first (ZipDownload), so that its size is known before it starts; the
manifest is added last. The same rows feed the CLI export.
"""
from __future__ import annotations

import os
import pickle
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import date
from itertools import islice
from pathlib import Path

import sqlalchemy as sa

from portal import csv_export
from portal.certificates import zipwriter
from portal.certificates.files import PdfFiles
from portal.certificates.models import Certificate, status_of
from portal.extensions import db
from portal.timeutil import today

BATCH = 25  # PDFs read from the database at a time
ROW_BATCH = 100  # rows of the small columns read at a time (fewer round trips than BATCH)
MANIFEST_NAME = "manifest.csv"
MANIFEST_FIELDS = ["serial", "officer_name", "agency", "course_code", "course_title", "issued_on",
                   "expires_on", "status", "sha256", "file"]
_COLUMNS = (Certificate.id, Certificate.serial, Certificate.officer_name, Certificate.agency_name,
            Certificate.course_code, Certificate.course_title, Certificate.issued_on, Certificate.expires_on,
            Certificate.revoked_at, Certificate.superseded_at, Certificate.pdf_sha256, Certificate.pdf_crc32,
            Certificate.pdf_size)


@dataclass(frozen=True, slots=True)
class Row:
    """A certificate as a bulk download lists it (the small columns)."""
    id: int
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
    size: int
    filename: str

    def manifest_row(self) -> list[str]:
        return [self.serial, self.officer_name, self.agency_name, self.course_code, self.course_title,
                self.issued_on.isoformat(), self.expires_on.isoformat(), self.status, self.sha256, self.filename]


@dataclass(frozen=True, slots=True)
class Entry:
    row: Row
    source: bytes | str  # the PDF, or the path of its disk copy

    def chunks(self) -> Iterator[bytes]:
        """The PDF, read from its copy only when the archive gets to it."""
        if isinstance(self.source, bytes):
            yield self.source
            return
        copy = os.open(self.source, os.O_RDONLY)
        try:
            yield os.read(copy, self.row.size)  # one call; a short read fails the archive's size check
        finally:
            os.close(copy)

    def write_to(self, target: Path) -> None:
        if isinstance(self.source, bytes):
            target.write_bytes(self.source)
        else:
            shutil.copyfile(self.source, target)


_NOT_ALPHANUMERIC = re.compile(r"[^A-Za-z0-9]+")


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NOT_ALPHANUMERIC.sub("-", ascii_text).strip("-")[:60] or "certificate"


def rows(*conditions, on: date | None = None, connection: sa.Connection) -> Iterator[Row]:
    """Certificates matching `conditions`, ordered by serial, read ROW_BATCH rows at a time."""
    on = on or today()
    # Core, not the ORM: these are plain rows, the ORM would only add overhead.
    query = (sa.select(*_COLUMNS).where(*conditions).order_by(Certificate.serial)
             .execution_options(yield_per=ROW_BATCH))
    for row in connection.execute(query):
        yield Row(row.id, row.serial, row.officer_name, row.agency_name, row.course_code, row.course_title,
                  row.issued_on, row.expires_on, str(status_of(row.revoked_at, row.superseded_at, row.expires_on, on)),
                  row.pdf_sha256, row.pdf_crc32, row.pdf_size, f"{row.serial}_{slug(row.officer_name)}.pdf")


def with_pdfs(rows: Iterable[Row], connection: sa.Connection, files: PdfFiles) -> Iterator[Entry]:
    """Each row with its PDF, BATCH rows at a time: those with a disk copy in `files` are read from
    it, the others fetched together by id (so the database never sorts PDF bytes and at most BATCH
    PDFs are in memory) and their copies written."""
    rows = iter(rows)
    while batch := list(islice(rows, BATCH)):
        copies = {row.id: files.usable(row.sha256, row.size) for row in batch}
        missing = [row_id for row_id, copy in copies.items() if copy is None]
        pdfs = _pdfs_by_id(connection, missing) if missing else {}
        for row in batch:
            source: bytes | str | None = copies[row.id]
            if source is None:
                source = pdfs.pop(row.id)
                files.save(row.sha256, source)
            yield Entry(row, source)
        del pdfs


def entries(*conditions, on: date | None = None, session=None, files: PdfFiles | None = None) -> Iterator[Entry]:
    """Certificates matching `conditions`, ordered by serial, with their PDFs."""
    connection = (session if session is not None else db.session).connection()
    return with_pdfs(rows(*conditions, on=on, connection=connection), connection, files or PdfFiles(None))


_PDFS_BY_ID = sa.select(Certificate.id, Certificate.pdf).where(Certificate.id.in_(sa.bindparam("ids", expanding=True)))


def _pdfs_by_id(connection: sa.Connection, ids: list[int]) -> dict[int, bytes]:
    if connection.dialect.name != "postgresql":
        return dict(connection.execute(_PDFS_BY_ID, {"ids": ids}).all())
    # psycopg reads bytea in the text format unless told otherwise: hex, twice the bytes, decoded
    # on arrival. The binary format (a driver cursor option) brings the PDFs as they are, about
    # three times faster.
    with closing(connection.connection.cursor(binary=True)) as cursor:
        return dict(cursor.execute("SELECT id, pdf FROM certificates WHERE id = ANY(%s)", [ids]).fetchall())


class ZipDownload:
    """A ZIP of certificates and their manifest, planned before its first byte is sent.

    Planning reads the rows (not the PDFs) once: it writes the manifest and spools each row, so the
    archive's exact size is known up front (sent as Content-Length: browsers then show the
    download's progress) and the PDFs streamed afterwards are exactly those the manifest lists,
    whatever changes in the database meanwhile (a PDF never changes). Both spools keep 64 KiB in
    memory and the rest on disk, so memory stays flat however many certificates there are.
    """

    def __init__(self, rows: Iterable[Row], *, on: date | None = None):
        self.on = on or today()
        self.manifest = zipwriter.Spool()
        self.planned = tempfile.SpooledTemporaryFile(max_size=zipwriter.SPOOL_BYTES)
        self.batches = 0
        lines = csv_export.LineEncoder()
        size = zipwriter.ArchiveSize()
        self.manifest.write(lines.first(MANIFEST_FIELDS))
        rows = iter(rows)
        while batch := list(islice(rows, BATCH)):
            for row in batch:
                self.manifest.write(lines.line(row.manifest_row()))
                size.add(row.filename, row.size)
            pickle.dump(batch, self.planned, pickle.HIGHEST_PROTOCOL)
            self.batches += 1
        size.add(MANIFEST_NAME, self.manifest.size)
        self.size = size.total

    def _rows(self) -> Iterator[Row]:
        self.planned.seek(0)
        for _ in range(self.batches):
            yield from pickle.load(self.planned)  # nosec B301: our own private temporary file, written above

    def stream(self, connection: sa.Connection, files: PdfFiles) -> Iterator[bytes]:
        """The archive, as a stream of byte chunks `size` bytes long."""
        def members() -> Iterator[zipwriter.Member]:
            for entry in with_pdfs(self._rows(), connection, files):
                row = entry.row
                yield zipwriter.Member(row.filename, row.size, row.crc32, row.issued_on, entry.chunks())
            yield zipwriter.Member(MANIFEST_NAME, self.manifest.size, self.manifest.crc32, self.on,
                                   self.manifest.chunks())

        yield from zipwriter.stream_zip(members())

    def close(self) -> None:
        self.manifest.close()
        self.planned.close()


def export_to_directory(items: Iterable[Entry], out_dir: Path) -> int:
    """Write each PDF and manifest.csv into `out_dir` (created if needed). Returns the count."""
    out_dir.mkdir(parents=True, exist_ok=True)
    count = 0
    partial = out_dir / (MANIFEST_NAME + ".partial")
    lines = csv_export.LineEncoder()
    with partial.open("wb") as manifest:
        manifest.write(lines.first(MANIFEST_FIELDS))
        for entry in items:
            entry.write_to(out_dir / entry.row.filename)
            manifest.write(lines.line(entry.row.manifest_row()))
            count += 1
    shutil.move(partial, out_dir / MANIFEST_NAME)
    return count
