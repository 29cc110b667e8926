"""Question types: one small class per kind, registered by its key.

Each class knows its settings (`data` JSON on the Question), what an attempt keeps about it when it
starts (`layout`: display order and the form values of its options), how to read an officer's answer
from a submitted form through that layout, how to grade it (a fraction 0..1 of the question's
points, or None when a person must grade it), what the correct answer is (shown only when review is
allowed), and how to convert to and from the import/export model. A new type is one class here and one template
(templates/quizzes/types/<key>.html).

Answers are stored as small JSON dicts:
    single_choice / true_false  {"choice": "<choice id>"}
    multiple_response           {"choices": ["<id>", ...]}
    short_answer / numeric      {"text": "..."}
    matching                    {"matches": {"<pair id>": "<answer text>"}}
    essay                       {"text": "..."}
    cloze                       {"gaps": {"<gap number>": "text" | "<answer index>" | ["<index>", ...]}}

The form values sent to the browser are never these ids: each attempt's layout gives every option
(and every matching prompt) a random value of its own, so a page tells nothing about which option
the author wrote first, and no value is shared between two attempts.
"""
from __future__ import annotations

import math
import random
import re
import secrets
import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from portal.quizzes.formats.cloze import PLACEHOLDER, ClozeAnswer, ClozeGap, gap_markup, parse_cloze, placeholder_problem
from portal.quizzes.formats.model import (
    GRADE_LIST,
    AcceptedAnswer,
    Choice,
    ImportedQuestion,
    MatchPair,
    NumericAnswer,
    Unit,
    format_percent,
    snap_fraction,
)

if TYPE_CHECKING:
    from portal.quizzes.models import Question

# A question's settings, an attempt's layout entry, a stored answer: JSON objects.
JSON = dict[str, Any]
# The submitted form an answer is read from.
Form = MultiDict[str, str]

REGISTRY: dict[str, type[QuestionType]] = {}


class QuestionDataError(ValueError):
    """The settings of a question are unusable (shown to the author)."""


class AnswerRefused(ValueError):
    """What the officer typed cannot be an answer of this type (shown next to the field). `shown` is
    the typed answer, given back to the form so that it can be corrected."""

    def __init__(self, message: str, shown: JSON):
        super().__init__(message)
        self.shown = shown


QuestionTypeT = TypeVar("QuestionTypeT", bound="type[QuestionType]")


def register(cls: QuestionTypeT) -> QuestionTypeT:
    REGISTRY[cls.key] = cls
    return cls


def question_type(key: str) -> type[QuestionType]:
    try:
        return REGISTRY[key]
    except KeyError:
        raise QuestionDataError(f"Unknown question type {key!r}.") from None


def clamp(x: float) -> float:
    return max(0.0, min(1.0, x))


def full_marks(fraction: float) -> float:
    """Moodle's rule (question_state::graded_state_for_fraction): within 0.000001 of 100% is right,
    so three picks of 33.33333% score exactly 100%, not 99.99999%."""
    return 1.0 if abs(fraction - 1.0) < 0.000001 else round(fraction, 7)


def choice_ids(n: int) -> list[str]:
    letters = string.ascii_lowercase
    return [letters[i] if i < 26 else f"c{i}" for i in range(n)]


def random_values(keys: Iterable[str]) -> dict[str, str]:
    """A random form value for each key, distinct within the question and drawn afresh for every
    attempt: what the browser sends names no authoring id, position or text."""
    values: dict[str, str] = {}
    for key in keys:
        value = secrets.token_urlsafe(8)
        while value in values.values():
            value = secrets.token_urlsafe(8)
        values[key] = value
    return values


def preview_layout(question: Question) -> JSON:
    """A layout for showing a question to its authors outside any attempt."""
    return question.type.layout(question, random.Random(), shuffle_choices=False)


@dataclass
class Feedback:
    """What an officer may see about one answer once review allows it."""

    correct_answer: str
    answer_feedback: str = ""


class QuestionType:
    key = ""
    label = ""
    auto_graded = True
    # True when the type's template shows the question text itself (with its inputs inside it).
    inline_text = False
    # What the authoring form's "answers" box holds, one per line.
    answers_hint = ""

    # --- answering ------------------------------------------------------------------------------
    @classmethod
    def layout(cls, question: Question, rng: random.Random, shuffle_choices: bool) -> JSON:
        """What an attempt keeps about this question besides its id, decided once when it starts:
        the order its options are shown in and their random form values."""
        return {}

    @classmethod
    def read_answer(cls, question: Question, form: Form, prefix: str, entry: JSON) -> JSON | None:
        """The answer in the submitted form (fields named from `prefix`), read through the attempt's
        layout `entry`; None when unanswered. Raises AnswerRefused for input that is no answer."""
        raise NotImplementedError

    @classmethod
    def is_answered(cls, answer: JSON | None) -> bool:
        return answer is not None and any(v not in (None, "", [], {}) for v in answer.values())

    @classmethod
    def grade(cls, question: Question, answer: JSON | None) -> float | None:
        raise NotImplementedError

    @classmethod
    def feedback(cls, question: Question, answer: JSON | None) -> Feedback:
        raise NotImplementedError

    @classmethod
    def answer_text(cls, question: Question, answer: JSON | None) -> str:
        """The officer's answer in words, for graders, reviews and CSV."""
        return (answer or {}).get("text", "") or ""

    @classmethod
    def model_answer(cls, question: Question, right: bool) -> JSON:
        """A stored answer that is right (or wrong), for demo data and load tests."""
        raise NotImplementedError

    # --- authoring -----------------------------------------------------------------------------
    @classmethod
    def data_from_lines(cls, text: str) -> JSON:
        return {}

    @classmethod
    def lines_from_data(cls, data: JSON) -> str:
        return ""

    @classmethod
    def check_text(cls, text: str, data: JSON) -> None:
        """Raise QuestionDataError when the question text does not suit the settings."""

    # --- import / export -----------------------------------------------------------------------
    @classmethod
    def data_from_imported(cls, q: ImportedQuestion) -> JSON:
        return {}

    @classmethod
    def imported_fields(cls, data: JSON) -> JSON:
        return {}


def _split(line: str, parts: int) -> list[str]:
    pieces = [p.strip() for p in line.split("|")]
    return pieces + [""] * (parts - len(pieces))


def _percent(raw: str, default: float, line_no: int) -> float:
    raw = raw.strip().rstrip("%")
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise QuestionDataError(f"Line {line_no}: “{raw}” is not a percentage.") from None
    if not math.isfinite(value) or not -100 <= value <= 100:
        raise QuestionDataError(f"Line {line_no}: the weight must be between -100 and 100.")
    fraction = snap_fraction(value / 100)
    if fraction is None:
        raise QuestionDataError(f"Line {line_no}: {raw}% is not one of Moodle's grades ({GRADE_LIST}, or their negatives).")
    return fraction


def _lines(text: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate((text or "").splitlines(), start=1):
        if line.strip():
            yield number, line


def _fmt_percent(fraction: float) -> str:
    return format_percent(fraction)


# --- choice types --------------------------------------------------------------------------------

class _ChoiceType(QuestionType):
    answers_hint = (
        "One choice per line: weight in % | choice text | feedback for this choice. Example: 100 | 8 U.S.C. §1357(g) | Correct."
    )
    # Whether an exam's "shuffle choices" setting applies (True / False keeps its natural order).
    shuffles = True

    @classmethod
    def choices(cls, question: Question) -> list[JSON]:
        return list((question.data or {}).get("choices", []))

    @classmethod
    def by_id(cls, question: Question) -> dict[str, JSON]:
        return {c["id"]: c for c in cls.choices(question)}

    @classmethod
    def layout(cls, question: Question, rng: random.Random, shuffle_choices: bool) -> JSON:
        order = [c["id"] for c in cls.choices(question)]
        if shuffle_choices and cls.shuffles:
            rng.shuffle(order)
        return {"choice_order": order, "choice_values": random_values(order)}

    @classmethod
    def shown_choices(cls, question: Question, entry: JSON) -> list[tuple[str, JSON]]:
        """(form value, choice) in the attempt's order."""
        by_id = cls.by_id(question)
        values = entry.get("choice_values", {})
        return [(values[cid], by_id[cid]) for cid in entry.get("choice_order", []) if cid in by_id and cid in values]

    @classmethod
    def chosen_ids(cls, question: Question, entry: JSON, values: list[str]) -> list[str]:
        """The choice ids behind the submitted form values; values of no choice are dropped."""
        by_value = {value: choice["id"] for value, choice in cls.shown_choices(question, entry)}
        return list(dict.fromkeys(by_value[v] for v in values if v in by_value))

    @classmethod
    def correct_texts(cls, question: Question) -> list[str]:
        return [c["text"] for c in cls.choices(question) if c["fraction"] > 0]

    @classmethod
    def data_from_lines(cls, text: str) -> JSON:
        rows = []
        for number, line in _lines(text):
            weight, choice, feedback = _split(line, 3)[:3]
            if not choice:
                raise QuestionDataError(f"Line {number}: the choice text is missing.")
            rows.append((_percent(weight, 0.0, number), choice, feedback))
        data = {"choices": [{"id": i, "text": t, "fraction": f, "feedback": fb}
                            for i, (f, t, fb) in zip(choice_ids(len(rows)), rows, strict=True)]}
        cls.check(data)
        return data

    @classmethod
    def lines_from_data(cls, data: JSON) -> str:
        return "\n".join(f"{_fmt_percent(c['fraction'])} | {c['text']} | {c.get('feedback', '')}".rstrip(" |")
                         for c in data.get("choices", []))

    @classmethod
    def check(cls, data: JSON) -> None:
        choices = data.get("choices", [])
        if len(choices) < 2:
            raise QuestionDataError("Give at least two choices.")
        if max(c["fraction"] for c in choices) < 0.9999999:
            raise QuestionDataError("One choice must be worth 100%.")

    @classmethod
    def data_from_imported(cls, q: ImportedQuestion) -> JSON:
        return {"choices": [{"id": i, "text": c.text, "fraction": c.fraction, "feedback": c.feedback}
                            for i, c in zip(choice_ids(len(q.choices)), q.choices, strict=True)]}

    @classmethod
    def imported_fields(cls, data: JSON) -> JSON:
        return {"choices": [Choice(c["text"], c["fraction"], c.get("feedback", "")) for c in data.get("choices", [])]}


@register
class SingleChoice(_ChoiceType):
    key = "single_choice"
    label = "Single choice"

    @classmethod
    def read_answer(cls, question: Question, form: Form, prefix: str, entry: JSON) -> JSON | None:
        chosen = cls.chosen_ids(question, entry, [form.get(prefix, "")])
        return {"choice": chosen[0]} if chosen else None

    @classmethod
    def chosen(cls, question: Question, answer: JSON | None) -> JSON | None:
        """The choice a stored answer picked, if the question still has it."""
        choice_id = (answer or {}).get("choice")
        return None if choice_id is None else cls.by_id(question).get(choice_id)

    @classmethod
    def grade(cls, question: Question, answer: JSON | None) -> float | None:
        chosen = cls.chosen(question, answer)
        return clamp(chosen["fraction"]) if chosen else 0.0

    @classmethod
    def feedback(cls, question: Question, answer: JSON | None) -> Feedback:
        chosen = cls.chosen(question, answer)
        return Feedback(", ".join(t for t in [c["text"] for c in cls.choices(question) if c["fraction"] >= 0.9999999]),
                        chosen.get("feedback", "") if chosen else "")

    @classmethod
    def answer_text(cls, question: Question, answer: JSON | None) -> str:
        chosen = cls.chosen(question, answer)
        return chosen["text"] if chosen else ""

    @classmethod
    def model_answer(cls, question: Question, right: bool) -> JSON:
        choices = sorted(cls.choices(question), key=lambda c: c["fraction"], reverse=right)
        return {"choice": choices[0]["id"]}


@register
class TrueFalse(SingleChoice):
    key = "true_false"
    label = "True / false"
    answers_hint = (
        "Write the correct answer, True or False, on the first line; optional feedback lines: True | feedback, False | feedback."
    )
    shuffles = False

    @classmethod
    def data_from_lines(cls, text: str) -> JSON:
        lines = [line for _n, line in _lines(text)]
        if not lines or lines[0].strip().lower() not in ("true", "false"):
            raise QuestionDataError("Line 1 must say True or False: the correct answer.")
        correct = lines[0].strip().lower() == "true"
        feedback = {}
        for line in lines[1:]:
            which, fb = _split(line, 2)[:2]
            if which.lower() in ("true", "false"):
                feedback[which.lower()] = fb
        return cls.make(correct, feedback.get("true", ""), feedback.get("false", ""))

    @classmethod
    def make(cls, correct: bool, true_feedback: str = "", false_feedback: str = "") -> JSON:
        return {"choices": [
            {"id": "true", "text": "True", "fraction": 1.0 if correct else 0.0, "feedback": true_feedback},
            {"id": "false", "text": "False", "fraction": 0.0 if correct else 1.0, "feedback": false_feedback},
        ]}

    @classmethod
    def lines_from_data(cls, data: JSON) -> str:
        by_id = {c["id"]: c for c in data.get("choices", [])}
        correct = "True" if by_id.get("true", {}).get("fraction", 0) > 0 else "False"
        lines = [correct]
        for cid in ("true", "false"):
            if by_id.get(cid, {}).get("feedback"):
                lines.append(f"{by_id[cid]['text']} | {by_id[cid]['feedback']}")
        return "\n".join(lines)

    @classmethod
    def data_from_imported(cls, q: ImportedQuestion) -> JSON:
        by_text = {c.text: c for c in q.choices}
        return cls.make(by_text["True"].fraction > 0, by_text["True"].feedback, by_text["False"].feedback)


@register
class MultipleResponse(_ChoiceType):
    """Several choices may be right. Each pick adds its weight; a wrong pick subtracts its own negative
    weight, or, if the author gave it none, 1/(number of right choices). The total never goes below 0."""

    key = "multiple_response"
    label = "Multiple response"
    answers_hint = ("One choice per line: weight in % | choice text | feedback. The positive weights must add up "
                    "to 100 (e.g. 50 and 50); give wrong choices a negative weight, or leave it blank for the default penalty.")

    @classmethod
    def check(cls, data: JSON) -> None:
        choices = data.get("choices", [])
        if len(choices) < 2:
            raise QuestionDataError("Give at least two choices.")
        total = round(sum(c["fraction"] for c in choices if c["fraction"] > 0), 2)
        if total != 1:
            raise QuestionDataError(f"The positive weights add up to {total * 100:g}%, not 100%.")

    @classmethod
    def read_answer(cls, question: Question, form: Form, prefix: str, entry: JSON) -> JSON | None:
        picked = cls.chosen_ids(question, entry, form.getlist(prefix))
        return {"choices": picked} if picked else None

    @classmethod
    def penalty(cls, question: Question, choice: JSON) -> float:
        own: float = choice["fraction"]
        if own < 0:
            return own
        right = sum(1 for c in cls.choices(question) if c["fraction"] > 0)
        return -1.0 / max(right, 1)

    @classmethod
    def grade(cls, question: Question, answer: JSON | None) -> float | None:
        known = cls.by_id(question)
        total = 0.0
        for cid in set((answer or {}).get("choices", [])):
            choice = known.get(cid)
            if choice is None:
                continue
            total += choice["fraction"] if choice["fraction"] > 0 else cls.penalty(question, choice)
        return full_marks(clamp(total))

    @classmethod
    def feedback(cls, question: Question, answer: JSON | None) -> Feedback:
        known = cls.by_id(question)
        picked = [known[c] for c in (answer or {}).get("choices", []) if c in known]
        return Feedback("; ".join(cls.correct_texts(question)),
                        " ".join(c["feedback"] for c in picked if c.get("feedback")))

    @classmethod
    def answer_text(cls, question: Question, answer: JSON | None) -> str:
        known = cls.by_id(question)
        return "; ".join(known[c]["text"] for c in (answer or {}).get("choices", []) if c in known)

    @classmethod
    def model_answer(cls, question: Question, right: bool) -> JSON:
        return {"choices": [c["id"] for c in cls.choices(question) if (c["fraction"] > 0) == right]}


# --- typed answers -------------------------------------------------------------------------------

def normalize_text(value: str) -> str:
    return " ".join((value or "").split()).casefold()


def wildcard_pattern(accepted: str, case_sensitive: bool = False) -> re.Pattern[str]:
    """Whole-answer match (ignoring case unless told) where `*` stands for any run of characters."""
    parts = [re.escape(p) for p in _normalize(accepted, case_sensitive).split("*")]
    return re.compile("^" + ".*".join(parts) + "$", re.DOTALL)


def _normalize(value: str, case_sensitive: bool) -> str:
    return " ".join((value or "").split()) if case_sensitive else normalize_text(value)


class _TypedAnswerType(QuestionType):
    """An answer typed into a box and matched against a list of weighted answers; the best match
    counts. Subclasses say how to match (`best`) and how to word the right answers."""

    max_length = 1000

    @classmethod
    def answers(cls, question: Question) -> list[JSON]:
        return list((question.data or {}).get("answers", []))

    @classmethod
    def read_answer(cls, question: Question, form: Form, prefix: str, entry: JSON) -> JSON | None:
        text = (form.get(prefix) or "").strip()[:cls.max_length]
        return {"text": text} if text else None

    @classmethod
    def best(cls, question: Question, answer: JSON | None) -> JSON | None:
        raise NotImplementedError

    @classmethod
    def right_answers(cls, question: Question) -> list[str]:
        raise NotImplementedError

    @classmethod
    def grade(cls, question: Question, answer: JSON | None) -> float | None:
        match = cls.best(question, answer)
        return clamp(match["fraction"]) if match else 0.0

    @classmethod
    def feedback(cls, question: Question, answer: JSON | None) -> Feedback:
        match = cls.best(question, answer)
        return Feedback(" or ".join(cls.right_answers(question)), match.get("feedback", "") if match else "")


@register
class ShortAnswer(_TypedAnswerType):
    key = "short_answer"
    label = "Short answer"
    answers_hint = (
        "One accepted answer per line: weight in % (blank = 100) | answer | feedback. Matching ignores case "
        "(unless the question was imported as case-sensitive); * matches anything."
    )

    @classmethod
    def best(cls, question: Question, answer: JSON | None) -> JSON | None:
        case_sensitive = bool((question.data or {}).get("case_sensitive"))
        given = _normalize((answer or {}).get("text", ""), case_sensitive)
        if not given:
            return None
        matches = [a for a in cls.answers(question) if wildcard_pattern(a["text"], case_sensitive).match(given)]
        return max(matches, key=lambda a: a["fraction"], default=None)

    @classmethod
    def right_answers(cls, question: Question) -> list[str]:
        return [a["text"] for a in cls.answers(question) if a["fraction"] >= 0.9999999]

    @classmethod
    def model_answer(cls, question: Question, right: bool) -> JSON:
        best = max(cls.answers(question), key=lambda a: a["fraction"])
        return {"text": best["text"].replace("*", "") if right else "I do not know"}

    @classmethod
    def data_from_lines(cls, text: str) -> JSON:
        answers: list[JSON] = []
        for number, line in _lines(text):
            weight, value, feedback = _split(line, 3)[:3]
            if not value:
                raise QuestionDataError(f"Line {number}: the answer is missing.")
            answers.append({"text": value, "fraction": _percent(weight, 1.0, number), "feedback": feedback})
        if not answers or max(a["fraction"] for a in answers) < 0.9999999:
            raise QuestionDataError("Give at least one accepted answer worth 100%.")
        return {"answers": answers}

    @classmethod
    def lines_from_data(cls, data: JSON) -> str:
        return "\n".join(f"{_fmt_percent(a['fraction'])} | {a['text']} | {a.get('feedback', '')}".rstrip(" |")
                         for a in data.get("answers", []))

    @classmethod
    def data_from_imported(cls, q: ImportedQuestion) -> JSON:
        data: JSON = {"answers": [{"text": a.text, "fraction": a.fraction, "feedback": a.feedback}
                                  for a in q.accepted_answers]}
        if q.case_sensitive:
            data["case_sensitive"] = True
        return data

    @classmethod
    def imported_fields(cls, data: JSON) -> JSON:
        return {"accepted_answers": [AcceptedAnswer(a["text"], a["fraction"], a.get("feedback", ""))
                                     for a in data.get("answers", [])],
                "case_sensitive": bool(data.get("case_sensitive"))}


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def parse_number(raw: str) -> float | None:
    """A number as officers type it: spaces and thousands commas ignored, a decimal comma accepted."""
    text = (raw or "").strip().replace(" ", "")
    if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?", text):
        text = text.replace(",", "")
    elif text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    if not _NUMBER.match(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


@register
class Numeric(_TypedAnswerType):
    key = "numeric"
    label = "Numeric"
    answers_hint = "One answer per line: value | tolerance (± , blank = exact) | weight in % (blank = 100) | feedback."

    max_length = 100

    @classmethod
    def units(cls, question: Question) -> dict[str, float]:
        return {u["name"]: u["multiplier"] for u in (question.data or {}).get("units", [])}

    @classmethod
    def split_unit(cls, question: Question, text: str) -> tuple[float | None, str]:
        """(number, unit as typed): the unit is what follows the number, when the question has units."""
        value = parse_number(text)
        if value is not None or not cls.units(question):
            return value, ""
        m = re.match(r"^\s*([-+]?[\d.,\s]*\d[\d.,]*(?:[eE][-+]?\d+)?)\s*(\S.*?)\s*$", text or "")
        return (parse_number(m.group(1)), m.group(2)) if m else (None, "")

    @classmethod
    def read_answer(cls, question: Question, form: Form, prefix: str, entry: JSON) -> JSON | None:
        answer = super().read_answer(question, form, prefix, entry)
        if answer and cls.split_unit(question, answer["text"])[0] is None:
            raise AnswerRefused(f"“{answer['text']}” is not a number: write it in digits, such as 12, 3.5 or 3,5. "
                                "This answer was not saved.", answer)
        return answer

    @classmethod
    def grade(cls, question: Question, answer: JSON | None) -> float | None:
        """The best answer's weight; with required units (Moodle unitgradingtype 1 or 2), a missing or
        unknown unit loses the unit penalty: of the answer's grade (1) or of the question's (2)."""
        match = cls.best(question, answer)
        fraction = clamp(match["fraction"]) if match else 0.0
        data = question.data or {}
        grading = data.get("unit_grading", 0)
        if fraction and grading and cls.split_unit(question, (answer or {}).get("text", ""))[1] not in cls.units(question):
            penalty = data.get("unit_penalty", 0.1)
            fraction = clamp(fraction - (penalty * fraction if grading == 1 else penalty))
        return round(fraction, 7)

    @classmethod
    def best(cls, question: Question, answer: JSON | None) -> JSON | None:
        value, unit = cls.split_unit(question, (answer or {}).get("text", ""))
        if value is None:
            return None
        value /= cls.units(question).get(unit, 1.0)
        hits = [
            a
            for a in cls.answers(question)
            if a["value"] is not None and abs(value - a["value"]) <= a.get("tolerance", 0.0) + 1e-9 * max(1.0, abs(a["value"]))
        ]
        if hits:
            return max(hits, key=lambda a: a["fraction"])
        return next((a for a in cls.answers(question) if a["value"] is None), None)  # "*" catch-all

    @classmethod
    def right_answers(cls, question: Question) -> list[str]:
        unit = next(iter(cls.units(question)), "")
        return [f"{a['value']:g}" + (f" ± {a['tolerance']:g}" if a.get("tolerance") else "") + (f" {unit}" if unit else "")
                for a in cls.answers(question) if a["value"] is not None and a["fraction"] >= 0.9999999]

    @classmethod
    def model_answer(cls, question: Question, right: bool) -> JSON:
        best = max((a for a in cls.answers(question) if a["value"] is not None), key=lambda a: a["fraction"])
        return {"text": f"{best['value']:g}" if right else f"{best['value'] + best.get('tolerance', 0) + 17:g}"}

    @classmethod
    def data_from_lines(cls, text: str) -> JSON:
        answers: list[JSON] = []
        for number, line in _lines(text):
            value, tolerance, weight, feedback = _split(line, 4)[:4]
            if value == "*":
                parsed = None
            else:
                parsed = parse_number(value)
                if parsed is None:
                    raise QuestionDataError(f"Line {number}: “{value}” is not a number.")
            tol = parse_number(tolerance) if tolerance else 0.0
            if tol is None or tol < 0:
                raise QuestionDataError(f"Line {number}: the tolerance must be a number of 0 or more.")
            answers.append({"value": parsed, "tolerance": tol, "fraction": _percent(weight, 1.0, number), "feedback": feedback})
        if not any(a["value"] is not None and a["fraction"] >= 0.9999999 for a in answers):
            raise QuestionDataError("Give at least one numeric answer worth 100%.")
        return {"answers": answers}

    @classmethod
    def lines_from_data(cls, data: JSON) -> str:
        return "\n".join(
            f"{'*' if a['value'] is None else format(a['value'], 'g')} | {format(a.get('tolerance', 0), 'g')} | "
            f"{_fmt_percent(a['fraction'])} | {a.get('feedback', '')}".rstrip(" |")
            for a in data.get("answers", []))

    @classmethod
    def data_from_imported(cls, q: ImportedQuestion) -> JSON:
        data: JSON = {"answers": [{"value": a.value, "tolerance": a.tolerance, "fraction": a.fraction,
                                   "feedback": a.feedback} for a in q.numeric_answers]}
        if q.units:
            data.update(units=[{"name": u.name, "multiplier": u.multiplier} for u in q.units],
                        unit_grading=q.unit_grading, unit_penalty=q.unit_penalty)
        return data

    @classmethod
    def imported_fields(cls, data: JSON) -> JSON:
        return {"numeric_answers": [NumericAnswer(a["value"], a.get("tolerance", 0.0), a["fraction"], a.get("feedback", ""))
                                    for a in data.get("answers", [])],
                "units": [Unit(u["name"], u["multiplier"]) for u in data.get("units", [])],
                "unit_grading": data.get("unit_grading", 0), "unit_penalty": data.get("unit_penalty", 0.1)}


@register
class Matching(QuestionType):
    """Each prompt is matched to one answer from a list; score = share of prompts matched right."""

    key = "matching"
    label = "Matching"
    answers_hint = "One pair per line: prompt -> answer. A line “-> answer” adds an extra wrong answer."

    @classmethod
    def pairs(cls, question: Question) -> list[JSON]:
        return list((question.data or {}).get("pairs", []))

    @classmethod
    def prompts(cls, question: Question) -> list[JSON]:
        return [p for p in cls.pairs(question) if p["prompt"]]

    @classmethod
    def options(cls, question: Question) -> list[str]:
        return list(dict.fromkeys(p["answer"] for p in cls.pairs(question)))

    @classmethod
    def layout(cls, question: Question, rng: random.Random, shuffle_choices: bool) -> JSON:
        options = cls.options(question)
        rng.shuffle(options)  # a list in author order would give the answers away
        return {"option_order": options, "option_values": random_values(options),
                "prompt_values": random_values(p["id"] for p in cls.prompts(question))}

    @classmethod
    def shown_prompts(cls, question: Question, entry: JSON) -> list[tuple[str, JSON]]:
        """(form field suffix, pair) for each prompt."""
        names = entry.get("prompt_values", {})
        return [(names[p["id"]], p) for p in cls.prompts(question) if p["id"] in names]

    @classmethod
    def shown_options(cls, question: Question, entry: JSON) -> list[tuple[str, str]]:
        """(form value, answer text) in the attempt's order."""
        known = set(cls.options(question))
        values = entry.get("option_values", {})
        return [(values[o], o) for o in entry.get("option_order", []) if o in known and o in values]

    @classmethod
    def read_answer(cls, question: Question, form: Form, prefix: str, entry: JSON) -> JSON | None:
        options = dict(cls.shown_options(question, entry))
        matches = {}
        for name, pair in cls.shown_prompts(question, entry):
            text = options.get(form.get(f"{prefix}-{name}", ""))
            if text is not None:
                matches[pair["id"]] = text
        return {"matches": matches} if matches else None

    @classmethod
    def grade(cls, question: Question, answer: JSON | None) -> float | None:
        prompts = cls.prompts(question)
        if not prompts:
            return 0.0
        matches = (answer or {}).get("matches", {})
        right = sum(1 for p in prompts if matches.get(p["id"]) == p["answer"])
        return round(right / len(prompts), 7)

    @classmethod
    def feedback(cls, question: Question, answer: JSON | None) -> Feedback:
        return Feedback("; ".join(f"{p['prompt']} → {p['answer']}" for p in cls.prompts(question)))

    @classmethod
    def answer_text(cls, question: Question, answer: JSON | None) -> str:
        matches = (answer or {}).get("matches", {})
        return "; ".join(f"{p['prompt']} → {matches[p['id']]}" for p in cls.prompts(question) if p["id"] in matches)

    @classmethod
    def model_answer(cls, question: Question, right: bool) -> JSON:
        prompts = cls.prompts(question)
        answers = [p["answer"] for p in prompts]
        if not right:
            answers = answers[1:] + answers[:1]
        return {"matches": {p["id"]: a for p, a in zip(prompts, answers, strict=True)}}

    @classmethod
    def data_from_lines(cls, text: str) -> JSON:
        pairs = []
        for number, line in _lines(text):
            if "->" not in line:
                raise QuestionDataError(f"Line {number}: write “prompt -> answer”.")
            prompt, answer = (p.strip() for p in line.split("->", 1))
            if not answer:
                raise QuestionDataError(f"Line {number}: the answer is missing.")
            pairs.append((prompt, answer))
        if sum(1 for p, _a in pairs if p) < 2:
            raise QuestionDataError("Give at least two pairs.")
        return {"pairs": [{"id": f"p{i}", "prompt": p, "answer": a} for i, (p, a) in enumerate(pairs, start=1)]}

    @classmethod
    def lines_from_data(cls, data: JSON) -> str:
        return "\n".join(f"{p['prompt']} -> {p['answer']}".strip() for p in data.get("pairs", []))

    @classmethod
    def data_from_imported(cls, q: ImportedQuestion) -> JSON:
        return {"pairs": [{"id": f"p{i}", "prompt": p.prompt, "answer": p.answer} for i, p in enumerate(q.pairs, start=1)]}

    @classmethod
    def imported_fields(cls, data: JSON) -> JSON:
        return {"pairs": [MatchPair(p["prompt"], p["answer"]) for p in data.get("pairs", [])]}


@register
class Essay(QuestionType):
    """Graded by an instructor. A blank essay scores 0 without waiting for a grader."""

    key = "essay"
    label = "Essay"
    auto_graded = False
    answers_hint = "Nothing here: an instructor grades essays. Put guidance for graders in the general feedback."

    @classmethod
    def read_answer(cls, question: Question, form: Form, prefix: str, entry: JSON) -> JSON | None:
        text = (form.get(prefix) or "").strip()[:20000]
        return {"text": text} if text else None

    @classmethod
    def grade(cls, question: Question, answer: JSON | None) -> float | None:
        return None if cls.is_answered(answer) else 0.0

    @classmethod
    def feedback(cls, question: Question, answer: JSON | None) -> Feedback:
        return Feedback("")

    @classmethod
    def model_answer(cls, question: Question, right: bool) -> JSON:
        return {"text": "The request falls outside the delegated authority: I would decline, explain why, record the "
                        "request and consult my ICE supervisor, as the MOA requires." if right else "Not sure."}


# --- embedded answers (Moodle's Cloze) -------------------------------------------------------------

@register
class Cloze(QuestionType):
    """Moodle's embedded answers: the text holds gaps {#1}, {#2}..., each a short answer, a number,
    one choice (drop-down or buttons) or several (check boxes), with its own weights and feedback.
    Each gap is graded on its own; the question scores the weight-weighted mean of its gaps."""

    key = "cloze"
    label = "Cloze (embedded answers)"
    inline_text = True
    answers_hint = ("One gap per line in Moodle's syntax, in order; the text marks where each goes with {#1}, {#2}... "
                    "Example: {1:SHORTANSWER:=Berlin#Right~%50%Bonn#Half} or {1:MULTICHOICE:=yes~no} "
                    "or {2:NUMERICAL:=3.14:0.01}.")

    @classmethod
    def gaps(cls, question: Question) -> list[JSON]:
        return list((question.data or {}).get("gaps", []))

    @classmethod
    def gap_objects(cls, data: JSON) -> list[ClozeGap]:
        return [ClozeGap(g["code"], g.get("weight", 1),
                         [ClozeAnswer(a["text"], a["fraction"], a.get("feedback", ""), a.get("tolerance", 0.0))
                          for a in g["answers"]]) for g in data.get("gaps", [])]

    @classmethod
    def gap_data(cls, gaps: list[ClozeGap]) -> JSON:
        return {"gaps": [{"code": g.code, "weight": g.weight, "answers": [
            {"text": a.text, "fraction": a.fraction, "feedback": a.feedback, "tolerance": a.tolerance}
            for a in g.answers]} for g in gaps]}

    @classmethod
    def is_choice(cls, gap: JSON) -> bool:
        return str(gap["code"]).startswith(("MC", "MR"))

    @classmethod
    def display(cls, gap: JSON) -> str:
        return cls.gap_objects({"gaps": [gap]})[0].display

    @classmethod
    def layout(cls, question: Question, rng: random.Random, shuffle_choices: bool) -> JSON:
        entries: list[JSON] = []
        for gap in cls.gaps(question):
            if not cls.is_choice(gap):
                entries.append({})
                continue
            order = [str(i) for i in range(len(gap["answers"]))]
            if gap["code"] in ("MCS", "MCVS", "MCHS", "MRS", "MRHS"):  # Moodle's *S gaps always shuffle
                rng.shuffle(order)
            entries.append({"order": order, "values": random_values(order)})
        return {"gaps": entries}

    @classmethod
    def shown_answers(cls, question: Question, entry: JSON, n: int) -> list[tuple[str, str, JSON]]:
        """(form value, answer index, answer) of choice gap n (1-based) in the attempt's order."""
        gaps, entries = cls.gaps(question), entry.get("gaps", [])
        if not 1 <= n <= min(len(gaps), len(entries)):
            return []
        answers, values = gaps[n - 1]["answers"], entries[n - 1].get("values", {})
        return [(values[i], i, answers[int(i)]) for i in entries[n - 1].get("order", [])
                if i in values and int(i) < len(answers)]

    @classmethod
    def text_parts(cls, html: str) -> list[tuple[Markup, int | None]]:
        """Rendered text cut at its gaps: (HTML before, gap number or None at the end)."""
        parts: list[tuple[Markup, int | None]] = []
        pos = 0
        for m in PLACEHOLDER.finditer(html):
            parts.append((Markup(html[pos:m.start()]), int(m.group(1))))  # noqa: S704 - cut from sanitized HTML
            pos = m.end()
        return parts + [(Markup(html[pos:]), None)]  # noqa: S704

    @classmethod
    def read_answer(cls, question: Question, form: Form, prefix: str, entry: JSON) -> JSON | None:
        given: JSON = {}
        for n, gap in enumerate(cls.gaps(question), start=1):
            name = f"{prefix}-{n}"
            if cls.is_choice(gap):
                by_value = {value: i for value, i, _a in cls.shown_answers(question, entry, n)}
                picked = list(dict.fromkeys(by_value[v] for v in form.getlist(name) if v in by_value))
                if picked:
                    given[str(n)] = picked if gap["code"].startswith("MR") else picked[0]
            elif text := (form.get(name) or "").strip()[:200]:
                given[str(n)] = text
        answer = {"gaps": given} if given else None
        for n, gap in enumerate(cls.gaps(question), start=1):
            typed = given.get(str(n))
            if gap["code"] == "NM" and typed is not None and parse_number(typed) is None:
                raise AnswerRefused(f"Gap {n}: “{typed}” is not a number: write it in digits, such as 12 or 3.5. "
                                    "This answer was not saved.", answer or {})
        return answer

    @classmethod
    def is_answered(cls, answer: JSON | None) -> bool:
        return bool((answer or {}).get("gaps"))

    @classmethod
    def best(cls, gap: JSON, given: Any) -> JSON | None:
        """The answer of the gap that the given value earns (None: nothing matched)."""
        answers = gap["answers"]
        if given in (None, "", []):
            return None
        if cls.is_choice(gap):
            if gap["code"].startswith("MR"):
                return None
            index = int(given) if str(given).isdigit() else -1
            return answers[index] if 0 <= index < len(answers) else None
        if gap["code"] == "NM":
            value = parse_number(str(given))
            hits = [a for a in answers if a["text"] == "*" or (value is not None and abs(value - float(a["text"])) <= a.get(
                "tolerance", 0.0) + 1e-9 * max(1.0, abs(float(a["text"]))))]
        else:
            case_sensitive = gap["code"] == "SAC"
            text = _normalize(str(given), case_sensitive)
            hits = [a for a in answers if wildcard_pattern(a["text"], case_sensitive).match(text)]
        return max(hits, key=lambda a: a["fraction"], default=None)

    @classmethod
    def gap_fraction(cls, gap: JSON, given: Any) -> float:
        if gap["code"].startswith("MR"):
            answers = gap["answers"]
            picked = [answers[int(i)] for i in set(given or []) if str(i).isdigit() and int(i) < len(answers)]
            return full_marks(clamp(sum(a["fraction"] for a in picked)))
        match = cls.best(gap, given)
        return clamp(match["fraction"]) if match else 0.0

    @classmethod
    def grade(cls, question: Question, answer: JSON | None) -> float | None:
        gaps = cls.gaps(question)
        given = (answer or {}).get("gaps", {})
        total = sum(g.get("weight", 1) for g in gaps)
        if not total:
            return 0.0
        earned = sum(g.get("weight", 1) * cls.gap_fraction(g, given.get(str(n))) for n, g in enumerate(gaps, start=1))
        return full_marks(earned / total)

    @classmethod
    def right_text(cls, gap: JSON) -> str:
        if gap["code"].startswith("MR"):
            return " + ".join(a["text"] for a in gap["answers"] if a["fraction"] > 0)
        best = [a for a in gap["answers"] if a["fraction"] == 1]
        return " or ".join(a["text"] + (f" ± {a['tolerance']:g}" if a.get("tolerance") else "") for a in best)

    @classmethod
    def given_text(cls, gap: JSON, given: Any) -> str:
        if not cls.is_choice(gap):
            return str(given or "")
        answers = gap["answers"]
        picked = given if isinstance(given, list) else [given]
        return " + ".join(answers[int(i)]["text"] for i in picked if str(i).isdigit() and int(i) < len(answers))

    @classmethod
    def feedback(cls, question: Question, answer: JSON | None) -> Feedback:
        gaps, given = cls.gaps(question), (answer or {}).get("gaps", {})
        notes = []
        for n, gap in enumerate(gaps, start=1):
            value = given.get(str(n))
            if gap["code"].startswith("MR"):
                fbs = [gap["answers"][int(i)].get("feedback", "") for i in (value or []) if int(i) < len(gap["answers"])]
            else:
                match = cls.best(gap, value)
                fbs = [match.get("feedback", "")] if match else []
            if any(fbs):
                notes.append(f"Gap {n}: " + " ".join(f for f in fbs if f))
        return Feedback("; ".join(f"gap {n}: {cls.right_text(g)}" for n, g in enumerate(gaps, start=1)), " ".join(notes))

    @classmethod
    def answer_text(cls, question: Question, answer: JSON | None) -> str:
        given = (answer or {}).get("gaps", {})
        return "; ".join(f"gap {n}: {cls.given_text(g, given[str(n)])}"
                         for n, g in enumerate(cls.gaps(question), start=1) if str(n) in given)

    @classmethod
    def model_answer(cls, question: Question, right: bool) -> JSON:
        given: JSON = {}
        for n, gap in enumerate(cls.gaps(question), start=1):
            answers = gap["answers"]
            ranked = sorted(range(len(answers)), key=lambda i: answers[i]["fraction"], reverse=right)
            if gap["code"].startswith("MR"):
                given[str(n)] = [str(i) for i in range(len(answers)) if (answers[i]["fraction"] > 0) == right]
            elif cls.is_choice(gap):
                given[str(n)] = str(ranked[0])
            elif gap["code"] == "NM":
                best = answers[ranked[0]] if right else max(answers, key=lambda a: a["fraction"])
                given[str(n)] = best["text"] if right else f"{float(best['text']) + best.get('tolerance', 0) + 17:g}"
            else:
                given[str(n)] = answers[ranked[0]]["text"].replace("*", "") if right else "I do not know"
        return {"gaps": given}

    @classmethod
    def data_from_lines(cls, text: str) -> JSON:
        gaps = []
        for number, line in _lines(text):
            try:
                _text, parsed = parse_cloze(line.strip())
            except ValueError as exc:
                raise QuestionDataError(f"Line {number}: {exc}.") from None
            if len(parsed) != 1 or _text != "{#1}":
                raise QuestionDataError(f"Line {number}: write one gap per line, such as {{1:SHORTANSWER:=answer}}.")
            gaps.extend(parsed)
        if not gaps:
            raise QuestionDataError("Give at least one gap, such as {1:SHORTANSWER:=answer}.")
        return cls.gap_data(gaps)

    @classmethod
    def lines_from_data(cls, data: JSON) -> str:
        return "\n".join(gap_markup(g) for g in cls.gap_objects(data))

    @classmethod
    def check_text(cls, text: str, data: JSON) -> None:
        if problem := placeholder_problem(text, len(data.get("gaps", []))):
            raise QuestionDataError(f"In the question text, {problem}.")

    @classmethod
    def data_from_imported(cls, q: ImportedQuestion) -> JSON:
        return cls.gap_data(q.cloze)

    @classmethod
    def imported_fields(cls, data: JSON) -> JSON:
        return {"cloze": cls.gap_objects(data)}


def ordered_kinds() -> list[tuple[str, str]]:
    return [(key, cls.label) for key, cls in REGISTRY.items()]
