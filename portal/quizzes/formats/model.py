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
"""
from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass, field

KINDS = (
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
    answers = q.choices or q.accepted_answers or q.numeric_answers
    for a in answers:
        if not _finite(a.fraction) or not -1 <= a.fraction <= 1:
            return f"answer weight {a.fraction!r} is outside -100%..100%"
    checker = _CHECKS.get(q.kind)
    return checker(q) if checker else None


def _max_is_full(fractions) -> bool:
    return max(fractions, default=0) >= 0.9999999


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
    return None


def _check_matching(q: ImportedQuestion) -> str | None:
    # Moodle's matching editor rule: at least 2 questions and 3 answers, where
    # answers with an empty question are extra wrong answers.
    for p in q.pairs:
        if not p.answer.strip():
            return f"matching item {p.prompt!r} has no answer"
    prompts = sum(1 for p in q.pairs if p.prompt.strip())
    if prompts < 2 or len(q.pairs) < 3:
        return "a matching question needs at least 2 pairs and 3 answers (add a pair or a '= -> distractor')"
    return None


_CHECKS = {
    "single_choice": _check_choices,
    "multiple_response": _check_choices,
    "true_false": _check_true_false,
    "short_answer": _check_short_answer,
    "numeric": _check_numeric,
    "matching": _check_matching,
}
