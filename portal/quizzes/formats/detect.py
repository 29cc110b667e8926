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


def load_questions(filename: str, data: bytes) -> list[ImportedQuestion]:
    """Detect the format of an uploaded file and parse it (all or nothing)."""
    if detect_format(filename, data) == "moodlexml":
        return parse_moodle_xml(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FormatError("the file is not UTF-8 text", line) from None
    return parse_gift(text)
