"""Question import/export formats (GIFT and Moodle XML), pure Python.

    from portal.quizzes.formats import FormatError, load_questions, export_gift

    try:
        questions = load_questions(upload.filename, upload.read())
    except FormatError as exc:
        flash(str(exc))  # e.g. "line 12, question 'Detainers': bad number 'abc'"

Every parser is all-or-nothing: it returns the whole list or raises
FormatError (.message, .line, .question); given a `refused` list it leaves
out (and lists) each question it cannot import instead.  Exporters refuse
(FormatError) questions that fail validate() or that the target format cannot
hold; given a `problems` list they leave those out, list them, and export the
rest.  Answer weights follow Moodle's grade list (model.snap_fraction); what a
file sets that the portal does not keep is in each question's ``notes``.
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
