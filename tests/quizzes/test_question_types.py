"""Grading edge cases of every question type (pure: no database needed)."""
import random

import pytest
from werkzeug.datastructures import MultiDict

from portal.quizzes.models import Question
from portal.quizzes.types import (
    REGISTRY,
    Essay,
    Matching,
    MultipleResponse,
    Numeric,
    QuestionDataError,
    ShortAnswer,
    SingleChoice,
    TrueFalse,
    parse_number,
)


def q(kind, lines, points=1.0):
    cls = REGISTRY[kind]
    return Question(kind=kind, name="Q", text="?", points=points, data=cls.data_from_lines(lines))


def answer(question, **form):
    """Read a form written in authoring terms (choice ids, matching pair ids and answer texts) as a
    browser would send it for one attempt: through that attempt's random form values. What no
    option has (a forged value) is sent as written."""
    entry = question.type.layout(question, random.Random(0), shuffle_choices=False)
    values = {**entry.get("choice_values", {}), **entry.get("option_values", {})}
    fields = entry.get("prompt_values", {})
    data = MultiDict()
    for key, value in form.items():
        name = "-".join(fields.get(part, part) for part in key.split("_"))
        for v in value if isinstance(value, list) else [value]:
            data.add(name, values.get(v, v))
    return question.type.read_answer(question, data, "q", entry)


def test_every_issue_type_is_registered():
    assert set(REGISTRY) == {"single_choice", "multiple_response", "true_false", "short_answer", "numeric", "matching", "essay",
                             "cloze"}


class TestSingleChoice:
    question = q("single_choice", "100 | Right | Yes\n0 | Wrong | No\n50 | Half | Partly\n-50 | Bad")

    def test_right_wrong_partial_and_negative_never_below_zero(self):
        assert SingleChoice.grade(self.question, {"choice": "a"}) == 1.0
        assert SingleChoice.grade(self.question, {"choice": "b"}) == 0.0
        assert SingleChoice.grade(self.question, {"choice": "c"}) == 0.5
        assert SingleChoice.grade(self.question, {"choice": "d"}) == 0.0

    def test_unanswered_and_forged_choice_score_zero(self):
        assert SingleChoice.grade(self.question, None) == 0.0
        assert answer(self.question, q="zz") is None
        assert SingleChoice.grade(self.question, {"choice": "zz"}) == 0.0

    def test_feedback_of_the_chosen_choice(self):
        fb = SingleChoice.feedback(self.question, {"choice": "b"})
        assert fb.correct_answer == "Right" and fb.answer_feedback == "No"

    def test_needs_a_full_mark_choice(self):
        with pytest.raises(QuestionDataError):
            q("single_choice", "50 | A\n0 | B")
        with pytest.raises(QuestionDataError):
            q("single_choice", "100 | Only one")


class TestMultipleResponse:
    question = q("multiple_response", "50 | A\n50 | B\n-100 | C\n | D")

    @pytest.mark.parametrize("picks, expected", [
        (["a", "b"], 1.0), (["a"], 0.5), ([], 0.0), (["c"], 0.0), (["a", "b", "c"], 0.0),
        (["a", "b", "d"], 0.5),  # D has no weight: default penalty 1/(2 right) = 0.5
        (["a", "d"], 0.0), (["a", "a", "a"], 0.5),  # repeats count once
    ])
    def test_partial_credit_and_penalties_never_below_zero(self, picks, expected):
        assert MultipleResponse.grade(self.question, {"choices": picks}) == pytest.approx(expected)

    def test_form_reading_ignores_unknown_and_duplicate_choices(self):
        assert answer(self.question, q=["a", "x", "a", "b"]) == {"choices": ["a", "b"]}
        assert answer(self.question, q=["x"]) is None

    def test_positive_weights_must_total_100(self):
        with pytest.raises(QuestionDataError):
            q("multiple_response", "50 | A\n40 | B\n0 | C")


class TestTrueFalse:
    def test_true_and_false(self):
        question = q("true_false", "False\nTrue | It is not.\nFalse | Right.")
        assert TrueFalse.grade(question, answer(question, q="false")) == 1.0
        assert TrueFalse.grade(question, answer(question, q="true")) == 0.0
        assert TrueFalse.feedback(question, {"choice": "true"}).answer_feedback == "It is not."
        assert TrueFalse.grade(question, None) == 0.0

    def test_first_line_must_say_true_or_false(self):
        with pytest.raises(QuestionDataError):
            q("true_false", "maybe")


class TestShortAnswer:
    question = q(
        "short_answer", "100 | ICE | Right\n100 | Immigration and Customs * | Right too\n50 | DHS | Close\n0 | * | Try again"
    )

    @pytest.mark.parametrize("given, expected", [
        ("ICE", 1.0), ("ice", 1.0), ("  Ice  ", 1.0), ("I C E", 0.0),
        ("immigration and customs enforcement", 1.0), ("IMMIGRATION   AND CUSTOMS x", 1.0),
        ("Immigration and Customs", 0.0),  # "* " needs the space and more
        ("dhs", 0.5), ("something else", 0.0), ("", 0.0),
    ])
    def test_case_insensitive_several_answers_and_wildcard(self, given, expected):
        assert ShortAnswer.grade(self.question, {"text": given}) == expected

    def test_regex_characters_are_literal(self):
        question = q("short_answer", "100 | 8 U.S.C. §1357(g)")
        assert ShortAnswer.grade(question, {"text": "8 u.s.c. §1357(g)"}) == 1.0
        assert ShortAnswer.grade(question, {"text": "8 UxSxCx §1357(g)"}) == 0.0

    def test_feedback_of_the_best_match(self):
        assert ShortAnswer.feedback(self.question, {"text": "dhs"}).answer_feedback == "Close"
        assert ShortAnswer.feedback(self.question, {"text": "x"}).answer_feedback == "Try again"


class TestNumeric:
    question = q("numeric", "70 | 0 | 100 | Exactly\n3.5 | 0.5 | 100\n100 | 5 | 50 | Close\n* | | 0 | Review the lesson")

    @pytest.mark.parametrize("given, expected", [
        ("70", 1.0), ("70.0", 1.0), ("+70", 1.0), ("7e1", 1.0), ("69.999", 0.0),
        ("3", 1.0), ("4", 1.0), ("4.01", 0.0), ("3,5", 1.0),  # decimal comma
        ("96", 0.5), ("105", 0.5), ("106", 0.0),
        ("seventy", 0.0), ("", 0.0), ("nan", 0.0), ("inf", 0.0), ("1e999", 0.0),
    ])
    def test_tolerance_and_bad_input(self, given, expected):
        assert Numeric.grade(self.question, {"text": given}) == expected

    def test_catch_all_gives_feedback_only(self):
        assert Numeric.feedback(self.question, {"text": "12"}).answer_feedback == "Review the lesson"
        assert Numeric.feedback(self.question, {"text": "70"}).correct_answer == "70 or 3.5 ± 0.5"

    def test_number_parsing(self):
        assert parse_number("1,234.5") == 1234.5 and parse_number(" 12 ") == 12 and parse_number("1.2.3") is None

    def test_authoring_errors(self):
        for bad in ("abc | 1", "5 | -1", "5 | 0 | 50"):
            with pytest.raises(QuestionDataError):
                q("numeric", bad)


class TestMatching:
    question = q("matching", "OPR -> misconduct\nOIG -> audits\nCRCL -> civil rights\n-> payroll")

    def test_share_of_prompts_matched(self):
        first, second, third = [p["id"] for p in Matching.prompts(self.question)]
        assert Matching.grade(self.question, {"matches": {first: "misconduct", second: "audits", third: "civil rights"}}) == 1.0
        assert Matching.grade(self.question, {"matches": {first: "misconduct", second: "payroll"}}) == pytest.approx(1 / 3)
        assert Matching.grade(self.question, None) == 0.0

    def test_distractor_is_offered_but_never_a_prompt(self):
        assert "payroll" in Matching.options(self.question) and len(Matching.prompts(self.question)) == 3

    def test_form_reading_drops_unknown_answers(self):
        first = Matching.prompts(self.question)[0]["id"]
        assert answer(self.question, **{f"q_{first}": "forged"}) is None
        assert answer(self.question, **{f"q_{first}": "audits"}) == {"matches": {first: "audits"}}

    def test_needs_two_pairs(self):
        with pytest.raises(QuestionDataError):
            q("matching", "A -> 1\n-> 2")


class TestEssay:
    question = q("essay", "")

    def test_answered_essays_wait_for_a_person_blank_ones_score_zero(self):
        assert Essay.grade(self.question, {"text": "My answer"}) is None
        assert Essay.grade(self.question, None) == 0.0
        assert answer(self.question, q="   ") is None


SAMPLES = {
    "single_choice": "100 | Right\n0 | Wrong", "true_false": "False", "multiple_response": "50 | A\n50 | B\n-100 | C",
    "short_answer": "100 | Immigration*", "numeric": "3.5 | 0.1", "matching": "OPR -> misconduct\nOIG -> audits",
    "essay": "",
    "cloze": "{1:SA:=Germany}\n{2:MCV:=yes~no}\n{1:MR:%50%x~%50%y~z}\n{1:NM:=3.14:0.01}",
}


@pytest.mark.parametrize("kind", sorted(REGISTRY))
def test_every_type_gives_a_model_answer_right_or_wrong(kind):
    question = q(kind, SAMPLES[kind])
    right, wrong = (question.type.grade(question, question.type.model_answer(question, r)) for r in (True, False))
    assert (right, wrong) == ((None, None) if kind == "essay" else (1.0, 0.0))
