"""Guess a question file's format and parse it."""
from __future__ import annotations

import os

from .gift import parse_gift
from .model import FormatError, ImportedQuestion
from .moodlexml import parse_moodle_xml

_BY_EXTENSION = {".gift": "gift", ".txt": "gift", ".xml": "moodlexml"}
_BOMS = (("\xef\xbb\xbf", "utf-8"), ("\xff\xfe", "utf-16-le"), ("\xfe\xff", "utf-16-be"))


def detect_format(filename: str, data: bytes) -> str:
    """'gift' or 'moodlexml': by extension (.gift/.txt/.xml), else by content."""
    by_name = _BY_EXTENSION.get(os.path.splitext(filename or "")[1].lower())
    if by_name:
        return by_name
    head = data[:1024]
    for bom, encoding in _BOMS:
        if head.startswith(bom.encode("latin-1")):
            head = head[len(bom):].decode(encoding, "ignore").encode("utf-8")
            break
    head = head.lstrip()
    return "moodlexml" if head.startswith((b"<?xml", b"<quiz")) else "gift"


def decode_gift(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """A GIFT file's text and how it was read ("" when plain UTF-8).  As Moodle users produce them:
    UTF-8 or UTF-16 with a byte order mark, UTF-8, else Windows-1252 (Latin-1 where a byte has no
    Windows-1252 character).  `encoding` forces one; a byte it cannot read is a FormatError."""
    note = ""
    if encoding is None:
        for bom, codec in _BOMS:
            if data.startswith(bom.encode("latin-1")):
                encoding = codec
                data = data[len(bom.encode("latin-1")):]
                note = "" if codec == "utf-8" else f"read as {codec.upper()} (byte order mark)"
                break
    if encoding is None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text, encoding = data.decode("cp1252"), "Windows-1252"
            except UnicodeDecodeError:
                text, encoding = data.decode("latin-1"), "Latin-1"
            note = f"not UTF-8: read as {encoding} (choose another encoding if the accents look wrong)"
    else:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise FormatError(f"the file is not {encoding} text", line) from None
    text = text.lstrip("\ufeff")
    if "\x00" in text:  # not text, and PostgreSQL cannot store it
        raise FormatError("the file contains a NUL character", text[: text.index("\x00")].count("\n") + 1)
    return text, note


def load_questions(filename: str, data: bytes, encoding: str | None = None) -> list[ImportedQuestion]:
    """Detect the format of an uploaded file and parse it (all or nothing)."""
    if detect_format(filename, data) == "moodlexml":
        return parse_moodle_xml(data)
    return parse_gift(decode_gift(data, encoding)[0])
