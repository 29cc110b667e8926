"""Moodle's grade list: import refuses other weights (per question), the question form validates,
export never writes a weight Moodle would refuse, and a fully correct answer scores exactly 100%.

Moodle's rule (question_bank::fraction_options_full + match_grade_options 'error'): a weight is
accepted when it is strictly within 0.00001 (as a fraction, 0.001 as a percentage) of a listed grade,
and is then stored as that grade."""
import pytest

from portal.quizzes.formats import (
    Choice,
    FormatError,
    ImportedQuestion,
    export_gift,
    export_moodle_xml,
    parse_gift,
    parse_moodle_xml,
)
from portal.quizzes.formats.model import MOODLE_FRACTIONS, snap_fraction


def gift_weight(percent: str):
    return parse_gift("::Q::Pick {=right ~%" + percent + "%half}")[0].choices[1].fraction


def xml_weight(percent: str):
    src = f"""<quiz><question type="multichoice"><name><text>Q</text></name>
      <questiontext format="html"><text>Pick</text></questiontext>
      <answer fraction="100"><text>right</text></answer>
      <answer fraction="{percent}"><text>half</text></answer></question></quiz>"""
    return parse_moodle_xml(src.encode())[0].choices[1].fraction


@pytest.mark.parametrize("read", [gift_weight, xml_weight])
@pytest.mark.parametrize("percent, stored", [
    ("83.33333", 0.8333333),   # the listed value
    ("83.3324", 0.8333333),    # 0.0000093 below: inside the tolerance
    ("83.3342", 0.8333333),    # 0.0000087 above: inside
    ("-33.33333", -0.3333333),
    ("14.28571", 0.1428571),
    ("12.5", 0.125),
    ("5", 0.05),
    ("0", 0.0),
    ("-100", -1.0),
])
def test_listed_grades_are_accepted_and_stored_as_moodle_stores_them(read, percent, stored):
    assert read(percent) == stored


@pytest.mark.parametrize("read", [gift_weight, xml_weight])
@pytest.mark.parametrize("percent", ["83.3", "83.33", "83.3323", "83.3344", "33.3", "15", "99", "-101", "101", "1"])
def test_other_weights_are_refused_naming_the_question(read, percent):
    with pytest.raises(FormatError) as info:
        read(percent)
    assert info.value.question == "Q"
    assert "is not one of Moodle's grades" in info.value.message and "83.33333" in info.value.message


def test_every_listed_grade_and_its_negative_snaps_to_itself():
    for f in MOODLE_FRACTIONS:
        assert snap_fraction(f) == f and snap_fraction(-f) == -f
    assert snap_fraction(0.8333333 + 0.0000099) == 0.8333333
    assert snap_fraction(0.8333333 + 0.0000101) is None
    assert snap_fraction(float("nan")) is None


def test_a_file_with_one_bad_weight_reports_each_bad_question_when_asked():
    src = "::A::ok {=a ~b}\n\n::B::bad {=a ~%83.3%b}\n\n::C::bad too {=%90%a ~b}"
    with pytest.raises(FormatError, match="question 'B'"):
        parse_gift(src)
    refused: list[FormatError] = []
    kept = parse_gift(src, refused)
    assert [q.name for q in kept] == ["A"]
    assert [(e.question, e.line) for e in refused] == [("B", 3), ("C", 5)]
    assert "no answer is fully correct" in refused[1].message  # 90% is listed, but nothing is worth 100%


def test_fully_correct_means_exactly_100():
    assert parse_gift("::Q::x {=%99.9995%a ~b}")[0].choices[0].fraction == 1.0  # snapped, so fully correct
    with pytest.raises(FormatError, match="fully correct"):
        parse_gift("::Q::x {=%90%a ~%83.33333%b}")


def test_export_writes_listed_weights_and_reports_questions_it_cannot_write():
    good = ImportedQuestion("single_choice", "Good", "Pick", choices=[Choice("a", 1.0), Choice("b", 0.3333334)])
    legacy = ImportedQuestion("single_choice", "Legacy", "Pick", choices=[Choice("a", 1.0), Choice("b", 0.333)])
    for export in (export_gift, export_moodle_xml):
        with pytest.raises(FormatError, match="Legacy"):
            export([good, legacy])
        problems: list[FormatError] = []
        out = export([legacy, good], problems)
        assert "Good" in out and "Legacy" not in out
        assert [p.question for p in problems] == ["Legacy"] and "33.3%" in problems[0].message
        assert "33.33333" in out and "33.33334" not in out
