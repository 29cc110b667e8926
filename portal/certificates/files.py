"""Copies of the stored PDFs on local disk, so bulk downloads read files rather than database rows.

The database keeps every PDF and stays the record. A copy is named by the PDF's SHA-256, written
once (to a temporary name, then renamed) and never changed, so a copy left behind by a rolled-back
issue is harmless and two processes writing the same copy agree. A copy that is missing, or whose
size is not the recorded size, is read from the database instead and written again. A ZIP
member's CRC-32 comes from the database too, so an altered copy fails the archive's own check when
it is extracted.

CERTIFICATE_FILES names the directory (default instance/certificate-files); empty turns the copies
off. A directory the portal cannot write to only costs speed: it is logged and the database serves.
"""
from __future__ import annotations

import logging
import os
import tempfile

from flask import current_app

log = logging.getLogger(__name__)


class PdfFiles:
    def __init__(self, root: str | os.PathLike | None):
        self.root = os.fspath(root) if root else None

    @classmethod
    def of_app(cls) -> PdfFiles:
        return cls(current_app.config.get("CERTIFICATE_FILES"))

    def path(self, sha256: str) -> str:
        # A str, not a pathlib.Path: this runs for every row of a bulk download, and building
        # Paths took a third of the time of reading a 1,000-certificate ZIP's rows.
        assert self.root is not None  # usable() and save() call this once they know there is one
        return os.path.join(self.root, sha256[:2], sha256 + ".pdf")

    def usable(self, sha256: str, size: int) -> str | None:
        """The copy of this PDF, if there is one of the right size."""
        if self.root is None:
            return None
        path = self.path(sha256)
        try:
            return path if os.stat(path).st_size == size else None
        except OSError:
            return None

    def save(self, sha256: str, pdf: bytes) -> None:
        if self.root is None:
            return
        path = self.path(sha256)
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".", suffix=".partial")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(pdf)
                os.replace(temporary, path)
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError as exc:
            log.warning("Cannot keep a disk copy of certificate PDF %s: %s", sha256, exc)
