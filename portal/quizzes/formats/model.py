"""Format-neutral description of imported/exported questions.

The parsers in this package turn GIFT or Moodle XML into these objects and the
exporters turn them back; nothing here knows about the database.

Conventions shared by both formats:

* ``fraction`` is the share of the question's points an answer earns,
  from -1.0 to 1.0, rounded to 7 decimals like Moodle stores it.
* ``text_format`` is "markdown", "html" or "plain".  Moodle's own
  "moodle auto-format" (GIFT default / ``[moodle]``, XML ``moodle_auto_format``)
  has no counterpart here and is read as "markdown", its closest superset.
* ``NumericAnswer.value`` is ``None`` for Moodle's ``*`` "any other answer"
  catch-all (GIFT ``{#... ~#feedback}``), which only carries feedback.
* ``MatchPair(prompt="", answer=...)`` is an extra wrong answer (distractor).
* Answer weights must be one of Moodle's grades (``MOODLE_FRACTIONS`` and their
  negatives); parsers snap a weight within Moodle's tolerance to the listed
  value (``snap_fraction``) and refuse the rest, as Moodle's importer does.
* ``notes`` lists what the source file said that the portal does not keep or
  honour (hints, combined feedback, penalty ...), one line each: the import
  preview shows them per question.  Ignored by ==.
"""
from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass, field
from typing import Any

KINDS = (
    "cloze",
    "single_choice",
    "multiple_response",
    "true_false",
    "short_answer",
    "numeric",
    "matching",
    "essay",
    "description",
)
TEXT_FORMATS = ("markdown", "html", "plain")
DEFAULT_TEXT_FORMAT = "markdown"


class FormatError(ValueError):
    """A file (or a question to export) cannot be handled; nothing is imported."""

    def __init__(self, message: str, line: int | None = None, question: str | None = None):
        self.message = message
        self.line = line
        self.question = question
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.question:
            where.append(f"question {self.question!r}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass(frozen=True)
class Choice:
    text: str
    fraction: float = 0.0
    feedback: str = ""


@dataclass(frozen=True)
class AcceptedAnswer:
    text: str  # may contain the "*" wildcard
    fraction: float = 1.0
    feedback: str = ""


@dataclass(frozen=True)
class NumericAnswer:
    value: float | None  # None = "*", any other answer (feedback only)
    tolerance: float = 0.0
    fraction: float = 1.0
    feedback: str = ""


@dataclass(frozen=True)
class MatchPair:
    prompt: str  # "" marks an extra wrong answer
    answer: str


@dataclass(frozen=True)
class Unit:
    """A numerical unit: the answer in this unit is the base answer times multiplier."""

    name: str
    multiplier: float = 1.0


@dataclass(frozen=True)
class ImportedQuestion:
    kind: str
    name: str
    text: str
    text_format: str = DEFAULT_TEXT_FORMAT
    points: float = 1.0
    general_feedback: str = ""
    category: str | None = None
    choices: list[Choice] = field(default_factory=list)
    accepted_answers: list[AcceptedAnswer] = field(default_factory=list)
    numeric_answers: list[NumericAnswer] = field(default_factory=list)
    pairs: list[MatchPair] = field(default_factory=list)
    images: dict[str, bytes] = field(default_factory=dict)
    case_sensitive: bool = False  # short answer (Moodle usecase)
    units: list[Unit] = field(default_factory=list)  # numeric; the first has multiplier 1
    # Moodle unitgradingtype: 0 = a unit is optional, 1 = a missing/wrong unit loses unit_penalty of
    # the answer's grade, 2 = loses unit_penalty of the question's grade.
    unit_grading: int = 0
    unit_penalty: float = 0.1
    tags: list[str] = field(default_factory=list)
    idnumber: str = ""
    cloze: list[Any] = field(default_factory=list)  # ClozeGap objects, kind "cloze" only
    notes: list[str] = field(default_factory=list, compare=False)
    # Where the question starts in its source file; ignored by ==.
    source_line: int | None = field(default=None, compare=False)


# A plain decimal number as both formats write it (no "nan", "inf" or "1_0").
NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")


def format_number(x: float) -> str:
    """Shortest text that reads back as exactly x."""
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return repr(float(x))


def format_percent(fraction: float) -> str:
    """0.3333333 -> '33.33333' (fractions have 7 decimals, so 5 in percent)."""
    return f"{fraction * 100:.5f}".rstrip("0").rstrip(".") if fraction else "0"


# Moodle's question_bank::fraction_options(): the only grades it accepts (with their negatives).
MOODLE_FRACTIONS = (1.0, 0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4, 0.3333333, 0.3, 0.25, 0.2,
                    0.1666667, 0.1428571, 0.125, 0.1111111, 0.1, 0.05, 0.0)
# Moodle's match_grade_options(..., 'error'): a grade within this of a listed one is that one.
GRADE_TOLERANCE = 0.00001
GRADE_LIST = ", ".join(format(f * 100, ".5f").rstrip("0").rstrip(".") for f in MOODLE_FRACTIONS)


def snap_fraction(value: float) -> float | None:
    """The Moodle grade `value` stands for (strictly within GRADE_TOLERANCE), or None if it is none."""
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    for f in MOODLE_FRACTIONS:
        for v in (f, -f):
            if abs(value - v) < GRADE_TOLERANCE:
                return v + 0.0  # -0.0 -> 0.0
    return None


def grade_problem(fraction: float) -> str | None:
    """Why Moodle would refuse this answer weight (None if it accepts it)."""
    if snap_fraction(fraction) is not None:
        return None
    return (f"answer weight {format_percent(fraction) if _finite(fraction) else fraction}% is not one of Moodle's "
            f"grades ({GRADE_LIST} percent, or their negatives)")


def default_points(kind: str) -> float:
    return 0.0 if kind == "description" else 1.0


def round_fraction(value: float) -> float:
    return round(value, 7)


_CONTEXT_PREFIX = re.compile(r"^\$[a-z0-9_]+\$/?")


def normalize_category(path: str) -> str | None:
    """'$course$/top/287G/Week 1' -> '287G/Week 1'; top level -> None."""
    path = _CONTEXT_PREFIX.sub("", path.strip()).strip()
    if path == "top":
        return None
    if path.startswith("top/"):
        path = path[4:]
    return path.strip() or None


def default_name(text: str) -> str:
    """Moodle-like default name: the text without tags, cut to 80 characters."""
    plain = " ".join(html.unescape(re.sub(r"<[^>]*>", " ", text)).split())
    if len(plain) > 80:
        cut = plain[:77]
        plain = (cut.rsplit(" ", 1)[0] if " " in cut else cut) + "..."
    return plain or "Question"


def validate(q: ImportedQuestion) -> None:
    """Raise FormatError (with the question's line and name) if q is unusable."""
    problem = _problem(q)
    if problem:
        raise FormatError(problem, q.source_line, q.name or None)


def _finite(x) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x)


def _problem(q: ImportedQuestion) -> str | None:
    if q.kind not in KINDS:
        return f"unknown question kind {q.kind!r}"
    if q.text_format not in TEXT_FORMATS:
        return f"unknown text format {q.text_format!r}"
    if not q.name.strip():
        return "question has no name"
    if not q.text.strip():
        return "question text is empty"
    if not _finite(q.points) or q.points < 0:
        return f"bad points value {q.points!r}"
    if q.kind == "description" and q.points:
        return "a description item cannot carry points"
    used = {
        "choices": bool(q.choices),
        "accepted_answers": bool(q.accepted_answers),
        "numeric_answers": bool(q.numeric_answers),
        "pairs": bool(q.pairs),
    }
    wanted = {
        "single_choice": "choices",
        "multiple_response": "choices",
        "true_false": "choices",
        "short_answer": "accepted_answers",
        "numeric": "numeric_answers",
        "matching": "pairs",
    }.get(q.kind)
    for attr, present in used.items():
        if present and attr != wanted:
            return f"a {q.kind} question cannot have {attr}"
    if q.case_sensitive and q.kind != "short_answer":
        return "only a short answer question can be case-sensitive"
    if q.units and q.kind != "numeric":
        return "only a numeric question can have units"
    if q.cloze and q.kind != "cloze":
        return f"a {q.kind} question cannot have embedded answers"
    answers = q.choices or q.accepted_answers or q.numeric_answers
    for a in answers:
        if not _finite(a.fraction) or not -1 <= a.fraction <= 1:
            return f"answer weight {a.fraction!r} is outside -100%..100%"
        if problem := grade_problem(a.fraction):
            return problem
    checker = _CHECKS.get(q.kind)
    return checker(q) if checker else None


def _max_is_full(fractions) -> bool:
    """Moodle's rule: the best answer is worth exactly 100%."""
    return max(fractions, default=0) == 1


def _check_choices(q: ImportedQuestion) -> str | None:
    if len(q.choices) < 2:
        return "a choice question needs at least 2 answers"
    if any(not c.text.strip() for c in q.choices):
        return "empty answer"
    fractions = [c.fraction for c in q.choices]
    if q.kind == "single_choice" and not _max_is_full(fractions):
        return "no answer is fully correct (needs one '=' or %100% answer)"
    if q.kind == "multiple_response":
        total = round(sum(f for f in fractions if f > 0), 2)
        if total != 1:
            return f"the positive answer weights add up to {total * 100:g}%, not 100%"
    return None


def _check_true_false(q: ImportedQuestion) -> str | None:
    texts = [c.text for c in q.choices]
    fractions = sorted(c.fraction for c in q.choices)
    if texts != ["True", "False"] or fractions != [0.0, 1.0]:
        return "a true/false question needs choices True and False, exactly one correct"
    return None


def _check_short_answer(q: ImportedQuestion) -> str | None:
    if any(not a.text.strip() for a in q.accepted_answers):
        return "empty answer"
    if not _max_is_full(a.fraction for a in q.accepted_answers):
        return "no answer is fully correct"
    return None


def _check_numeric(q: ImportedQuestion) -> str | None:
    for a in q.numeric_answers:
        if a.value is not None and not _finite(a.value):
            return f"bad number {a.value!r}"
        if not _finite(a.tolerance) or a.tolerance < 0:
            return f"bad tolerance {a.tolerance!r}"
        if a.value is None and a.tolerance:
            return "the '*' (any other answer) entry cannot have a tolerance"
    if not _max_is_full(a.fraction for a in q.numeric_answers if a.value is not None):
        return "no numeric answer is fully correct"
    return _check_units(q)


def _check_matching(q: ImportedQuestion) -> str | None:
    # Moodle's minimum: two pairs (answers with an empty prompt are extra wrong answers).
    for p in q.pairs:
        if not p.answer.strip():
            return f"matching item {p.prompt!r} has no answer"
    prompts = sum(1 for p in q.pairs if p.prompt.strip())
    if prompts < 2:
        return "a matching question needs at least 2 pairs"
    return None


def _check_units(q: ImportedQuestion) -> str | None:
    if q.unit_grading not in (0, 1, 2) or (q.unit_grading and not q.units):
        return f"unit grading {q.unit_grading!r} needs units (0 = optional, 1 or 2 = required)"
    if not _finite(q.unit_penalty) or not 0 <= q.unit_penalty <= 1:
        return f"unit penalty {q.unit_penalty!r} is outside 0..1"
    names = [u.name.strip() for u in q.units]
    if any(not n for n in names) or len(set(names)) != len(names):
        return "unit names must be given and distinct"
    if any(not _finite(u.multiplier) or u.multiplier <= 0 for u in q.units):
        return "unit multipliers must be positive numbers"
    if q.units and q.units[0].multiplier != 1:
        return "the first unit must have multiplier 1"
    return None


def _check_cloze(q: ImportedQuestion) -> str | None:
    from .cloze import gap_problem, placeholder_problem

    if not q.cloze:
        return "a cloze question needs at least one embedded answer"
    for n, gap in enumerate(q.cloze, 1):
        if problem := gap_problem(gap):
            return f"embedded answer {n}: {problem}"
    return placeholder_problem(q.text, len(q.cloze))


_CHECKS = {
    "cloze": _check_cloze,
    "single_choice": _check_choices,
    "multiple_response": _check_choices,
    "true_false": _check_true_false,
    "short_answer": _check_short_answer,
    "numeric": _check_numeric,
    "matching": _check_matching,
}
