"""Moodle XML format: parse_moodle_xml() and export_moodle_xml().

Follows Moodle's qformat_xml (question/format/xml/format.php) for the types
multichoice, truefalse, shortanswer, numerical, matching (or "match"), cloze
(embedded answers, see cloze.py), essay and description, plus the
pseudo-question ``type="category"``.  Any other type (calculated*, ddwtos,
gapselect, ...) is refused with FormatError naming the question (or, given a
`refused` list, listed there): nothing is dropped silently.

Untrusted input: the file is parsed with expat directly and any DOCTYPE (and so
any ENTITY declaration) is refused before it is read, which rules out entity
expansion ("billion laughs") and external entities.  Undefined entities such
as ``&nbsp;`` are XML errors, exactly as in Moodle.

Kept: short answer case sensitivity (usecase), numerical units with their
grading type and penalty, tags and idnumber.  Not kept, and listed in each
question's ``notes`` when the file sets them to anything but the default:
penalty, hidden, hints, combined feedback, shuffle/numbering options,
per-answer formats other than the question's, unit display options, essay
response options, grader information and category descriptions.
"""
from __future__ import annotations

import base64
import binascii
import re

# ElementTree only builds/serialises trees here; parsing goes through expat with
# DTDs refused (see _read_tree), so the entity attacks bandit warns of cannot occur.
import xml.etree.ElementTree as ET  # nosec B405
from urllib.parse import quote
from xml.parsers import expat

from .cloze import cloze_markup, parse_cloze
from .model import (
    NUMBER,
    AcceptedAnswer,
    Choice,
    FormatError,
    ImportedQuestion,
    MatchPair,
    NumericAnswer,
    Unit,
    default_name,
    format_number,
    format_percent,
    grade_problem,
    normalize_category,
    snap_fraction,
    validate,
)

_FORMAT_IN = {
    "html": "html",
    "moodle_auto_format": "markdown",
    "markdown": "markdown",
    "plain_text": "plain",
    "wiki_like": "plain",
}
_FORMAT_OUT = {"html": "html", "markdown": "markdown", "plain": "plain_text"}
_QTYPE_OUT = {
    "cloze": "cloze",
    "single_choice": "multichoice",
    "multiple_response": "multichoice",
    "true_false": "truefalse",
    "short_answer": "shortanswer",
    "numeric": "numerical",
    "matching": "matching",
    "essay": "essay",
    "description": "description",
}
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
PLUGINFILE = "@@PLUGINFILE@@/"


# --------------------------------------------------------------------------- parsing


def parse_moodle_xml(data: bytes | str, refused: list[FormatError] | None = None) -> list[ImportedQuestion]:
    """Parse a Moodle XML <quiz>; return every question or raise FormatError.
    With a `refused` list, a question that cannot be imported is added to it and left
    out instead (errors in the file as a whole still raise)."""
    root, lines = _read_tree(data)
    if root.tag != "quiz":
        raise FormatError(f"expected a <quiz> document, found <{root.tag}>", lines.get(root))
    questions: list[ImportedQuestion] = []
    category: str | None = None
    category_note = ""
    for el in root.findall("question"):
        line = lines.get(el)
        qtype = (el.get("type") or "").strip()
        name = None
        try:
            if qtype == "category":
                category = normalize_category(_text(el, "category"))
                info = _text(el, "info")
                category_note = f"the description of category {category or 'top'!r} was not kept" if info else ""
                continue
            name = _text(el, "name") or None
            reader = _READERS.get(qtype)
            if reader is None:
                raise ValueError(f"unsupported question type {qtype!r}")
            q = _read_question(el, reader, name, category, line)
            if category_note:
                q.notes.insert(0, category_note)
                category_note = ""
            validate(q)
        except ValueError as exc:
            error = exc if isinstance(exc, FormatError) else FormatError(str(exc), line, name)
            if refused is None:
                raise error from None
            refused.append(error)
            continue
        questions.append(q)
    return questions


def _read_tree(data: bytes | str):
    """Build an ElementTree with expat, refusing DTDs; remember start lines."""
    parser = expat.ParserCreate()
    builder = ET.TreeBuilder()
    lines: dict[ET.Element, int] = {}

    def refuse(*_args):
        raise FormatError("DOCTYPE/ENTITY declarations are not allowed", parser.CurrentLineNumber)

    def start(tag, attrs):
        lines[builder.start(tag, attrs)] = parser.CurrentLineNumber

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(data, True)
    except FormatError:
        raise
    except expat.ExpatError as exc:
        raise FormatError(f"malformed XML: {expat.ErrorString(exc.code)}", exc.lineno) from None
    except (LookupError, ValueError) as exc:  # unknown or unsupported declared encoding
        raise FormatError(f"unreadable XML: {exc}", parser.CurrentLineNumber) from None
    return builder.close(), lines


def _leaf(parent: ET.Element, tag: str = "text") -> str:
    """Trimmed content of <tag>; '' if absent.  Raw markup inside is an error:
    it would otherwise be silently cut off (HTML must be escaped or CDATA)."""
    el = parent.find(tag)
    if el is None:
        return ""
    if len(el):
        raise ValueError(f"<{tag}> contains an unescaped <{el[0].tag}> element; put HTML in CDATA")
    return (el.text or "").strip()


def _text(el: ET.Element, tag: str) -> str:
    """<tag><text>value</text></tag> (or the old <tag>value</tag>); '' if absent."""
    child = el.find(tag)
    if child is None:
        return ""
    if child.find("text") is not None:
        return _leaf(child)
    return "" if len(child) else (child.text or "").strip()


def _number(raw: str | None, what: str, default: float) -> float:
    raw = (raw or "").strip()
    if not raw:
        return default
    if not NUMBER.match(raw):
        raise ValueError(f"bad {what} {raw!r}")
    return float(raw)


def _fraction(answer: ET.Element) -> float:
    raw = _number(answer.get("fraction"), "fraction", 0.0) / 100
    fraction = snap_fraction(raw)
    if fraction is None:
        raise ValueError(grade_problem(raw))
    return fraction


def _images(el: ET.Element) -> dict[str, bytes]:
    images: dict[str, bytes] = {}
    for f in el.iter("file"):
        name = (f.get("name") or "").strip()
        folder = (f.get("path") or "/").strip().strip("/")
        key = f"{folder}/{name}" if folder else name
        if any(part in ("", ".", "..") for part in key.split("/")) or "\\" in key:
            raise ValueError(f"unsafe or missing file name {key!r}")
        if (f.get("encoding") or "base64") != "base64":
            raise ValueError(f"file {key!r} is not base64-encoded")
        try:
            content = base64.b64decode("".join((f.text or "").split()), validate=True)
        except binascii.Error:
            raise ValueError(f"file {key!r} is not valid base64") from None
        if images.get(key, content) != content:
            raise ValueError(f"two different files are named {key!r}")
        images[key] = content
    return images


def _legacy_image(el: ET.Element) -> tuple[str, bytes] | None:
    raw = "".join((el.findtext("image_base64") or "").split())
    if not raw:
        return None
    name = (el.findtext("image") or "").strip().replace("\\", "/").rsplit("/", 1)[-1] or "image"
    if name in (".", ".."):
        raise ValueError(f"unsafe image name {name!r}")
    try:
        return name, base64.b64decode(raw, validate=True)
    except binascii.Error:
        raise ValueError("<image_base64> is not valid base64") from None


def _read_question(el, reader, name, category, line) -> ImportedQuestion:
    qt = el.find("questiontext")
    fmt_name = (qt.get("format") if qt is not None else None) or "html"
    text = _text(el, "questiontext")
    kind, answers = reader(el)
    images = _images(el)
    if legacy := _legacy_image(el):  # Moodle 1.x: <image> + <image_base64>, shown after the text
        images.setdefault(*legacy)
        text += f' <img src="{PLUGINFILE}{quote(legacy[0])}" alt="" />'
    if kind == "cloze":
        text, answers["cloze"] = parse_cloze(text)
    notes = _notes(el, kind, fmt_name.strip())
    tags = [t for t in (_leaf(tag) for tag in el.findall("tags/tag")) if t]
    return ImportedQuestion(
        kind=kind,
        name=name or default_name(text),
        text=text,
        text_format=_FORMAT_IN.get(fmt_name.strip(), "html"),
        points=(0.0 if kind == "description" else float(sum(g.weight for g in answers["cloze"])) if kind == "cloze"
                else _number(el.findtext("defaultgrade"), "defaultgrade", 1.0)),
        general_feedback=_text(el, "generalfeedback"),
        category=category,
        images=images,
        tags=list(dict.fromkeys(tags)),
        idnumber=(el.findtext("idnumber") or "").strip(),
        notes=notes,
        source_line=line,
        **answers,
    )


_DEFAULT_PENALTY = {"truefalse": ("1", "1.0", "1.0000000"), "essay": ("0",), "description": ("0",)}
_ESSAY_DEFAULTS = {"responseformat": "editor", "responserequired": "1", "responsefieldlines": "15", "attachments": "0",
                   "attachmentsrequired": "0"}


def _on(el: ET.Element, tag: str) -> bool:
    return (el.findtext(tag) or "").strip().lower() in ("1", "true")


def _notes(el: ET.Element, kind: str, fmt: str) -> list[str]:
    """What the question sets that the portal neither keeps nor honours."""
    notes = []
    qtype = el.get("type", "")
    penalty = (el.findtext("penalty") or "").strip()
    if penalty and _number(penalty, "penalty", 0) != _number(_DEFAULT_PENALTY.get(qtype, ("0.3333333",))[0], "", 0):
        notes.append(f"penalty for each try ({penalty}) ignored: an attempt here gives one try")
    if _on(el, "hidden"):
        notes.append("hidden in Moodle: imported as a visible question")
    hints = [h for h in el.findall("hint") if _leaf(h)]
    if hints:
        notes.append(f"{len(hints)} hint(s) ignored")
    for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
        if _text(el, tag):
            notes.append(f"combined feedback <{tag}> ignored")
    choice = kind in ("single_choice", "multiple_response")
    if (choice or kind == "matching") and (el.findtext("shuffleanswers") or "").strip().lower() in ("0", "false"):
        notes.append("'do not shuffle' ignored: the exam's shuffle setting decides")
    numbering = (el.findtext("answernumbering") or "abc").strip()
    if choice and numbering not in ("abc", "none"):
        notes.append(f"answer numbering {numbering!r} ignored")
    formats = {(a.get("format") or fmt).strip() for a in el.findall("answer")} if choice else set()
    formats |= {(f.get("format") or fmt).strip() for f in el.findall("answer/feedback")}
    if formats - {fmt, "moodle_auto_format"}:
        notes.append(f"answer or feedback formats {', '.join(sorted(formats - {fmt}))} read as the question's {fmt}")
    if kind == "numeric" and (el.findtext("showunits") or "3").strip() not in ("0", "3"):
        notes.append("unit display as a drop-down or radio buttons ignored: units are typed after the number")
    if kind == "numeric" and _on(el, "unitsleft"):
        notes.append("units before the number ignored: units are typed after the number")
    if kind == "essay":
        changed = [t for t, d in _ESSAY_DEFAULTS.items() if (el.findtext(t) or d).strip() != d]
        if changed:
            notes.append(f"essay options {', '.join(changed)} ignored: answers are typed text, no attachments")
        for tag in ("graderinfo", "responsetemplate"):
            if _text(el, tag):
                notes.append(f"<{tag}> ignored")
    return notes


def _read_multichoice(el):
    single = (el.findtext("single") or "true").strip() not in ("false", "0", "")
    choices = [Choice(_leaf(a), _fraction(a), _text(a, "feedback")) for a in el.findall("answer")]
    return ("single_choice" if single else "multiple_response"), {"choices": choices}


def _read_truefalse(el):
    found: dict[str, Choice] = {}
    answers = el.findall("answer")
    if len(answers) != 2:
        raise ValueError("a true/false question needs exactly 2 answers")
    for position, a in enumerate(answers):
        label = _leaf(a).lower()
        if label not in ("true", "false"):  # old localised files: true first
            label = "true" if position == 0 else "false"
        found[label] = Choice(label.capitalize(), _fraction(a), _text(a, "feedback"))
    if set(found) != {"true", "false"}:
        raise ValueError("a true/false question needs one 'true' and one 'false' answer")
    return "true_false", {"choices": [found["true"], found["false"]]}


def _read_shortanswer(el):
    accepted = [
        AcceptedAnswer(_leaf(a), _fraction(a), _text(a, "feedback"))
        for a in el.findall("answer")
    ]
    return "short_answer", {"accepted_answers": accepted, "case_sensitive": _on(el, "usecase")}


def _read_numerical(el):
    answers = []
    for a in el.findall("answer"):
        raw = _leaf(a)
        value = None if raw in ("", "*") else _number(raw, "number", 0.0)
        tolerance = _number(a.findtext("tolerance"), "tolerance", 0.0)
        answers.append(NumericAnswer(value, tolerance, _fraction(a), _text(a, "feedback")))
    units = [Unit((u.findtext("unit_name") or "").strip(), _number(u.findtext("multiplier"), "unit multiplier", 1.0))
             for u in el.findall("units/unit")]
    grading = (el.findtext("unitgradingtype") or "0").strip()
    if grading not in ("0", "1", "2"):
        raise ValueError(f"bad unitgradingtype {grading!r}")
    return "numeric", {"numeric_answers": answers, "units": units, "unit_grading": int(grading) if units else 0,
                       "unit_penalty": _number(el.findtext("unitpenalty"), "unitpenalty", 0.1)}


def _read_matching(el):
    pairs = []
    for sub in el.findall("subquestion"):
        prompt = _leaf(sub)
        answer = _text(sub, "answer")
        if prompt or answer:  # Moodle ignores entries that are blank on both sides
            pairs.append(MatchPair(prompt, answer))
    return "matching", {"pairs": pairs}


_READERS = {
    "multichoice": _read_multichoice,
    "truefalse": _read_truefalse,
    "shortanswer": _read_shortanswer,
    "numerical": _read_numerical,
    "matching": _read_matching,
    "match": _read_matching,
    "cloze": lambda el: ("cloze", {}),
    "essay": lambda el: ("essay", {}),
    "description": lambda el: ("description", {}),
}


# --------------------------------------------------------------------------- export


def export_moodle_xml(questions: list[ImportedQuestion], problems: list[FormatError] | None = None) -> str:
    """Write questions as a Moodle XML <quiz> (UTF-8 declaration included).  A question
    that cannot be written raises FormatError, or, given a `problems` list, is added to
    it and left out."""
    root = ET.Element("quiz")
    category = None
    for q in questions:
        try:
            validate(q)
            element = _question_element(q)
        except FormatError as exc:
            if problems is None:
                raise
            problems.append(exc)
            continue
        if q.category != category:
            root.append(_category_element(q.category))
            category = q.category
        root.append(element)
    ET.indent(root, "  ")
    body = ET.tostring(root, encoding="unicode", short_empty_elements=False)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def _category_element(path: str | None) -> ET.Element:
    el = ET.Element("question", type="category")
    _add_text(ET.SubElement(el, "category"), "$course$/top" + (f"/{path}" if path else ""))
    _add_text(ET.SubElement(el, "info", format="html"), "")
    return el


def _add_text(parent: ET.Element, value: str) -> ET.Element:
    if _XML_INVALID.search(value):
        raise ValueError("text contains characters that XML cannot hold")
    ET.SubElement(parent, "text").text = value
    return parent


def _simple(parent: ET.Element, tag: str, value: str) -> None:
    ET.SubElement(parent, tag).text = value


def _question_element(q: ImportedQuestion) -> ET.Element:
    try:
        return _QuestionWriter(q).element
    except ValueError as exc:
        raise FormatError(str(exc), question=q.name) from None


class _QuestionWriter:
    """Builds one <question>, remembering which elements hold which text so
    that embedded files go next to the texts that reference them."""

    def __init__(self, q: ImportedQuestion):
        self.q = q
        self.fmt = _FORMAT_OUT[q.text_format]
        self.holders: list[tuple[ET.Element, str]] = []
        el = self.element = ET.Element("question", type=_QTYPE_OUT[q.kind])
        _add_text(ET.SubElement(el, "name"), q.name)
        self.questiontext = self.rich(el, "questiontext", cloze_markup(q.text, q.cloze) if q.cloze else q.text)
        self.rich(el, "generalfeedback", q.general_feedback)
        _simple(el, "defaultgrade", format_number(q.points))
        penalty = {"true_false": "1", "description": "0", "essay": "0"}.get(q.kind, "0.3333333")
        _simple(el, "penalty", penalty)
        _simple(el, "hidden", "0")
        if q.idnumber:
            _simple(el, "idnumber", q.idnumber)
        getattr(self, "write_" + q.kind)(el)
        self.attach_images()
        if q.tags:
            tags = ET.SubElement(el, "tags")
            for tag in q.tags:
                _add_text(ET.SubElement(tags, "tag"), tag)

    def rich(self, parent: ET.Element, tag: str, value: str, **attrs) -> ET.Element:
        el = _add_text(ET.SubElement(parent, tag, attrs | {"format": self.fmt}), value)
        self.holders.append((el, value))
        return el

    def answer(self, fraction: float, text: str, feedback: str, fmt: str | None = None) -> ET.Element:
        el = self.rich(self.element, "answer", text, fraction=format_percent(snap_fraction(fraction) or 0.0))
        if fmt:
            el.set("format", fmt)
        self.rich(el, "feedback", feedback)
        return el

    def attach_images(self) -> None:
        for key, content in self.q.images.items():
            refs = (PLUGINFILE + key, PLUGINFILE + quote(key))
            targets = [el for el, text in self.holders if any(r in text for r in refs)]
            folder, _, name = key.rpartition("/")
            for target in targets or [self.questiontext]:
                f = ET.SubElement(target, "file", name=name, path=f"/{folder}/" if folder else "/", encoding="base64")
                f.text = base64.b64encode(content).decode("ascii")

    def write_single_choice(self, el, single="true"):
        _simple(el, "single", single)
        _simple(el, "shuffleanswers", "true")
        _simple(el, "answernumbering", "abc")
        for c in self.q.choices:
            self.answer(c.fraction, c.text, c.feedback)

    def write_multiple_response(self, el):
        self.write_single_choice(el, single="false")

    def write_true_false(self, el):
        true, false = self.q.choices
        self.answer(true.fraction, "true", true.feedback, fmt="moodle_auto_format")
        self.answer(false.fraction, "false", false.feedback, fmt="moodle_auto_format")

    def write_short_answer(self, el):
        _simple(el, "usecase", "1" if self.q.case_sensitive else "0")
        for a in self.q.accepted_answers:
            self.answer(a.fraction, a.text, a.feedback, fmt="moodle_auto_format")

    def write_numeric(self, el):
        for a in self.q.numeric_answers:
            value = "*" if a.value is None else format_number(a.value)
            answer = self.answer(a.fraction, value, a.feedback, fmt="moodle_auto_format")
            tolerance = ET.Element("tolerance")
            tolerance.text = format_number(a.tolerance)
            answer.insert(1, tolerance)
        if self.q.units:
            units = ET.SubElement(el, "units")
            for u in self.q.units:
                unit = ET.SubElement(units, "unit")
                _simple(unit, "multiplier", format_number(u.multiplier))
                _simple(unit, "unit_name", u.name)
        _simple(el, "unitgradingtype", str(self.q.unit_grading))
        _simple(el, "unitpenalty", format_number(self.q.unit_penalty))
        _simple(el, "showunits", "0" if self.q.units else "3")
        _simple(el, "unitsleft", "0")

    def write_matching(self, el):
        _simple(el, "shuffleanswers", "true")
        for p in self.q.pairs:
            sub = self.rich(el, "subquestion", p.prompt)
            _add_text(ET.SubElement(sub, "answer"), p.answer)

    def write_essay(self, el):
        for tag, value in (("responseformat", "editor"), ("responserequired", "1"), ("responsefieldlines", "15"),
                           ("attachments", "0"), ("attachmentsrequired", "0")):
            _simple(el, tag, value)
        _add_text(ET.SubElement(el, "graderinfo", format="html"), "")
        _add_text(ET.SubElement(el, "responsetemplate", format="html"), "")

    def write_description(self, el):
        pass

    def write_cloze(self, el):
        pass  # the gaps are in the question text
