"""Question import/export formats (GIFT and Moodle XML), pure Python.

    from portal.quizzes.formats import FormatError, load_questions, export_gift

    try:
        questions = load_questions(upload.filename, upload.read())
    except FormatError as exc:
        flash(str(exc))  # e.g. "line 12, question 'Detainers': bad number 'abc'"

Every parser is all-or-nothing: it returns the whole list or raises
FormatError (.message, .line, .question).  Exporters refuse (FormatError)
questions that fail validate() or that the target format cannot hold.
Descriptions (kind "description", 0 points) are returned like questions;
skip them with ``[q for q in qs if q.kind != "description"]`` if unwanted.
See model.py for the data model, gift.py and moodlexml.py for format details.
"""
from .cloze import ClozeAnswer, ClozeGap
from .detect import detect_format, load_questions
from .gift import export_gift, parse_gift
from .model import (
    KINDS,
    TEXT_FORMATS,
    AcceptedAnswer,
    Choice,
    FormatError,
    ImportedQuestion,
    MatchPair,
    NumericAnswer,
    validate,
)
from .moodlexml import export_moodle_xml, parse_moodle_xml

__all__ = [
    "KINDS",
    "TEXT_FORMATS",
    "AcceptedAnswer",
    "ClozeAnswer",
    "ClozeGap",
    "Choice",
    "FormatError",
    "ImportedQuestion",
    "MatchPair",
    "NumericAnswer",
    "detect_format",
    "export_gift",
    "export_moodle_xml",
    "load_questions",
    "parse_gift",
    "parse_moodle_xml",
    "validate",
]
