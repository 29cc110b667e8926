"""GIFT export: output shape, escaping and round trips."""
from dataclasses import replace
from pathlib import Path

import pytest

from portal.quizzes.formats import (
    AcceptedAnswer,
    Choice,
    FormatError,
    ImportedQuestion,
    MatchPair,
    NumericAnswer,
    export_gift,
    parse_gift,
)

DATA = Path(__file__).parent / "data"


def roundtrip(questions):
    out = export_gift(questions)
    assert parse_gift(out) == questions, out
    return out


def tf(name="T", category=None, **kw):
    return ImportedQuestion(
        "true_false", name, "Text", choices=[Choice("True", 1.0), Choice("False", 0.0)], category=category, **kw
    )


def test_fixture_round_trips_exactly():
    questions = parse_gift((DATA / "jem_week1.gift").read_text(encoding="utf-8"))
    out = roundtrip(questions)
    assert export_gift(parse_gift(out)) == out  # stable


def test_export_shape_matches_moodle_style():
    q = ImportedQuestion(
        "single_choice",
        "Q1",
        "Who?",
        choices=[Choice("Grant", 0.0, "No"), Choice("no one", 1.0, "Yes"), Choice("half", 0.5)],
        general_feedback="General",
    )
    assert export_gift([q]) == (
        "::Q1::[markdown]Who?{\n\t~Grant#No\n\t=no one#Yes\n\t~%50%half\n\t####General\n}\n"
    )


def test_categories_are_written_only_when_they_change():
    qs = [tf("A"), tf("B", "X/Y"), tf("C", "X/Y"), tf("D", "Z"), tf("E")]
    out = roundtrip(qs)
    assert out.count("$CATEGORY:") == 3
    assert "$CATEGORY: X/Y\n" in out
    assert "$CATEGORY: $course$/top\n" in out  # back to no category
    assert out.index("::A::") < out.index("$CATEGORY: X/Y")


def test_special_characters_are_escaped():
    q = ImportedQuestion(
        "short_answer",
        "Name: with {all} ~special= #chars\\",
        "Text with {braces}, ~tilde, =equals, #hash, colon: and back\\slash\nand a newline",
        accepted_answers=[AcceptedAnswer("a=b", 1.0, "fb: {x} #1")],
    )
    out = roundtrip([q])
    assert "::Name\\: with \\{all\\} \\~special\\= \\#chars\\\\::" in out
    assert "back\\\\slash\\nand a newline" in out


def test_missing_word_blank_becomes_the_answer_block():
    q = ImportedQuestion(
        "single_choice", "MW", "Grant is _____ in Grant's tomb.", choices=[Choice("buried"), Choice("entombed", 1.0)]
    )
    out = roundtrip([q])
    assert "Grant is {\n\t~buried\n\t=entombed\n} in Grant's tomb." in out


@pytest.mark.parametrize("text", ["Ends with a blank _____", "Two _____ blanks _____ here", "_____"])
def test_other_blanks_keep_the_block_at_the_end(text):
    q = replace(tf(), text=text)
    out = roundtrip([q])
    assert out.rstrip().endswith("{TRUE}")


def test_points_survive_via_comment():
    qs = [replace(tf(), points=2.5), replace(tf("B"), points=1.0)]
    out = roundtrip(qs)
    assert out.count("// points:") == 1
    assert "// points: 2.5\n::T::" in out


def test_description_has_zero_points():
    d = ImportedQuestion("description", "D", "Intro {text}", points=0.0)
    assert "// points" not in roundtrip([d])
    with pytest.raises(FormatError, match="cannot carry points"):
        export_gift([replace(d, points=3.0)])


def test_single_choice_with_every_answer_correct():
    q = ImportedQuestion("single_choice", "All", "Any", choices=[Choice("a", 1.0), Choice("b", 1.0)])
    out = roundtrip([q])
    assert "=a" in out and "~%100%b" in out


def test_multiple_response_is_written_with_tildes_only():
    q = ImportedQuestion(
        "multiple_response",
        "MR",
        "Pick",
        choices=[Choice("a", 0.3333333), Choice("b", 0.3333333), Choice("c", 0.3333333), Choice("d", -1.0)],
    )
    out = roundtrip([q])
    assert "=" not in out.split("{", 1)[1]
    assert "~%33.33333%a" in out and "~%-100%d" in out


def test_answers_that_look_like_weights_or_markers_survive():
    q = ImportedQuestion(
        "single_choice",
        "Tricky",
        "[html] looks like a marker",
        choices=[Choice("%50% off", 0.0, "[plain] not a marker"), Choice("[html]<b>x</b>", 1.0), Choice("%", 0.0)],
        general_feedback="[markdown] also",
    )
    roundtrip([q])


def test_true_false_feedback_positions():
    q = ImportedQuestion(
        "true_false", "TF", "Text", choices=[Choice("True", 0.0, "wrong"), Choice("False", 1.0, "right")],
        general_feedback="gf",
    )
    assert "{FALSE#wrong#right####gf}" in roundtrip([q])
    only_right = replace(q, choices=[Choice("True", 1.0, "right"), Choice("False", 0.0, "")])
    assert "{TRUE##right####gf}" in roundtrip([only_right])


def test_numeric_answers_and_catch_all():
    q = ImportedQuestion(
        "numeric",
        "N",
        "How many?",
        numeric_answers=[
            NumericAnswer(48.0, 0.0, 1.0, "yes"),
            NumericAnswer(3.1415, 0.0005, 0.5, ""),
            NumericAnswer(-1e-7, 2.5e20, 0.1, ""),
            NumericAnswer(None, 0.0, 0.0, "any other"),
        ],
    )
    out = roundtrip([q])
    assert "=48#yes" in out and "=%50%3.1415:0.0005" in out and "~#any other" in out


def test_numeric_catch_all_not_last_is_kept_in_place():
    q = ImportedQuestion(
        "numeric",
        "N",
        "How many?",
        numeric_answers=[NumericAnswer(None, 0.0, 0.25, "star"), NumericAnswer(5.0, 1.0, 1.0, "")],
    )
    assert "=%25%*#star" in roundtrip([q])


def test_matching_with_distractor_and_arrow_in_answer():
    q = ImportedQuestion(
        "matching",
        "M",
        "Match",
        pairs=[MatchPair("I-247A", "Detainer"), MatchPair("I-200", "Warrant -> arrest"), MatchPair("", "Other")],
    )
    out = roundtrip([q])
    assert "\t= -> Other\n" in out


def test_essay_and_general_feedback():
    q = ImportedQuestion("essay", "E", "Explain.", general_feedback="Mention #1 and {2}")
    assert "{####Mention \\#1 and \\{2\\}}" in roundtrip([q])


def test_unrepresentable_arrow_in_short_answer_raises():
    q = ImportedQuestion("short_answer", "SA", "Q", accepted_answers=[AcceptedAnswer("a->b")])
    with pytest.raises(FormatError) as info:
        export_gift([q])
    assert info.value.question == "SA"


def test_unrepresentable_arrow_in_matching_prompt_raises():
    q = ImportedQuestion("matching", "M", "Q", pairs=[MatchPair("a->b", "1"), MatchPair("c", "2"), MatchPair("", "3")])
    with pytest.raises(FormatError, match="matching prompt"):
        export_gift([q])


@pytest.mark.parametrize(
    "bad",
    [
        ImportedQuestion("single_choice", "S", "Q", choices=[Choice("a", 0.5), Choice("b")]),
        ImportedQuestion("essay", "", "Q"),
        ImportedQuestion("essay", "E", "  "),
        ImportedQuestion("essay", "E", "Q", text_format="rtf"),
        ImportedQuestion("bogus", "E", "Q"),
        ImportedQuestion("essay", "E", "Q", choices=[Choice("a", 1.0)]),
        ImportedQuestion("true_false", "T", "Q", choices=[Choice("True", 1.0), Choice("False", 1.0)]),
        ImportedQuestion("numeric", "N", "Q", numeric_answers=[NumericAnswer(float("nan"))]),
        ImportedQuestion("numeric", "N", "Q", numeric_answers=[NumericAnswer(1.0), NumericAnswer(None, 1.0, 0.0)]),
        ImportedQuestion("essay", "E", "Q", points=-1.0),
    ],
)
def test_invalid_questions_are_refused_on_export(bad):
    with pytest.raises(FormatError):
        export_gift([bad])


def test_images_and_source_line_are_not_part_of_gift():
    q = replace(tf(), images={"a.png": b"x"}, source_line=99)
    assert parse_gift(export_gift([q])) == [replace(q, images={})]
