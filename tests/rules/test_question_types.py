"""How each question type grades an answer (portal.quizzes.types): the best matching answer counts,
not the first; short answers match the whole answer; an empty value is no answer. Questions are
written as an author writes them (the "answers" box) and answered as the officer's form sends them."""
import random

import pytest
from werkzeug.datastructures import MultiDict

from portal.quizzes.models import Question
from portal.quizzes.types import AnswerRefused, QuestionDataError, parse_number, question_type


def question(kind, lines):
    return Question(kind=kind, text="?", points=1.0, data=question_type(kind).data_from_lines(lines))


def read(q, form):
    """The answer read from the officer's form through a layout of the kind an attempt keeps."""
    kind = question_type(q.kind)
    return kind.read_answer(q, MultiDict(form), "q", kind.layout(q, random.Random(20), False))


def grade(q, *typed):
    """The fraction earned by typing `typed` into the question's box."""
    return question_type(q.kind).grade(q, read(q, [("q", v) for v in typed]))


def grade_choices(q, *texts):
    """The fraction earned by ticking the choices shown with these texts."""
    kind = question_type(q.kind)
    entry = kind.layout(q, random.Random(20), False)
    value_of = {choice["text"]: value for value, choice in kind.shown_choices(q, entry)}
    form = MultiDict([("q", value_of.get(text, "no-such-choice")) for text in texts])
    return kind.grade(q, kind.read_answer(q, form, "q", entry))


def grade_pairs(q, chosen: dict):
    kind = question_type(q.kind)
    entry = kind.layout(q, random.Random(20), False)
    field_of = {pair["prompt"]: name for name, pair in kind.shown_prompts(q, entry)}
    value_of = {text: value for value, text in kind.shown_options(q, entry)}
    form = MultiDict({f"q-{field_of[prompt]}": value_of.get(answer, "no-such-option") for prompt, answer in chosen.items()})
    return kind.grade(q, kind.read_answer(q, form, "q", entry))


# --- short answer -------------------------------------------------------------------------------

def test_short_answer_takes_the_best_matching_answer_not_the_first():
    q = question("short_answer", "50 | Nail*\n100 | Nail file\n0 | *")
    assert grade(q, "Nail file") == 1.0
    assert grade(q, "Nail clipper") == 0.5
    assert grade(q, "Hammer") == 0.0


def test_short_answer_patterns_match_the_whole_answer():
    q = question("short_answer", "100 | Na")
    assert grade(q, "Na") == 1.0
    assert grade(q, "Nail") == 0.0     # not a prefix match
    assert grade(q, "NNa") == 0.0      # nor a suffix match
    assert grade(q, "a Na") == 0.0


def test_short_answer_ignores_case_and_spacing_and_star_matches_any_run():
    q = question("short_answer", "100 | 8 U.S.C. * 1357(g)")
    assert grade(q, "  8 u.s.c.   §   1357(G) ") == 1.0
    assert grade(q, "8 U.S.C. 1357(g)") == 0.0   # the spaces around * are part of the pattern
    assert grade(q, "8 U.S.C. x 1357(g)") == 1.0
    assert grade(q, "8 U.S.C.X1357(g)") == 0.0   # regex characters are taken literally


@pytest.mark.parametrize("value", ["", "   ", "\t\n"])
def test_an_empty_short_answer_is_no_answer(value):
    q = question("short_answer", "100 | *")
    assert read(q, {"q": value}) is None
    assert grade(q, value) == 0.0
    assert question_type("short_answer").grade(q, {"text": value}) == 0.0   # even a catch-all accepts no empty answer


def test_a_short_answer_is_cut_at_its_maximum_length():
    q = question("short_answer", "100 | x*")
    assert question_type("short_answer").answer_text(q, read(q, {"q": "x" * 5000})) == "x" * 1000


def test_a_negative_weight_never_takes_a_short_answer_below_zero():
    q = question("short_answer", "100 | right\n-50 | wrong")
    assert grade(q, "wrong") == 0.0


# --- numeric -------------------------------------------------------------------------------------

def test_numeric_takes_the_best_matching_answer_not_the_first():
    q = question("numeric", "10 | 5 | 50\n10 | 0 | 100\n* | | 10")
    assert grade(q, "10") == 1.0       # within both: the better one
    assert grade(q, "12") == 0.5       # within the wider one only
    assert grade(q, "99") == 0.1       # neither: the catch-all


@pytest.mark.parametrize("typed, earned", [("9.5", 1.0), ("10.5", 1.0), ("9.49", 0.0), ("10.51", 0.0)])
def test_numeric_tolerance_includes_its_edges(typed, earned):
    assert grade(question("numeric", "10 | 0.5"), typed) == earned


def test_an_exact_numeric_answer_allows_only_rounding_noise():
    q = question("numeric", "0.3")
    assert grade(q, "0.3") == 1.0
    assert grade(q, str(0.1 + 0.2)) == 1.0
    assert grade(q, "0.3001") == 0.0


@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_number_is_no_answer(value):
    q = question("numeric", "1 | 1\n* | | 50")
    assert read(q, {"q": value}) is None and grade(q, value) == 0.0


@pytest.mark.parametrize("value", ["abc", "1,2,3", "inf", "nan", "1e999"])
def test_an_unreadable_number_is_refused_and_earns_nothing(value):
    q = question("numeric", "1 | 1")
    with pytest.raises(AnswerRefused):
        read(q, {"q": value})
    assert question_type("numeric").grade(q, {"text": value}) == 0.0


@pytest.mark.parametrize("typed, value", [
    ("1,234.5", 1234.5), ("1 234", 1234.0), ("3,5", 3.5), ("-2", -2.0), ("+.5", 0.5), ("2e3", 2000.0),
    ("12,345,678", 12345678.0), (" 7 ", 7.0), ("1,2", 1.2),
])
def test_numbers_are_read_as_officers_type_them(typed, value):
    assert parse_number(typed) == value


@pytest.mark.parametrize("typed", ["", "1.2.3", "1,234,56", "1,2.5", "--1", "e5", "1e", "12a", None])
def test_what_is_not_a_number_is_refused(typed):
    assert parse_number(typed) is None


# --- choices -------------------------------------------------------------------------------------

def test_single_choice_earns_the_chosen_weight_and_nothing_for_no_or_unknown_choice():
    q = question("single_choice", "100 | Right\n50 | Half\n0 | Wrong")
    assert grade_choices(q, "Right") == 1.0 and grade_choices(q, "Half") == 0.5 and grade_choices(q, "Wrong") == 0.0
    assert read(q, {"q": "a"}) is None  # an authoring id is not a value the form offers
    assert grade_choices(q, "Elsewhere") == 0.0 and grade_choices(q) == 0.0


def test_a_single_choice_weight_is_kept_between_0_and_1():
    q = question("single_choice", "100 | Right\n-50 | Bad")
    assert grade_choices(q, "Bad") == 0.0


def test_single_choice_needs_two_choices_one_of_them_worth_100():
    with pytest.raises(QuestionDataError, match="two choices"):
        question("single_choice", "100 | Only")
    with pytest.raises(QuestionDataError, match="100%"):
        question("single_choice", "90 | Almost\n0 | No")
    with pytest.raises(QuestionDataError, match="99.9% is not one of Moodle's grades"):
        question("single_choice", "99.9 | Almost\n0 | No")
    with pytest.raises(QuestionDataError, match="two choices"):
        question_type("single_choice").check({})
    assert question("single_choice", "100 | Yes\n0 | No")
    assert question("single_choice", "99.99999 | Yes, to rounding\n0 | No")


def test_multiple_response_adds_right_picks_and_subtracts_wrong_ones():
    q = question("multiple_response", "50 | A\n50 | B\n | C\n-100 | D")
    assert grade_choices(q, "A", "B") == 1.0
    assert grade_choices(q, "A") == 0.5
    assert grade_choices(q, "A", "B", "C") == 0.5   # default penalty: 1 / (right choices)
    assert grade_choices(q, "A", "C") == 0.0
    assert grade_choices(q, "C") == 0.0              # never below zero
    assert grade_choices(q, "A", "B", "D") == 0.0    # its own weight
    assert grade_choices(q, "A", "A", "B") == 1.0    # a repeated pick counts once
    assert grade_choices(q, "Elsewhere") == 0.0 and read(q, {}) is None


def test_multiple_response_default_penalty_follows_the_number_of_right_choices():
    q = question("multiple_response", "25 | A\n25 | B\n25 | C\n25 | D\n | E")
    assert grade_choices(q, "A", "B", "C") == 0.75
    assert grade_choices(q, "A", "B", "C", "E") == 0.5


def test_multiple_response_weights_must_add_up_to_100():
    with pytest.raises(QuestionDataError, match="add up to 90%"):
        question("multiple_response", "50 | A\n40 | B\n | C")
    with pytest.raises(QuestionDataError, match="two choices"):
        question("multiple_response", "100 | A")
    assert question("multiple_response", "33.33333 | A\n33.33333 | B\n33.33333 | C")


def test_true_false_grades_the_right_word():
    q = question("true_false", "False")
    assert grade_choices(q, "False") == 1.0 and grade_choices(q, "True") == 0.0 and grade_choices(q) == 0.0


# --- matching and essay ----------------------------------------------------------------------------

def test_matching_scores_the_share_of_prompts_matched_right():
    q = question("matching", "JEM -> Jail\nTFM -> Task force\nWSO -> Warrants\n-> Patrol")
    assert grade_pairs(q, {"JEM": "Jail", "TFM": "Task force", "WSO": "Warrants"}) == 1.0
    assert grade_pairs(q, {"JEM": "Jail", "TFM": "Patrol"}) == 0.3333333  # a share to seven places
    assert grade_pairs(q, {"JEM": "Not an option"}) == 0.0
    assert grade_pairs(q, {}) == 0.0


def test_an_essay_waits_for_a_grader_unless_it_is_blank():
    q = question("essay", "")
    assert grade(q, "My answer.") is None
    assert grade(q, "   ") == 0.0
    assert read(q, {"q": "  text  "}) == {"text": "text"}


@pytest.mark.parametrize("answer, answered", [
    (None, False), ({}, False), ({"text": ""}, False), ({"choices": []}, False), ({"matches": {}}, False),
    ({"text": None}, False), ({"text": "x"}, True), ({"choice": "a"}, True), ({"text": "", "choice": "a"}, True),
])
def test_empty_values_do_not_count_as_an_answer(answer, answered):
    assert question_type("essay").is_answered(answer) is answered


def test_a_matching_question_without_prompts_earns_nothing():
    q = Question(kind="matching", text="?", points=1.0, data={"pairs": [{"id": "p1", "prompt": "", "answer": "Spare"}]})
    assert question_type("matching").grade(q, {"matches": {"p1": "Spare"}}) == 0.0


@pytest.mark.parametrize("kind, lines, form", [
    ("matching", "JEM -> Jail\nTFM -> Task force", {"q-x": "y"}),
    ("single_choice", "100 | Right\n0 | Wrong", {"q": "y"}),
    ("multiple_response", "100 | Right\n0 | Wrong", {"q": "y"}),
])
def test_an_attempt_layout_without_values_reads_no_answer(kind, lines, form):
    """Attempts started before their questions had form values keep layouts without them."""
    q = question(kind, lines)
    assert question_type(kind).read_answer(q, MultiDict(form), "q", {}) is None


def test_a_matching_option_no_longer_in_the_question_is_not_offered():
    q = question("matching", "JEM -> Jail\nTFM -> Task force")
    kind = question_type("matching")
    entry = kind.layout(q, random.Random(20), False)
    entry["option_order"].append("Removed since")
    entry["option_values"]["Removed since"] = "stale-value"
    assert [text for _value, text in kind.shown_options(q, entry)] == [t for t in entry["option_order"][:-1]]


def test_an_exact_numeric_answer_allows_a_billionth_of_its_size_and_no_more():
    assert grade(question("numeric", "1000000000"), "1000000000.5") == 1.0
    assert grade(question("numeric", "1000000000"), "1000000002") == 0.0
    assert grade(question("numeric", "0.3"), "0.3000000015") == 0.0   # below 1: a billionth, absolute


def test_a_stored_numeric_answer_without_tolerance_is_exact():
    q = Question(kind="numeric", text="?", points=1.0, data={"answers": [{"value": 5.0, "fraction": 1.0}]})
    assert question_type("numeric").grade(q, {"text": "5"}) == 1.0
    assert question_type("numeric").grade(q, {"text": "5.5"}) == 0.0


def test_with_one_right_choice_a_wrong_pick_takes_it_all_back():
    q = question("multiple_response", "100 | Right\n | Wrong")
    assert grade_choices(q, "Right") == 1.0 and grade_choices(q, "Right", "Wrong") == 0.0


def test_multiple_response_scores_to_seven_places():
    q = question("multiple_response", "33.33333 | A\n33.33333 | B\n33.33333 | C\n | D")
    assert grade_choices(q, "A", "B", "D") == 0.3333333
    assert grade_choices(q, "A", "B", "C") == 1.0  # 99.99999% is Moodle's "right": exactly 100%


def test_a_stored_pick_of_a_choice_since_removed_counts_for_nothing_and_spoils_nothing():
    q = question("multiple_response", "50 | A\n50 | B\n | C")
    removed = [f"removed-{n}" for n in range(10)]
    assert question_type("multiple_response").grade(q, {"choices": [*removed, "a", "b"]}) == 1.0


def test_multiple_response_accepts_two_choices_and_weights_adding_to_100_at_two_places():
    assert question("multiple_response", "50 | A\n50 | B")
    assert question("multiple_response", "33.33333 | A\n33.33333 | B\n33.33333 | C")  # thirds, as Moodle lists them
    with pytest.raises(QuestionDataError, match="add up to 90%"):
        question("multiple_response", "30 | A\n30 | B\n30 | C")
    with pytest.raises(QuestionDataError, match="33.3% is not one of Moodle's grades"):
        question("multiple_response", "33.3 | A\n33.3 | B\n33.3 | C")
    with pytest.raises(QuestionDataError, match="two choices"):
        question_type("multiple_response").check({})


def test_an_essay_is_kept_up_to_20000_characters_and_an_empty_one_is_no_answer():
    q = question("essay", "")
    assert read(q, {"q": "x" * 30000}) == {"text": "x" * 20000}
    assert read(q, {"q": "  "}) is None and read(q, {}) is None


def test_a_stored_weight_over_100_percent_is_capped_at_full_marks():
    q = Question(kind="single_choice", text="?", points=1.0,
                 data={"choices": [{"id": "a", "text": "Over", "fraction": 1.5}, {"id": "b", "text": "No", "fraction": 0}]})
    assert question_type("single_choice").grade(q, {"choice": "a"}) == 1.0


@pytest.mark.parametrize("entry, shown", [
    ({"choice_order": ["a", "b"]}, []),                                           # no values at all
    ({"choice_order": ["a", "b"], "choice_values": {"a": "value-a"}}, ["Right"]),  # a value for one choice only
])
def test_only_choices_with_a_form_value_in_the_layout_are_offered(entry, shown):
    q = question("single_choice", "100 | Right\n0 | Wrong")
    assert [c["text"] for _value, c in question_type("single_choice").shown_choices(q, entry)] == shown


def test_a_matching_layout_without_option_values_offers_no_option():
    q = question("matching", "JEM -> Jail\nTFM -> Task force")
    assert question_type("matching").shown_options(q, {"option_order": ["Jail", "Task force"]}) == []


# --- options kept from Moodle: case-sensitive short answers, numerical units ----------------------

def with_data(q, **options):
    q.data = {**q.data, **options}
    return q


@pytest.mark.parametrize("typed, earned", [("Alien", 1.0), ("  Alien ", 1.0), ("alien", 0.0), ("ALIEN", 0.0)])
def test_a_case_sensitive_short_answer_matches_the_case_exactly(typed, earned):
    q = with_data(question("short_answer", "100 | Alien"), case_sensitive=True)
    assert grade(q, typed) == earned
    assert grade(question("short_answer", "100 | Alien"), typed) == 1.0  # without the option, case is ignored


METRES = [{"name": "m", "multiplier": 1.0}, {"name": "cm", "multiplier": 100.0}]


@pytest.mark.parametrize("typed, earned", [("5", 1.0), ("5 m", 1.0), ("500 cm", 1.0), ("5m", 1.0),
                                           ("499 cm", 0.0), ("5.01 m", 0.0)])
def test_a_numerical_answer_is_converted_by_its_units_multiplier(typed, earned):
    assert grade(with_data(question("numeric", "5"), units=METRES), typed) == earned


@pytest.mark.parametrize("grading, typed, earned", [
    (1, "5 m", 1.0), (1, "5", 0.8), (1, "5 km", 0.8),   # 1: the penalty is a share of the answer's grade
    (2, "5", 0.75), (2, "5 m", 1.0),                    # 2: the penalty comes off the question's grade
])
def test_a_required_unit_missing_or_unknown_loses_the_unit_penalty(grading, typed, earned):
    q = with_data(question("numeric", "5"), units=METRES, unit_grading=grading, unit_penalty=0.2 if grading == 1 else 0.25)
    assert grade(q, typed) == earned
