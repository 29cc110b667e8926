"""Moodle's embedded answers (Cloze, qtype multianswer): parse_cloze() and cloze_markup().

A gap is written ``{weight:TYPE:answers}`` inside the question text, as Moodle documents it:

* weight: a whole number, the gap's share of the question's marks (default 1);
* TYPE: SHORTANSWER/SA/MW, SHORTANSWER_C/SAC/MWC (case-sensitive), NUMERICAL/NM,
  MULTICHOICE/MC (drop-down), MULTICHOICE_V/MCV (vertical), MULTICHOICE_H/MCH (horizontal),
  MULTICHOICE_S/MCS, MULTICHOICE_VS/MCVS, MULTICHOICE_HS/MCHS (shuffled), MULTIRESPONSE/MR,
  MULTIRESPONSE_H/MRH, MULTIRESPONSE_S/MRS, MULTIRESPONSE_HS/MRHS (check boxes);
* answers separated by ``~``: ``=`` marks a 100% answer, ``%50%`` another weight, none means 0%;
  ``#text`` after an answer is its feedback; numerical answers are ``value``, ``value:tolerance``
  or ``min..max``; ``\\}``, ``\\#``, ``\\~``, ``\\/`` and ``\\\\`` escape those characters.

The parsed text keeps a placeholder ``{#n}`` where gap n was, like Moodle's stored question text.
The question's points are the sum of the gap weights, as in Moodle.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from .model import NUMBER, format_number, format_percent, grade_problem, snap_fraction

# Canonical short code for every spelling Moodle accepts.
CODES = {
    "SHORTANSWER": "SA", "SA": "SA", "MW": "SA",
    "SHORTANSWER_C": "SAC", "SAC": "SAC", "MWC": "SAC",
    "NUMERICAL": "NM", "NM": "NM",
    "MULTICHOICE": "MC", "MC": "MC", "MULTICHOICE_V": "MCV", "MCV": "MCV", "MULTICHOICE_H": "MCH", "MCH": "MCH",
    "MULTICHOICE_S": "MCS", "MCS": "MCS", "MULTICHOICE_VS": "MCVS", "MCVS": "MCVS",
    "MULTICHOICE_HS": "MCHS", "MCHS": "MCHS",
    "MULTIRESPONSE": "MR", "MR": "MR", "MULTIRESPONSE_H": "MRH", "MRH": "MRH",
    "MULTIRESPONSE_S": "MRS", "MRS": "MRS", "MULTIRESPONSE_HS": "MRHS", "MRHS": "MRHS",
}
_START = re.compile(r"\{(\d*):(" + "|".join(sorted(CODES, key=len, reverse=True)) + r"):")
PLACEHOLDER = re.compile(r"\{#(\d+)\}")
_WEIGHT = re.compile(r"^%(-?\d+(?:[.,]\d*)?)%")
_ESCAPABLE = "}#~/\\"


@dataclass(frozen=True)
class ClozeAnswer:
    text: str
    fraction: float = 0.0
    feedback: str = ""
    tolerance: float = 0.0  # numerical gaps


@dataclass(frozen=True)
class ClozeGap:
    code: str  # canonical: SA, SAC, NM, MC, MCV, MCH, MCS, MCVS, MCHS, MR, MRH, MRS, MRHS
    weight: int = 1
    answers: list[ClozeAnswer] = field(default_factory=list)

    @property
    def kind(self) -> str:
        if self.code.startswith("SA"):
            return "short_answer"
        if self.code == "NM":
            return "numeric"
        return "multiple_response" if self.code.startswith("MR") else "single_choice"

    @property
    def shuffled(self) -> bool:
        return self.code in ("MCS", "MCVS", "MCHS", "MRS", "MRHS")

    @property
    def display(self) -> str:
        """How a choice gap is shown: "select" (drop-down), "vertical" or "horizontal"."""
        if self.code in ("MC", "MCS"):
            return "select"
        return "horizontal" if self.code in ("MCH", "MCHS", "MRH", "MRHS") else "vertical"


def _split_unescaped(body: str, mark: str) -> list[str]:
    parts, current, i = [], "", 0
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body):
            current += body[i:i + 2]
            i += 2
            continue
        if body[i] == mark:
            parts.append(current)
            current = ""
        else:
            current += body[i]
        i += 1
    return parts + [current]


def _unescape(text: str) -> str:
    return re.sub(r"\\([" + re.escape(_ESCAPABLE) + "])", r"\1", text).strip()


def _escape(text: str) -> str:
    return "".join("\\" + c if c in _ESCAPABLE else c for c in text)


def _gap_end(text: str, start: int) -> int:
    """Index of the unescaped '}' closing the gap whose body starts at `start`."""
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == "}":
            return i
        i += 1
    raise ValueError("an embedded answer is not closed with '}'")


def _finite(raw: str) -> bool:
    return bool(NUMBER.match(raw.strip())) and math.isfinite(float(raw))


def _answer(raw: str, code: str) -> ClozeAnswer:
    raw = raw.strip()
    fraction = 0.0
    if raw.startswith("="):
        fraction, raw = 1.0, raw[1:]
    elif m := _WEIGHT.match(raw):
        value = float(m.group(1).replace(",", ".")) / 100
        snapped = snap_fraction(value)
        if snapped is None:
            raise ValueError(grade_problem(value))
        fraction, raw = snapped, raw[m.end():]
    text_raw, *feedback = _split_unescaped(raw, "#")
    text, fb = _unescape(text_raw), _unescape("#".join(feedback))
    if not text:
        raise ValueError("an embedded answer is empty")
    if code != "NM" or text == "*":
        return ClozeAnswer(text, fraction, fb)
    spec = text.replace(",", ".") if text.count(",") == 1 and "." not in text else text
    if ".." in spec:
        low, high = (s.strip() for s in spec.split("..", 1))
        if not (_finite(low) and _finite(high)) or float(low) > float(high):
            raise ValueError(f"bad numerical range {text!r}")
        mid, tol = (float(low) + float(high)) / 2, (float(high) - float(low)) / 2
        if not (math.isfinite(mid) and math.isfinite(tol)):
            raise ValueError(f"bad numerical range {text!r}")
        return ClozeAnswer(format_number(float(f"{mid:.12g}")), fraction, fb, float(f"{tol:.12g}"))
    number, _, tolerance = spec.partition(":")
    if not _finite(number) or (tolerance and not _finite(tolerance)):
        raise ValueError(f"bad numerical answer {text!r}")
    return ClozeAnswer(format_number(float(number)), fraction, fb, abs(float(tolerance)) if tolerance else 0.0)


def parse_gap(code_word: str, weight: str, body: str) -> ClozeGap:
    code = CODES[code_word]
    answers = [_answer(part, code) for part in _split_unescaped(body, "~")]
    if weight and (len(weight) > 4 or int(weight) > 1000):
        raise ValueError(f"gap weight {weight} is above 1000")
    gap = ClozeGap(code, int(weight) if weight else 1, answers)
    if problem := gap_problem(gap):
        raise ValueError(problem)
    return gap


def parse_cloze(text: str) -> tuple[str, list[ClozeGap]]:
    """The text with ``{#n}`` placeholders, and its gaps; ValueError when a gap is malformed."""
    out, gaps, pos = [], [], 0
    for m in _START.finditer(text):
        if m.start() < pos:
            continue
        end = _gap_end(text, m.end())
        try:
            gaps.append(parse_gap(m.group(2), m.group(1), text[m.end():end]))
        except ValueError as exc:
            raise ValueError(f"embedded answer {len(gaps) + 1}: {exc}") from None
        out.append(text[pos:m.start()] + "{#" + str(len(gaps)) + "}")
        pos = end + 1
    if not gaps:
        raise ValueError("a cloze question needs at least one embedded answer such as {1:SHORTANSWER:=answer}")
    return "".join(out) + text[pos:], gaps


def gap_problem(gap: ClozeGap) -> str | None:
    if gap.code not in set(CODES.values()):
        return f"unknown embedded answer type {gap.code!r}"
    if not 0 <= gap.weight <= 1000:
        return "a gap weight must be from 0 to 1000"
    if not gap.answers:
        return "an embedded answer needs at least one answer"
    for a in gap.answers:
        if problem := grade_problem(a.fraction):
            return problem
        if not a.text.strip():
            return "an embedded answer is empty"
    fractions = [a.fraction for a in gap.answers]
    if gap.kind == "multiple_response":
        total = round(sum(f for f in fractions if f > 0), 2)
        if total != 1:
            return f"the positive answer weights add up to {total * 100:g}%, not 100%"
    elif max(fractions) != 1:
        return "no answer is fully correct (mark one with '=' or %100%)"
    if gap.kind in ("single_choice", "multiple_response") and len(gap.answers) < 2:
        return "a multiple choice gap needs at least 2 answers"
    return None


def gap_markup(gap: ClozeGap) -> str:
    """Moodle's syntax for one gap."""
    parts = []
    for a in gap.answers:
        text = a.text if gap.code == "NM" else _escape(a.text)
        if gap.code == "NM" and a.tolerance:
            text += ":" + format_number(a.tolerance)
        mark = "=" if a.fraction == 1 else f"%{format_percent(a.fraction)}%" if a.fraction else ""
        parts.append(mark + text + ("#" + _escape(a.feedback) if a.feedback else ""))
    return "{" + f"{gap.weight}:{gap.code}:" + "~".join(parts) + "}"


def cloze_markup(text: str, gaps: list[ClozeGap]) -> str:
    """The text with each ``{#n}`` replaced by gap n's Moodle syntax."""
    def swap(m: re.Match[str]) -> str:
        n = int(m.group(1))
        if not 1 <= n <= len(gaps):
            raise ValueError(f"the text names gap {n}, which does not exist")
        return gap_markup(gaps[n - 1])

    return PLACEHOLDER.sub(swap, text)


def placeholder_problem(text: str, count: int) -> str | None:
    """Each gap 1..count must appear exactly once in the text."""
    found = [int(n) for n in PLACEHOLDER.findall(text)]
    if sorted(found) != list(range(1, count + 1)):
        return f"the text must hold the gaps {{#1}} to {{#{count}}} once each"
    return None
