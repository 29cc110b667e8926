"""Question imports in two steps: read a file into a plan (what would be imported, what each question
loses, what is refused), show it, then import what was confirmed, all or nothing.

Between the preview and the confirmation the upload waits in the instance folder under a random
token, with the course and the uploader it belongs to; it is read again from there (never from the
browser) and deleted once imported. Uploads left unconfirmed are removed after a day.
"""
from __future__ import annotations

import codecs
import json
import re
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app

from portal.courses.models import Course
from portal.quizzes.formats import FormatError, ImportedQuestion, parse_gift, parse_moodle_xml
from portal.quizzes.formats.detect import decode_gift, detect_format
from portal.quizzes.services import banks
from portal.quizzes.types import REGISTRY

PENDING_SECONDS = 24 * 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


@dataclass
class ImportPlan:
    fmt: str
    questions: list[ImportedQuestion]
    refused: list[FormatError] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)  # kinds the bank does not take (descriptions)
    file_notes: list[str] = field(default_factory=list)

    @property
    def by_kind(self) -> Counter[str]:
        return Counter(q.kind for q in self.questions)

    def by_category(self, under: str | None) -> Counter[str]:
        return Counter("/".join(p for p in [under, q.category] if p) or banks.DEFAULT_CATEGORY for q in self.questions)

    @property
    def noted(self) -> list[ImportedQuestion]:
        return [q for q in self.questions if q.notes]


def read_plan(filename: str, data: bytes, fmt: str | None = None, encoding: str | None = None) -> ImportPlan:
    """Parse a whole file, keeping each question that cannot be imported as a refusal. Raises
    FormatError only when the file as a whole cannot be read."""
    fmt = fmt or detect_format(filename, data)
    refused: list[FormatError] = []
    file_notes: list[str] = []
    if fmt == "moodlexml":
        parsed = parse_moodle_xml(data, refused)
    else:
        text, note = decode_gift(data, encoding)
        if note:
            file_notes.append(note)
        parsed = parse_gift(text, refused)
    plan = ImportPlan(fmt, [], refused, Counter(), file_notes)
    for q in parsed:
        if q.kind in banks.SKIPPED_KINDS:
            plan.skipped[q.kind] += 1
        elif problem := banks.import_problem(q):
            refused.append(problem)
        else:
            plan.questions.append(q)
    refused.sort(key=lambda e: e.line or 0)
    return plan


def apply_plan(course: Course, plan: ImportPlan, under: str | None, skip_refused: bool) -> Counter[str]:
    """Import the plan's questions, all or nothing; refused questions stop it unless `skip_refused`."""
    if plan.refused and not skip_refused:
        raise FormatError(f"{len(plan.refused)} question(s) cannot be imported (first: {plan.refused[0]})")
    counts = banks.import_questions(course, plan.questions, under)
    for kind, n in plan.skipped.items():
        counts[f"skipped {kind}"] += n
    if plan.refused:
        counts["refused and left out"] = len(plan.refused)
    return counts


# --- uploads waiting for confirmation -----------------------------------------------------------

def _folder() -> Path:
    folder = Path(current_app.instance_path) / "question-imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def keep_upload(data: bytes, meta: dict[str, Any]) -> str:
    """Store an upload until it is confirmed; returns its token."""
    folder = _folder()
    cutoff = time.time() - PENDING_SECONDS
    for old in folder.iterdir():
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    (folder / f"{token}.bin").write_bytes(data)
    (folder / f"{token}.json").write_text(json.dumps(meta), encoding="utf-8")
    return token


def pending_upload(token: str, course_id: int, user_id: int) -> tuple[bytes, dict[str, Any]] | None:
    """The stored upload, if the token names one of this course and uploader that has not expired."""
    if not _TOKEN.match(token or ""):
        return None
    folder = _folder()
    try:
        meta = json.loads((folder / f"{token}.json").read_text(encoding="utf-8"))
        data = (folder / f"{token}.bin").read_bytes()
    except (OSError, ValueError):
        return None
    if meta.get("course_id") != course_id or meta.get("user_id") != user_id or meta.get("at", 0) < time.time() - PENDING_SECONDS:
        return None
    return data, meta


def drop_upload(token: str) -> None:
    if _TOKEN.match(token or ""):
        for suffix in (".bin", ".json"):
            (_folder() / f"{token}{suffix}").unlink(missing_ok=True)


def check_encoding(name: str | None) -> str | None:
    """A codec name as given (None when blank); FormatError for an unknown one."""
    if not (name or "").strip():
        return None
    try:
        codec = codecs.lookup(name.strip()).name  # type: ignore[union-attr]
        try:
            b"a".decode(codec)  # refuses codecs that are no text encoding (rot13, base64 ...)
        except UnicodeDecodeError:
            pass  # a text encoding that needs more than one byte (UTF-16)
        return codec
    except LookupError:
        raise FormatError(f"unknown encoding {name!r}") from None


def report_lines(plan: ImportPlan, under: str | None) -> list[str]:
    """The preview as text, for the command line."""
    labels = {key: cls.label.lower() for key, cls in REGISTRY.items()}
    lines = [f"{plan.fmt}: {len(plan.questions)} question(s) can be imported, {len(plan.refused)} refused."]
    lines += [f"note: {note}" for note in plan.file_notes]
    lines += [f"  {labels.get(kind, kind):<20} {n}" for kind, n in sorted(plan.by_kind.items())]
    lines += [f"  skipped {kind:<12} {n}" for kind, n in sorted(plan.skipped.items())]
    lines += [f"  in {path}: {n}" for path, n in sorted(plan.by_category(under).items())]
    for q in plan.noted:
        where = f"line {q.source_line}, " if q.source_line else ""
        lines += [f"warning: {where}question {q.name!r}: {note}" for note in q.notes]
    lines += [f"refused: {error}" for error in plan.refused]
    return lines
