"""Moodle GIFT format: parse_gift() and export_gift().

Follows Moodle's qformat_gift (question/format/gift/format.php):

* questions are separated by blank lines; lines are trimmed; a line starting
  with ``//`` is a comment; ``$CATEGORY: path`` sets the category of the
  questions that follow;
* ``::title::``, a leading ``[markdown]``/``[html]``/``[plain]``/``[moodle]``
  format marker, escapes ``\\~ \\= \\# \\{ \\} \\: \\\\`` and ``\\n``;
* the answer block ``{...}`` decides the kind, in Moodle's order: no block =
  description, ``{}`` = essay, ``{#...}`` = numeric, any ``~`` = multiple
  choice (single choice if it has an ``=``, else multiple response), ``=`` and
  ``->`` = matching, ``{T}``/``{TRUE}``/``{F}``/``{FALSE}`` = true/false,
  anything else = short answer;
* text after the block makes it a "missing word" question: the block is
  replaced by ``_____``; ``####`` starts the general feedback.

Deliberately stricter than Moodle (it would import these silently wrong):
a second ``{``/``}`` in a question, text before the first ``=``/``~`` of a
multiple choice block, malformed ``%weight%``, non-numeric numeric answers,
and an unknown lowercase ``[marker]`` at the start of the question text all
raise FormatError.

Moodle's ``// [id:...]`` and ``// [tag:...]`` comments set the idnumber and tags
(a backslash escapes a closing bracket inside them); export_gift writes them back.

Extension: a comment line ``// points: 2.5`` inside a question block sets its
points (Moodle ignores it as a comment); export_gift writes it when the points
differ from the default, so points survive a round trip.
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from .model import (
    NUMBER,
    AcceptedAnswer,
    Choice,
    FormatError,
    ImportedQuestion,
    MatchPair,
    NumericAnswer,
    default_name,
    default_points,
    format_number,
    format_percent,
    grade_problem,
    normalize_category,
    snap_fraction,
    validate,
)

# Escaped special characters are swapped for private-use placeholders while
# the structure is parsed, then restored (Moodle uses "&&058;" and the like).
_SPECIAL = ":#={}~"
_HIDE = {c: chr(0xE000 + i) for i, c in enumerate(_SPECIAL)}
_SHOW = str.maketrans({v: k for k, v in _HIDE.items()})
_ESCAPE = re.compile(r"\\([\\:#={}~n])")

_FORMATS = {"markdown": "markdown", "html": "html", "plain": "plain", "moodle": "markdown"}
_MARKER = re.compile(r"^\[([a-z]+)\]")
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d*)?)%")
_BAD_WEIGHT = re.compile(r"^%[^%\s]{0,12}%")
_POINTS = re.compile(r"^//\s*points:\s*(\S+)\s*$", re.IGNORECASE)
_ID_TAG = re.compile(r"\[(id|tag):((?:\\.|[^\]\\])+)\]")
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}
BLANK = "_____"


# --------------------------------------------------------------------------- parsing


def parse_gift(text: str, refused: list[FormatError] | None = None) -> list[ImportedQuestion]:
    """Parse a whole GIFT file; return every question or raise FormatError.  With a
    `refused` list, a question that cannot be imported is added to it and left out."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    for number, line in enumerate(lines, 1):
        if any(ch in line for ch in _HIDE.values()):
            raise FormatError("unsupported private-use character in the file", number)
    questions: list[ImportedQuestion] = []
    category: str | None = None
    for block, indented in _blocks(lines):
        points = None
        body: list[tuple[int, str]] = []
        extra: dict[str, Any] = {"tags": [], "idnumber": ""}
        for number, line in block:
            if line.startswith("//"):
                m = _POINTS.match(line)
                if m and NUMBER.match(m.group(1)):
                    points = float(m.group(1))
                for what, value in _ID_TAG.findall(line):
                    value = re.sub(r"\\(.)", r"\1", value).strip()
                    if what == "id":
                        extra["idnumber"] = value
                    elif value not in extra["tags"]:
                        extra["tags"].append(value)
            elif not body and line.startswith("$CATEGORY:"):
                category = normalize_category(line[len("$CATEGORY:"):])
            else:
                body.append((number, line))
        if body:
            raw = "\n".join(line for _, line in body)
            try:
                q = _parse_question(raw, body[0][0], category, points)
            except FormatError as exc:
                if refused is None:
                    raise
                refused.append(exc)
                continue
            if indented and "<pre" in raw.lower():
                q.notes.append("indentation inside <pre> was not kept (GIFT lines are trimmed, as in Moodle)")
            questions.append(replace(q, **extra) if extra["tags"] or extra["idnumber"] else q)
    return questions


def _blocks(lines: list[str]):
    """(block of (line number, trimmed line), whether a line lost leading white space)."""
    block: list[tuple[int, str]] = []
    indented = False
    for number, line in enumerate(lines, 1):
        indented = indented or (line[:1].isspace() and bool(line.strip()))
        line = line.strip()
        if line:
            block.append((number, line))
        elif block:
            yield block, indented
            block, indented = [], False
    if block:
        yield block, indented


def _hide_escapes(raw: str) -> str:
    def swap(m: re.Match) -> str:
        c = m.group(1)
        return "\\" if c == "\\" else "\n" if c == "n" else _HIDE[c]

    return _ESCAPE.sub(swap, raw)


def _clean(raw: str) -> str:
    return raw.translate(_SHOW).strip()


def _split_format(raw: str, default: str, strict: bool = False) -> tuple[str, str]:
    """Strip a leading [format] marker; return (rest, format)."""
    m = _MARKER.match(raw)
    if not m:
        return raw, default
    if m.group(1) in _FORMATS:
        return raw[m.end():], _FORMATS[m.group(1)]
    if strict:
        raise ValueError(
            f"unknown format marker [{m.group(1)}]; use [markdown], [html], [plain] "
            "or [moodle] (put one first if the text really starts with brackets)"
        )
    return raw, default


def _text(raw: str, fmt: str) -> str:
    """An answer/feedback text: known marker dropped (our model has one format)."""
    return _clean(_split_format(raw.strip(), fmt)[0])


def _parse_question(raw: str, line: int, category: str | None, points: float | None) -> ImportedQuestion:
    raw = _hide_escapes(raw)
    name = None
    if raw.startswith("::"):
        end = raw.find("::", 2)
        if end < 0:
            raise FormatError("the title is not closed with '::'", line)
        name = _clean(raw[2:end]) or None
        raw = raw[end + 2:].strip()
    try:
        q = _build(raw, name, line, category, points)
    except FormatError:
        raise
    except ValueError as exc:  # our own messages about this question
        raise FormatError(str(exc), line, name) from None
    validate(q)
    return q


def _build(raw: str, name: str | None, line: int, category: str | None, points: float | None) -> ImportedQuestion:
    start, end = raw.find("{"), raw.find("}")
    if start < 0 and end < 0:
        kind, answer, qtext, gf = "description", "", raw, ""
    else:
        if start < 0:
            raise ValueError("'}' without '{' (escape a literal brace as \\})")
        if end < 0:
            raise ValueError("'{' is never closed with '}'")
        if end < start:
            raise ValueError("'}' comes before '{'")
        if raw.count("{") > 1 or raw.count("}") > 1:
            raise ValueError("more than one answer block (escape literal braces as \\{ \\})")
        answer = raw[start + 1:end].strip()
        after = raw[end + 1:]
        qtext = raw[:start] + (BLANK + after if after else "")
        gf = ""
        cut = answer.rfind("####")
        if cut >= 0:
            answer, gf = answer[:cut].strip(), answer[cut + 4:]
        kind = _kind(answer)

    qtext, fmt = _split_format(qtext.strip(), "markdown", strict=True)
    text = _clean(qtext)
    fields: dict[str, Any] = dict(
        kind=kind,
        name=name or default_name(text),
        text=text,
        text_format=fmt,
        points=default_points(kind) if points is None else points,
        general_feedback=_text(gf, fmt),
        category=category,
        source_line=line,
    )
    if kind in ("single_choice", "multiple_response"):
        fields["choices"] = _choices(answer, fmt)
    elif kind == "true_false":
        fields["choices"] = _true_false(answer, fmt)
    elif kind == "short_answer":
        fields["accepted_answers"] = _short_answers(answer, fmt)
    elif kind == "numeric":
        fields["numeric_answers"] = _numeric_answers(answer[1:], fmt)
    elif kind == "matching":
        fields["pairs"] = _pairs(answer, fmt)
    return ImportedQuestion(**fields)


def _kind(answer: str) -> str:
    if answer == "":
        return "essay"
    if answer.startswith("#"):
        return "numeric"
    if "~" in answer:
        return "single_choice" if "=" in answer else "multiple_response"
    if "=" in answer and "->" in answer:
        return "matching"
    if answer.split("#", 1)[0].strip() in _TRUE_FALSE:
        return "true_false"
    return "short_answer"


def _weight(body: str, default: float) -> tuple[float, str]:
    m = _WEIGHT.match(body)
    if not m:
        bad = _BAD_WEIGHT.match(body)
        if bad:
            raise ValueError(f"bad answer weight {_clean(bad.group(0))!r}")
        return default, body
    fraction = snap_fraction(float(m.group(1)) / 100)
    if fraction is None:
        raise ValueError(grade_problem(float(m.group(1)) / 100))
    return fraction, body[m.end():]


def _split_answers(answer: str, marks: str) -> list[str]:
    """Split on unescaped marks, keeping each mark; text before the first is an error."""
    parts = re.split(f"(?=[{marks}])", answer)
    if parts[0].strip():
        raise ValueError(f"answer {_clean(parts[0])!r} does not start with {' or '.join(marks)}")
    return [p.strip() for p in parts[1:]]


def _choices(answer: str, fmt: str) -> list[Choice]:
    choices = []
    for part in _split_answers(answer, "=~"):
        fraction, body = _weight(part[1:].strip(), 1.0 if part[0] == "=" else 0.0)
        text, _, feedback = body.partition("#")
        choice = Choice(_text(text, fmt), fraction, _text(feedback, fmt))
        if not choice.text:
            raise ValueError("empty answer")
        choices.append(choice)
    if len(choices) < 2:
        raise ValueError("a multiple choice question needs at least 2 answers")
    return choices


def _true_false(answer: str, fmt: str) -> list[Choice]:
    bits = answer.split("#", 2) + ["", ""]
    correct_is_true = _TRUE_FALSE[bits[0].strip()]
    wrong, right = _text(bits[1], fmt), _text(bits[2], fmt)
    return [
        Choice("True", 1.0 if correct_is_true else 0.0, right if correct_is_true else wrong),
        Choice("False", 0.0 if correct_is_true else 1.0, wrong if correct_is_true else right),
    ]


def _equals_parts(answer: str) -> list[str]:
    parts = answer.split("=")
    if not parts[0].strip():
        parts = parts[1:]
    return [p.strip() for p in parts]


def _short_answers(answer: str, fmt: str) -> list[AcceptedAnswer]:
    accepted = []
    for part in _equals_parts(answer):
        fraction, body = _weight(part, 1.0)
        text, _, feedback = body.partition("#")
        item = AcceptedAnswer(_text(text, fmt), fraction, _text(feedback, fmt))
        if not item.text:
            raise ValueError("empty answer")
        accepted.append(item)
    if not accepted:
        raise ValueError("a short answer question needs at least 1 answer")
    return accepted


def _number(raw: str) -> float:
    raw = raw.strip()
    if not NUMBER.match(raw):
        raise ValueError(f"bad number {_clean(raw)!r}")
    return float(raw)


def _numeric_answers(body: str, fmt: str) -> list[NumericAnswer]:
    body, tilde, wrong = body.partition("~")
    answers = []
    for part in _equals_parts(body):
        fraction, rest = _weight(part, 1.0)
        spec, _, feedback = rest.partition("#")
        spec = _clean(spec)
        if spec == "*":
            value, tolerance = None, 0.0
        elif spec.find("..") > 0:
            low, high = (_number(x) for x in spec.split("..", 1))
            if low > high:
                raise ValueError(f"range {spec!r} has its minimum above its maximum")
            # Tidy float noise: 3.141..3.142 -> 3.1415 +- 0.0005, not 3.1414999999999997.
            value, tolerance = float(f"{(low + high) / 2:.12g}"), float(f"{(high - low) / 2:.12g}")
        elif spec.find(":") > 0:
            value_raw, tol_raw = spec.split(":", 1)
            value, tolerance = _number(value_raw), _number(tol_raw)
            if tolerance < 0:
                raise ValueError(f"negative tolerance in {spec!r}")
        else:
            value, tolerance = _number(spec), 0.0
        answers.append(NumericAnswer(value, tolerance, fraction, _text(feedback, fmt)))
    if not answers:
        raise ValueError("a numeric question needs at least 1 answer")
    if tilde:
        lead, _, feedback = wrong.partition("#")
        if lead.strip():
            raise ValueError("after '~' a numeric question only takes '#feedback for any other answer'")
        answers.append(NumericAnswer(None, 0.0, 0.0, _text(feedback, fmt)))
    return answers


def _pairs(answer: str, fmt: str) -> list[MatchPair]:
    pairs = []
    for part in _equals_parts(answer):
        if "->" not in part:
            raise ValueError(f"matching item {_clean(part)!r} has no '->'")
        prompt, _, target = part.partition("->")
        pairs.append(MatchPair(_text(prompt, fmt), _clean(target)))
    return pairs


# --------------------------------------------------------------------------- export


def export_gift(questions: list[ImportedQuestion], problems: list[FormatError] | None = None) -> str:
    """Write questions as GIFT.  A question GIFT cannot hold raises FormatError, or, given a
    `problems` list, is added to it and left out; what GIFT drops from a question it does
    write (case sensitivity, units, images) is added to `problems` too."""
    chunks = []
    category = None
    for q in questions:
        try:
            validate(q)
            if q.category is not None and ("\n" in q.category or "\r" in q.category):
                raise ValueError("category path contains a line break")
            chunk = _write_question(q)
        except ValueError as exc:
            error = exc if isinstance(exc, FormatError) else FormatError(str(exc), question=q.name)
            if problems is None:
                raise error from None
            problems.append(error)
            continue
        if problems is not None:
            problems.extend(FormatError(f"exported without {loss}", question=q.name) for loss in _losses(q))
        if q.category != category:
            chunks.append(f"$CATEGORY: {q.category if q.category is not None else '$course$/top'}\n")
            category = q.category
        chunks.append(chunk)
    return "\n".join(chunks)


def _losses(q: ImportedQuestion) -> list[str]:
    """What a GIFT export of q cannot carry."""
    losses = []
    if q.case_sensitive:
        losses.append("case sensitivity (GIFT short answers ignore case)")
    if q.units:
        losses.append("its units (GIFT has no units)")
    if q.images:
        losses.append(f"its image(s) {', '.join(sorted(q.images))} (GIFT cannot embed files)")
    return losses


def _id_tags(q: ImportedQuestion) -> str:
    def esc(value: str) -> str:
        return value.replace("\\", "\\\\").replace("]", "\\]").replace("\n", " ")

    marks = ([f"[id:{esc(q.idnumber)}]"] if q.idnumber else []) + [f"[tag:{esc(t)}]" for t in q.tags]
    return f"// {' '.join(marks)}\n" if marks else ""


def escape(text: str) -> str:
    """Escape GIFT special characters (and line breaks) in a text."""
    text = text.replace("\\", "\\\\").replace("\r\n", "\n").replace("\r", "\n")
    for c in _SPECIAL:
        text = text.replace(c, "\\" + c)
    return text.replace("\n", "\\n")


def _answer_text(text: str, fmt: str) -> str:
    """Escape an answer/feedback; repeat the format marker if text starts with one."""
    out = escape(text)
    marker = _MARKER.match(out)
    return f"[{fmt}]{out}" if marker and marker.group(1) in _FORMATS else out


def _weighted(mark: str, fraction: float, text: str, default: float) -> str:
    """mark + optional %weight% + text; the weight is forced if text starts with %."""
    fraction = snap_fraction(fraction) or 0.0  # never write a weight Moodle would refuse
    if fraction != default or text.startswith("%"):
        return f"{mark}%{format_percent(fraction)}%{text}"
    return mark + text


def _feedback(text: str, fmt: str) -> str:
    return "#" + _answer_text(text, fmt) if text else ""


def _write_question(q: ImportedQuestion) -> str:
    fmt = q.text_format
    head = ""
    if q.points != default_points(q.kind):
        head += f"// points: {format_number(q.points)}\n"
    head += _id_tags(q)
    head += f"::{escape(q.name)}::[{fmt}]"
    text = escape(q.text)
    if q.kind == "cloze":
        raise ValueError("GIFT cannot hold cloze (embedded answers) questions: export them as Moodle XML")
    if q.kind == "description":
        if q.general_feedback:
            raise ValueError("GIFT cannot hold general feedback on a description item")
        return head + text + "\n"
    block = _block(q, fmt)
    at = text.find(BLANK)
    if text.count(BLANK) == 1 and text[at + len(BLANK):].strip():
        return head + text[:at] + block + text[at + len(BLANK):] + "\n"
    return head + text + block + "\n"


def _block(q: ImportedQuestion, fmt: str) -> str:
    gf = "####" + _answer_text(q.general_feedback, fmt) if q.general_feedback else ""
    if q.kind == "essay":
        return "{" + gf + "}"
    if q.kind == "true_false":
        true, false = q.choices
        right, wrong = (true, false) if true.fraction == 1 else (false, true)
        out = "{" + ("TRUE" if right is true else "FALSE")
        if wrong.feedback or right.feedback:
            out += "#" + _answer_text(wrong.feedback, fmt)
        if right.feedback:
            out += "#" + _answer_text(right.feedback, fmt)
        return out + gf + "}"
    lines = _answer_lines(q, fmt)
    if gf:
        lines.append(gf)
    opener = "{#" if q.kind == "numeric" else "{"
    return opener + "\n" + "".join(f"\t{line}\n" for line in lines) + "}"


def _answer_lines(q: ImportedQuestion, fmt: str) -> list[str]:
    if q.kind == "single_choice":
        lines: list[str] = []
        has_tilde = any(c.fraction != 1 for c in q.choices)
        for c in q.choices:
            text = _answer_text(c.text, fmt)
            if c.fraction == 1 and (has_tilde or not lines):
                lines.append(_weighted("=", 1.0, text, 1.0) + _feedback(c.feedback, fmt))
            else:
                lines.append(_weighted("~", c.fraction, text, 0.0) + _feedback(c.feedback, fmt))
        return lines
    if q.kind == "multiple_response":
        return [
            _weighted("~", c.fraction, _answer_text(c.text, fmt), 0.0) + _feedback(c.feedback, fmt)
            for c in q.choices
        ]
    if q.kind == "short_answer":
        lines = [
            _weighted("=", a.fraction, _answer_text(a.text, fmt), 1.0) + _feedback(a.feedback, fmt)
            for a in q.accepted_answers
        ]
        if any("->" in line for line in lines) or "->" in q.general_feedback:
            raise ValueError("GIFT cannot hold '->' in a short answer question (it would read as matching)")
        return lines
    if q.kind == "numeric":
        return _numeric_lines(q, fmt)
    if q.kind == "matching":
        lines = []
        for p in q.pairs:
            if "->" in p.prompt:
                raise ValueError(f"GIFT cannot hold '->' in a matching prompt ({p.prompt!r})")
            prompt = _answer_text(p.prompt, fmt)
            lines.append(f"={prompt} -> {escape(p.answer)}" if prompt else f"= -> {escape(p.answer)}")
        return lines
    raise ValueError(f"cannot export kind {q.kind!r}")


def _numeric_lines(q: ImportedQuestion, fmt: str) -> list[str]:
    lines = []
    last = len(q.numeric_answers) - 1
    for i, a in enumerate(q.numeric_answers):
        if a.value is None:
            if i == last and a.fraction == 0:
                lines.append("~#" + _answer_text(a.feedback, fmt))
                continue
            spec = "*"
        else:
            spec = format_number(a.value)
            if a.tolerance:
                spec += ":" + format_number(a.tolerance)
        lines.append(_weighted("=", a.fraction, spec, 1.0) + _feedback(a.feedback, fmt))
    return lines
