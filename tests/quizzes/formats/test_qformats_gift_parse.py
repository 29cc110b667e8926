"""GIFT import: every question kind and the format's edge cases."""
from pathlib import Path

import pytest

from portal.quizzes.formats import (
    AcceptedAnswer,
    Choice,
    MatchPair,
    NumericAnswer,
    parse_gift,
)

DATA = Path(__file__).parent / "data"


def one(src: str):
    questions = parse_gift(src)
    assert len(questions) == 1, questions
    return questions[0]


# ----------------------------------------------------------------- multiple choice


def test_single_choice_with_feedback_title_and_general_feedback():
    q = one(
        "::Q2:: What's between orange and green in the spectrum?\n"
        "{\n    =yellow # right; good!\n    ~red # wrong, it's yellow\n    ~blue\n    ####Colours!\n}"
    )
    assert q.kind == "single_choice"
    assert q.name == "Q2"
    assert q.text == "What's between orange and green in the spectrum?"
    assert q.text_format == "markdown"
    assert q.points == 1.0
    assert q.general_feedback == "Colours!"
    assert q.choices == [
        Choice("yellow", 1.0, "right; good!"),
        Choice("red", 0.0, "wrong, it's yellow"),
        Choice("blue", 0.0, ""),
    ]


def test_missing_word_inserts_blank_where_the_braces_were():
    q = one("Grant is {~buried =entombed ~living} in Grant's tomb.")
    assert q.text == "Grant is _____ in Grant's tomb."
    assert q.kind == "single_choice"
    assert [c.fraction for c in q.choices] == [0.0, 1.0, 0.0]


def test_missing_word_before_closing_punctuation_and_multiline_block():
    q = one(
        "The American holiday of Thanksgiving is celebrated on the {\n"
        "    ~second\n    ~third\n    =fourth\n} Thursday of November."
    )
    assert q.text == "The American holiday of Thanksgiving is celebrated on the _____ Thursday of November."
    assert [c.text for c in q.choices] == ["second", "third", "fourth"]


def test_block_at_the_very_end_adds_no_blank():
    q = one("Japanese characters originally came from what country? {\n~India\n=China\n~Korea\n~Egypt}")
    assert q.text == "Japanese characters originally came from what country?"


def test_block_at_the_start_is_a_blank_too():
    q = one("{~Paris =Ottawa} is the capital of Canada.")
    assert q.text == "_____ is the capital of Canada."


def test_weighted_answers_with_an_equals_stay_single_choice():
    q = one("Difficult question.{~wrong answer ~%50%half credit answer =full credit answer}")
    assert q.kind == "single_choice"
    assert [c.fraction for c in q.choices] == [0.0, 0.5, 1.0]


def test_decimal_and_negative_weights_make_multiple_response():
    q = one(
        "What two people are entombed in Grant's tomb? {\n"
        "~%-50%No one\n~%50%Grant\n~%50%Grant's wife\n~%-33.33333%Grant's father }"
    )
    assert q.kind == "multiple_response"
    assert [c.fraction for c in q.choices] == [-0.5, 0.5, 0.5, -0.3333333]


def test_multiple_response_with_thirds():
    q = one("Pick three {~%33.33333%a ~%33.33333%b ~%33.33334%c ~%-100%d}")
    assert q.kind == "multiple_response"
    assert sum(c.fraction for c in q.choices if c.fraction > 0) == pytest.approx(1.0)


def test_several_equals_answers_are_all_fully_correct():
    q = one("Either is fine {=a =b ~c}")
    assert q.kind == "single_choice"
    assert [c.fraction for c in q.choices] == [1.0, 1.0, 0.0]


def test_weight_after_equals_is_read():
    q = one("Q {=%100%right ~wrong}")
    assert q.choices[0] == Choice("right", 1.0, "")


# ----------------------------------------------------------------- true/false


@pytest.mark.parametrize(
    "key, correct_true", [("T", True), ("TRUE", True), ("F", False), ("FALSE", False)]
)
def test_true_false_spellings(key, correct_true):
    q = one(f"The sun rises in the east.{{{key}}}")
    assert q.kind == "true_false"
    assert q.text == "The sun rises in the east."
    assert q.choices == [
        Choice("True", 1.0 if correct_true else 0.0, ""),
        Choice("False", 0.0 if correct_true else 1.0, ""),
    ]


def test_true_false_feedback_is_wrong_then_right():
    q = one("::Q1:: 42 is the Absolute Answer to everything.{\nFALSE#42 is the Ultimate Answer.#You gave the right answer.}")
    assert q.choices == [
        Choice("True", 0.0, "42 is the Ultimate Answer."),  # shown to those who answered wrong
        Choice("False", 1.0, "You gave the right answer."),
    ]


def test_true_false_true_answer_feedback_and_general_feedback():
    q = one("Officers are supervised by ICE.{TRUE#Re-read the MOA.#Yes.####See the MOA.}")
    assert q.choices == [Choice("True", 1.0, "Yes."), Choice("False", 0.0, "Re-read the MOA.")]
    assert q.general_feedback == "See the MOA."


def test_true_false_only_wrong_feedback():
    q = one("Grant is buried in Grant's tomb.{FALSE#No one is buried in Grant's tomb.}")
    assert q.choices == [Choice("True", 0.0, "No one is buried in Grant's tomb."), Choice("False", 1.0, "")]


def test_lowercase_true_is_a_short_answer_like_in_moodle():
    q = one("Type the word true {true}")
    assert q.kind == "short_answer"
    assert q.accepted_answers == [AcceptedAnswer("true", 1.0, "")]


# ----------------------------------------------------------------- short answer


def test_short_answer_with_weights_wildcard_and_feedback():
    q = one(
        "::Shortanswer::Which is the best animal?{\n"
        "    =Frog#Good!\n    =%50%Cat#What is it with Moodlers and cats?\n    =%0%*#Completely wrong\n"
        "    ####[html]Here is some <b>general</b> feedback!\n}"
    )
    assert q.kind == "short_answer"
    assert q.accepted_answers == [
        AcceptedAnswer("Frog", 1.0, "Good!"),
        AcceptedAnswer("Cat", 0.5, "What is it with Moodlers and cats?"),
        AcceptedAnswer("*", 0.0, "Completely wrong"),
    ]
    assert q.general_feedback == "Here is some <b>general</b> feedback!"


def test_short_answer_missing_word():
    q = one("Two plus two equals {=four =4}.")
    assert q.kind == "short_answer"
    assert q.text == "Two plus two equals _____."
    assert [a.text for a in q.accepted_answers] == ["four", "4"]


def test_short_answer_without_equals_like_moodle():
    q = one("Capital of France? {Paris}")
    assert q.accepted_answers == [AcceptedAnswer("Paris", 1.0, "")]


# ----------------------------------------------------------------- numeric


def test_numeric_exact_value():
    q = one("When was Ulysses S. Grant born? {#1822}")
    assert q.kind == "numeric"
    assert q.numeric_answers == [NumericAnswer(1822.0, 0.0, 1.0, "")]


def test_numeric_value_and_tolerance():
    q = one("When was Ulysses S. Grant born?{#1822:5}")
    assert q.numeric_answers == [NumericAnswer(1822.0, 5.0, 1.0, "")]


def test_numeric_range_becomes_midpoint_and_half_width():
    q = one("What is the value of pi (to 3 decimal places)? {#3.141..3.142}.")
    assert q.text == "What is the value of pi (to 3 decimal places)? _____."
    assert q.numeric_answers == [NumericAnswer(3.1415, 0.0005, 1.0, "")]


def test_numeric_negative_and_exponent_values():
    q = one("Q {#-5..-1}")
    assert q.numeric_answers == [NumericAnswer(-3.0, 2.0, 1.0, "")]
    q = one("Q {#1.5e3:2.5E1}")
    assert q.numeric_answers == [NumericAnswer(1500.0, 25.0, 1.0, "")]


def test_numeric_several_weighted_answers_inline():
    q = one("Q {#=1.5:0.1 =%50%1.5:0.5}")
    assert q.numeric_answers == [NumericAnswer(1.5, 0.1, 1.0, ""), NumericAnswer(1.5, 0.5, 0.5, "")]


def test_numeric_multiline_feedback_and_catch_all():
    q = one(
        "::Numerical example::\nWhen was Ulysses S. Grant born? {#\n"
        "     =1822:0      #Correct! 100% credit\n"
        "     =%50%1822:2  #He was born in 1822.\n"
        "                  You get 50% credit for being close.\n"
        "     ~#Not even close.\n}"
    )
    assert q.name == "Numerical example"
    assert q.numeric_answers == [
        NumericAnswer(1822.0, 0.0, 1.0, "Correct! 100% credit"),
        NumericAnswer(1822.0, 2.0, 0.5, "He was born in 1822.\nYou get 50% credit for being close."),
        NumericAnswer(None, 0.0, 0.0, "Not even close."),
    ]


def test_numeric_catch_all_inline_like_moodle_tests():
    q = one("::Q5:: What is a number from 1 to 5? {#3:2~#Completely wrong}")
    assert q.numeric_answers == [NumericAnswer(3.0, 2.0, 1.0, ""), NumericAnswer(None, 0.0, 0.0, "Completely wrong")]


# ----------------------------------------------------------------- matching


def test_matching_pairs_and_distractor():
    q = one(
        "Match the following countries with their corresponding capitals. {\n"
        "    =Canada -> Ottawa\n    =Italy  -> Rome\n    =Japan  -> Tokyo\n    = -> Paris\n    }"
    )
    assert q.kind == "matching"
    assert q.pairs == [
        MatchPair("Canada", "Ottawa"),
        MatchPair("Italy", "Rome"),
        MatchPair("Japan", "Tokyo"),
        MatchPair("", "Paris"),
    ]


def test_matching_without_spaces_and_with_format_markers():
    q = one(
        "::Moodle activities::[html]Match the <b>activity</b>.{\n"
        "=[html]An activity supporting asynchronous discussions. -> Forum\n"
        "=[moodle]A teacher asks a question. -> Choice\n"
        "=Wiki->A collection of pages -> editable by all\n}"
    )
    assert q.text_format == "html"
    assert q.pairs == [
        MatchPair("An activity supporting asynchronous discussions.", "Forum"),
        MatchPair("A teacher asks a question.", "Choice"),
        MatchPair("Wiki", "A collection of pages -> editable by all"),
    ]


# ----------------------------------------------------------------- essay / description


def test_essay():
    q = one("// essay\n::Q8:: How are you? {}")
    assert q.kind == "essay"
    assert q.text == "How are you?"
    assert (q.choices, q.accepted_answers, q.numeric_answers, q.pairs) == ([], [], [], [])


def test_essay_with_general_feedback():
    q = one("How are you? {\n####We hope you're feeling well.\n}")
    assert q.kind == "essay"
    assert q.general_feedback == "We hope you're feeling well."


def test_description_has_no_answer_block_and_zero_points():
    q = one("::Intro::[html]<p>The next questions are about detainers.</p>")
    assert q.kind == "description"
    assert q.points == 0.0
    assert q.text == "<p>The next questions are about detainers.</p>"


# ----------------------------------------------------------------- structure


def test_comments_are_skipped_but_inline_slashes_kept():
    questions = parse_gift(
        "// header comment\n//another\n\n"
        "// before the question\n::A::See http://example.org/x {T}\n// trailing comment in block\n\n"
        "   // indented comment\n::B::Second {F}"
    )
    assert [q.name for q in questions] == ["A", "B"]
    assert questions[0].text == "See http://example.org/x"


def test_whitespace_only_lines_separate_questions_and_crlf_and_bom():
    questions = parse_gift("\ufeff::A::One {T}\r\n   \t\r\n::B::Two {F}\r\n")
    assert [q.name for q in questions] == ["A", "B"]
    assert [q.source_line for q in questions] == [1, 3]


def test_question_lines_are_trimmed_and_joined_with_newlines():
    q = one("::A::First line\n   second line {T}")
    assert q.text == "First line\nsecond line"


def test_categories_apply_to_following_questions():
    questions = parse_gift(
        "::A::Before any category {T}\n\n"
        "$CATEGORY: $course$/top/287G-JEM-BASIC/Week 1\n\n"
        "::B::In week 1 {T}\n\n"
        "::C::Still week 1 {T}\n\n"
        "$CATEGORY: 287G-JEM-BASIC/Week 2\n"
        "::D::Category line and question in one block {T}\n\n"
        "$CATEGORY: $system$/top\n\n"
        "::E::Back at the top {T}"
    )
    assert [(q.name, q.category) for q in questions] == [
        ("A", None),
        ("B", "287G-JEM-BASIC/Week 1"),
        ("C", "287G-JEM-BASIC/Week 1"),
        ("D", "287G-JEM-BASIC/Week 2"),
        ("E", None),
    ]


@pytest.mark.parametrize(
    "path, expected",
    [
        ("$course$/top/X/Y", "X/Y"),
        ("$course$/X", "X"),
        ("$module$/top/Quiz bank", "Quiz bank"),
        ("$coursecategory$/top", None),
        ("top", None),
        ("Plain/Path", "Plain/Path"),
    ],
)
def test_category_prefixes_are_stripped(path, expected):
    q = parse_gift(f"$CATEGORY: {path}\n\n::A::x {{T}}")[0]
    assert q.category == expected


@pytest.mark.parametrize(
    "marker, fmt",
    [("[html]", "html"), ("[plain]", "plain"), ("[markdown]", "markdown"), ("[moodle]", "markdown"), ("", "markdown")],
)
def test_format_markers(marker, fmt):
    q = one(f"::A::{marker}Some *text* {{T}}")
    assert q.text_format == fmt
    assert q.text == "Some *text*"


def test_capitalised_bracket_text_is_not_a_marker():
    q = one("[Note] read carefully {T}")
    assert q.text == "[Note] read carefully"


def test_answer_and_feedback_markers_are_dropped():
    q = one("::A::[html]Q {=[plain]yes#[html]<b>good</b> ~[markdown]no####[plain]general}")
    assert q.choices == [Choice("yes", 1.0, "<b>good</b>"), Choice("no", 0.0, "")]
    assert q.general_feedback == "general"


def test_escapes_everywhere():
    q = one(
        r"::Section 287(g)\: overview::Which answer equals 5? \{ braces \} \#1 \~ \= line\nbreak {"
        "\n"
        r"~ \= 2 + 2 # \~ is \{special\}"
        "\n"
        r"= \= 2 + 3 # back\\slash and \:colon"
        "\n}"
    )
    assert q.name == "Section 287(g): overview"
    assert q.text == "Which answer equals 5? { braces } #1 ~ = line\nbreak"
    assert q.choices == [
        Choice("= 2 + 2", 0.0, "~ is {special}"),
        Choice("= 2 + 3", 1.0, "back\\slash and :colon"),
    ]


def test_other_backslashes_are_literal():
    q = one(r"::A::C:\temp and \\n and \x {T}")
    assert q.text == "C:\\temp and \\n and \\x"


def test_moodle_control_character_example():
    q = one(
        "::GIFT Control Characters::\n"
        "Which of the following is NOT a control character for the GIFT import format? {\n"
        "   ~ \\~     # \\~ is a control character.\n"
        "   ~ \\=     # \\= is a control character.\n"
        "   ~ \\#     # \\# is a control character.\n"
        "   ~ \\{     # \\{ is a control character.\n"
        "   ~ \\}     # \\} is a control character.\n"
        "   = \\\\     # Correct! \\\\ (backslash) is not a control character. BUT,\n"
        "              it is used to escape the control characters.\n"
        "}"
    )
    assert [c.text for c in q.choices] == ["~", "=", "#", "{", "}", "\\"]
    assert q.choices[-1].fraction == 1.0
    assert q.choices[-1].feedback.startswith("Correct! \\ (backslash)")


def test_default_name_is_the_text_shortened():
    q = one("Who's buried in Grant's tomb?{~Grant ~Jefferson =no one}")
    assert q.name == "Who's buried in Grant's tomb?"
    long = "word " * 40
    q = one(f"[html]<p>{long}</p>{{T}}")
    assert len(q.name) <= 80 and q.name.endswith("...")
    assert "<p>" not in q.name


def test_empty_title_falls_back_to_default_name():
    assert one("::::Some text {T}").name == "Some text"


def test_points_comment_extension():
    q = one("// points: 2.5\n::A::Worth more {T}")
    assert q.points == 2.5
    q = one("// points: lots of them (just a comment)\n::A::Plain {T}")
    assert q.points == 1.0


def test_empty_input_gives_no_questions():
    assert parse_gift("") == []
    assert parse_gift("// only comments\n\n// here\n") == []


# ----------------------------------------------------------------- fixture file


def test_realistic_fixture_file():
    questions = parse_gift((DATA / "jem_week1.gift").read_text(encoding="utf-8"))
    assert len(questions) == 16
    kinds = [q.kind for q in questions]
    assert set(kinds) == {
        "single_choice",
        "multiple_response",
        "true_false",
        "short_answer",
        "numeric",
        "matching",
        "essay",
        "description",
    }
    by_name = {q.name: q for q in questions}
    assert by_name["Statutory basis"].source_line == 7
    assert by_name["Statutory basis"].general_feedback == "Section 287(g) was added to the INA in 1996."
    assert by_name["Program models"].text.endswith("Task Force and _____ models.")
    assert by_name["Agreement parties"].kind == "multiple_response"
    assert by_name["Detainer: hold period"].text_format == "plain"
    assert by_name["Detainer: hold period"].choices[1] == Choice("False", 1.0, "Correct, there is a 48-hour limit.")
    assert by_name["Hours"].numeric_answers == [NumericAnswer(48.0, 0.0, 1.0, "")]
    assert by_name["Training hours"].numeric_answers[-1] == NumericAnswer(None, 0.0, 0.0, "Check the course syllabus.")
    assert by_name["Range"].numeric_answers == [NumericAnswer(3.0, 1.0, 1.0, "")]
    assert by_name["Forms matching"].pairs[-1] == MatchPair("", "Notice to Appear in small claims court")
    assert by_name["Section intro"].kind == "description"
    assert "\n<p>Read each one carefully.</p>" in by_name["Section intro"].text
    assert by_name["Special characters"].choices[2] == Choice("\\", 1.0, "Correct! The backslash escapes the others.")
    assert by_name["Interview"].text.endswith("is to _____.")
    categories = {q.category for q in questions}
    assert categories == {"287G-JEM-BASIC/Week 1", "287G-JEM-BASIC/Week 1/Civil rights"}
