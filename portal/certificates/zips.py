"""Bulk downloads: a ZIP of stored PDFs plus a CSV manifest, streamed with flat memory.

Rows are read in batches (`yield_per`), each PDF is written into the archive as it is (the PDFs
are already compressed, so ZIP_STORED) and the bytes written so far are handed to the caller
before the next row is read. The ZipFile writes to a file object with no `seek`, so it uses data
descriptors and never goes back. The manifest is collected in a spooled temporary file (memory
up to 64 KiB, then disk) and added last. The same rows feed the CLI export.
"""
from __future__ import annotations

import csv
import io
import re
import shutil
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from portal.certificates.models import Certificate, status_of
from portal.extensions import db
from portal.timeutil import today

BATCH = 25
MANIFEST_NAME = "manifest.csv"
MANIFEST_FIELDS = ["serial", "officer_name", "agency", "course_code", "course_title", "issued_on",
                   "expires_on", "status", "sha256", "file"]
_COLUMNS = (Certificate.id, Certificate.serial, Certificate.officer_name, Certificate.agency_name,
            Certificate.course_code, Certificate.course_title, Certificate.issued_on, Certificate.expires_on,
            Certificate.revoked_at, Certificate.superseded_at, Certificate.pdf_sha256)


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
    pdf: bytes

    @property
    def filename(self) -> str:
        return f"{self.serial}_{slug(self.officer_name)}.pdf"

    def manifest_row(self) -> list[str]:
        return [self.serial, self.officer_name, self.agency_name, self.course_code, self.course_title,
                self.issued_on.isoformat(), self.expires_on.isoformat(), self.status, self.sha256, self.filename]


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-")[:60] or "certificate"


def entries(*conditions, on: date | None = None, session=None) -> Iterator[Entry]:
    """Certificates matching `conditions`, ordered by serial.

    The small columns are read (and sorted) in batches of BATCH rows; the PDFs of each batch are
    then fetched by id, so the database never sorts the PDF bytes and at most one batch of PDFs
    is in memory at a time.
    """
    on = on or today()
    session = session if session is not None else db.session
    query = (sa.select(*_COLUMNS).where(*conditions).order_by(Certificate.serial)
             .execution_options(yield_per=BATCH))
    for batch in session.execute(query).partitions():
        pdfs = dict(session.execute(
            sa.select(Certificate.id, Certificate.pdf).where(Certificate.id.in_([row.id for row in batch]))
        ).all())
        for row in batch:
            yield Entry(row.serial, row.officer_name, row.agency_name, row.course_code, row.course_title,
                        row.issued_on, row.expires_on,
                        str(status_of(row.revoked_at, row.superseded_at, row.expires_on, on)),
                        row.pdf_sha256, pdfs.pop(row.id))
        del pdfs


def csv_safe(value: str) -> str:
    """Keep spreadsheet programs from reading a cell as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


class _Pipe(io.RawIOBase):
    """A write-only, non-seekable file whose written bytes are collected until drained."""

    def __init__(self):
        super().__init__()
        self._chunks: list[bytes] = []
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        chunk = bytes(data)
        self._chunks.append(chunk)
        self._position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._position

    def drain(self) -> Iterator[bytes]:
        """What was written since the last drain, as one chunk (nothing if nothing was)."""
        chunks, self._chunks = self._chunks, []
        if chunks:
            yield chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _zipinfo(name: str, day: date) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(max(day.year, 1980), day.month, day.day, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    return info


def stream_zip(items: Iterable[Entry], *, on: date | None = None) -> Iterator[bytes]:
    """The ZIP archive of `items` and their manifest, as a stream of byte chunks."""
    on = on or today()
    pipe = _Pipe()
    with tempfile.SpooledTemporaryFile(max_size=64 * 1024, mode="w+", encoding="utf-8", newline="") as manifest:
        writer = csv.writer(manifest)
        writer.writerow(MANIFEST_FIELDS)
        with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
            for entry in items:
                archive.writestr(_zipinfo(entry.filename, entry.issued_on), entry.pdf)
                writer.writerow([csv_safe(v) for v in entry.manifest_row()])
                yield from pipe.drain()
            manifest.seek(0)
            with archive.open(_zipinfo(MANIFEST_NAME, on), "w") as out:
                out.write("\ufeff".encode())  # BOM: spreadsheet programs then read UTF-8 names right
                while chunk := manifest.read(64 * 1024):
                    out.write(chunk.encode("utf-8"))
                    yield from pipe.drain()
        yield from pipe.drain()


def export_to_directory(items: Iterable[Entry], out_dir: Path) -> int:
    """Write each PDF and manifest.csv into `out_dir` (created if needed). Returns the count."""
    out_dir.mkdir(parents=True, exist_ok=True)
    count = 0
    partial = out_dir / (MANIFEST_NAME + ".partial")
    with partial.open("w", encoding="utf-8-sig", newline="") as manifest:
        writer = csv.writer(manifest)
        writer.writerow(MANIFEST_FIELDS)
        for entry in items:
            (out_dir / entry.filename).write_bytes(entry.pdf)
            writer.writerow([csv_safe(v) for v in entry.manifest_row()])
            count += 1
    shutil.move(partial, out_dir / MANIFEST_NAME)
    return count
