"""Cross-format round trips, generated round trips and format detection."""
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from portal.quizzes.formats import (
    AcceptedAnswer,
    Choice,
    FormatError,
    ImportedQuestion,
    MatchPair,
    NumericAnswer,
    detect_format,
    export_gift,
    export_moodle_xml,
    load_questions,
    parse_gift,
    parse_moodle_xml,
)

DATA = Path(__file__).parent / "data"
GIFT_SRC = (DATA / "jem_week1.gift").read_text(encoding="utf-8")
XML_SRC = (DATA / "jem_week2.xml").read_bytes()


def without_images(questions):
    return [replace(q, images={}) for q in questions]


# ----------------------------------------------------------------- cross-format


def test_gift_to_xml_to_gift():
    from_gift = parse_gift(GIFT_SRC)
    via_xml = parse_moodle_xml(export_moodle_xml(from_gift))
    assert via_xml == from_gift
    assert export_gift(via_xml) == export_gift(from_gift)
    assert parse_gift(export_gift(via_xml)) == from_gift


def test_xml_to_gift_to_xml_drops_only_images():
    from_xml = parse_moodle_xml(XML_SRC)
    via_gift = parse_gift(export_gift(from_xml))
    assert via_gift == without_images(from_xml)
    assert parse_moodle_xml(export_moodle_xml(via_gift)) == via_gift


# ----------------------------------------------------------------- generated questions

# Every GIFT special character, brackets, %, arrows pieces, blanks and newlines.
ALPHABET = "abcXYZ09 éß~=#{}:\\[]%->_*.\n/$"
text = st.text(ALPHABET, min_size=1, max_size=25).map(str.strip).filter(bool)
maybe_text = st.one_of(st.just(""), text)
formats = st.sampled_from(["markdown", "html", "plain"])
categories = st.sampled_from([None, "287G-JEM-BASIC", "287G-JEM-BASIC/Week 1", "A b/C d"])
points = st.one_of(st.sampled_from([0.0, 1.0, 2.0]), st.floats(0, 1000, allow_nan=False))
fractions = st.sampled_from([0.0, 0.1, 0.25, 0.3333333, 0.5, 0.9, -0.1, -0.3333333, -0.5, -1.0])
numbers = st.floats(allow_nan=False, allow_infinity=False)
tolerances = st.floats(min_value=0, allow_infinity=False, allow_nan=False)
POSITIVE_SPLITS = [[1.0], [0.5, 0.5], [0.3333333, 0.3333333, 0.3333333], [0.25] * 4, [0.7, 0.3]]


@st.composite
def choice_lists(draw, kind):
    if kind == "single_choice":
        fixed = [1.0] + draw(st.lists(st.one_of(fractions, st.just(1.0)), min_size=1, max_size=4))
    else:
        fixed = draw(st.sampled_from(POSITIVE_SPLITS)) + draw(st.lists(st.sampled_from([0.0, -0.5, -1.0]), max_size=3))
        if len(fixed) < 2:
            fixed.append(0.0)
    fixed = draw(st.permutations(fixed))
    return [Choice(draw(text), f, draw(maybe_text)) for f in fixed]


@st.composite
def questions(draw):
    kind = draw(
        st.sampled_from(
            ["single_choice", "multiple_response", "true_false", "short_answer", "numeric", "matching", "essay", "description"]
        )
    )
    extra = {}
    if kind in ("single_choice", "multiple_response"):
        extra["choices"] = draw(choice_lists(kind))
    elif kind == "true_false":
        truth = draw(st.booleans())
        extra["choices"] = [
            Choice("True", 1.0 if truth else 0.0, draw(maybe_text)),
            Choice("False", 0.0 if truth else 1.0, draw(maybe_text)),
        ]
    elif kind == "short_answer":
        others = draw(st.lists(st.builds(AcceptedAnswer, text, fractions, maybe_text), max_size=3))
        extra["accepted_answers"] = [AcceptedAnswer(draw(text), 1.0, draw(maybe_text))] + others
    elif kind == "numeric":
        answers = [NumericAnswer(draw(numbers), draw(tolerances), 1.0, draw(maybe_text))]
        answers += draw(st.lists(st.builds(NumericAnswer, numbers, tolerances, fractions, maybe_text), max_size=2))
        if draw(st.booleans()):
            answers.insert(draw(st.integers(0, len(answers))), NumericAnswer(None, 0.0, draw(fractions), draw(maybe_text)))
        extra["numeric_answers"] = answers
    elif kind == "matching":
        pairs = [MatchPair(draw(text), draw(text)) for _ in range(draw(st.integers(2, 4)))]
        pairs += [MatchPair("", draw(text)) for _ in range(draw(st.integers(0 if len(pairs) > 2 else 1, 2)))]
        extra["pairs"] = pairs
    return ImportedQuestion(
        kind=kind,
        name=draw(text),
        text=draw(text),
        text_format=draw(formats),
        points=0.0 if kind == "description" else draw(points),
        general_feedback=draw(maybe_text),
        category=draw(categories),
        **extra,
    )


@st.composite
def questions_with_images(draw):
    q = draw(questions())
    names = draw(st.lists(st.sampled_from(["a.png", "b c.png", "dir/d.gif"]), unique=True, max_size=2))
    images = {n: draw(st.binary(max_size=20)) for n in names}
    if images and draw(st.booleans()):
        q = replace(q, general_feedback=f"{q.general_feedback} @@PLUGINFILE@@/{names[0]}".strip())
    return replace(q, images=images)


SETTINGS = settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)


@SETTINGS
@given(st.lists(questions(), min_size=1, max_size=4))
def test_generated_gift_round_trip(qs):
    try:
        out = export_gift(qs)
    except FormatError as exc:  # only the documented GIFT limits may refuse
        assert exc.message.startswith("GIFT cannot hold")
        assume(False)
    assert parse_gift(out) == qs, out


@SETTINGS
@given(st.lists(questions_with_images(), min_size=1, max_size=4))
def test_generated_moodle_xml_round_trip(qs):
    out = export_moodle_xml(qs)
    assert parse_moodle_xml(out) == qs, out


@SETTINGS
@given(st.lists(questions(), min_size=1, max_size=4))
def test_generated_cross_round_trip(qs):
    via_xml = parse_moodle_xml(export_moodle_xml(qs))
    try:
        gift = export_gift(via_xml)
    except FormatError as exc:
        assert exc.message.startswith("GIFT cannot hold")
        assume(False)
    assert parse_gift(gift) == qs


# ----------------------------------------------------------------- detection and loading


@pytest.mark.parametrize(
    "filename, data, expected",
    [
        ("week1.gift", b"<?xml looks like xml", "gift"),
        ("export.TXT", b"::A::x {T}", "gift"),
        ("questions.xml", b"::A::x {T}", "moodlexml"),
        ("upload", b'  \n<?xml version="1.0"?><quiz/>', "moodlexml"),
        ("upload.dat", b"\xef\xbb\xbf<quiz></quiz>", "moodlexml"),
        ("upload", '<?xml version="1.0" encoding="UTF-16"?><quiz/>'.encode("utf-16"), "moodlexml"),
        ("", b"::A::x {T}", "gift"),
        ("noext", b"", "gift"),
    ],
)
def test_detect_format(filename, data, expected):
    assert detect_format(filename, data) == expected


def test_load_questions_both_formats():
    assert load_questions("week1.gift", GIFT_SRC.encode("utf-8")) == parse_gift(GIFT_SRC)
    assert load_questions("week2", XML_SRC) == parse_moodle_xml(XML_SRC)
    assert load_questions("bom.txt", b"\xef\xbb\xbf::A::x {T}")[0].name == "A"


def test_load_questions_reads_non_utf8_gift_as_windows_1252_or_refuses_a_chosen_encoding_with_line():
    assert load_questions("legacy.txt", b"::A::ok {T}\n\n::B::caf\xe9 {T}")[1].text == "café"
    with pytest.raises(FormatError) as info:
        load_questions("legacy.txt", b"::A::ok {T}\n\n::B::caf\xe9 {T}", encoding="utf-8")
    assert info.value.line == 3
    assert "not utf-8" in str(info.value)


# ----------------------------------------------------------------- robustness

GIFT_NOISE = st.text("ab =~#{}:\\[]%->.*_\n\t/$CATEGORY:TF1209", max_size=120)


@SETTINGS
@given(st.one_of(GIFT_NOISE, st.text(max_size=80)))
def test_arbitrary_gift_input_only_raises_format_error(src):
    try:
        result = parse_gift(src)
    except FormatError:
        return
    assert all(isinstance(q, ImportedQuestion) for q in result)


@SETTINGS
@given(st.binary(max_size=60), st.integers(0, len(XML_SRC)))
def test_corrupted_xml_only_raises_format_error(noise, at):
    try:
        parse_moodle_xml(XML_SRC[:at] + noise + XML_SRC[at + len(noise):])
    except FormatError:
        pass
