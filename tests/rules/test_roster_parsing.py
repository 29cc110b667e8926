"""Reading one roster row (portal.nominations.services.parse_row): which values are accepted, at the
edges of each column's rule. Errors are judged by the column they name, not their wording."""
from datetime import date

import pytest

from portal.nominations.services import parse_bool, parse_date, parse_row

ROW = {"first_name": "Rosa", "last_name": "Núñez", "email": "Rosa.Nunez@Example.gov", "badge_number": "4471",
       "rank": "Deputy", "years_experience": "6", "us_citizen": "yes", "background_check_date": "2026-01-15"}


def error_columns(**overrides):
    return [e.column for e in parse_row(7, {**ROW, **overrides}).errors]


def test_a_good_row_is_read_into_facts():
    row = parse_row(7, {**ROW, "first_name": "  Rosa   María "})
    assert row.errors == [] and row.line == 7
    facts = row.facts
    assert (facts.first_name, facts.last_name, facts.email, facts.badge_number, facts.rank) == \
        ("Rosa María", "Núñez", "rosa.nunez@example.gov", "4471", "Deputy")
    assert (facts.years_experience, facts.us_citizen, facts.background_check_date) == (6.0, True, date(2026, 1, 15))


def test_badge_and_rank_may_be_left_out():
    values = {k: v for k, v in ROW.items() if k not in ("badge_number", "rank")}
    facts = parse_row(2, values).facts
    assert (facts.badge_number, facts.rank) == ("", "")


@pytest.mark.parametrize("years, ok", [("0", True), ("60", True), ("60.01", False), ("-0.01", False),
                                       ("2.5", True), ("", False), ("six", False), ("nan", False)])
def test_years_of_experience_lie_between_0_and_60(years, ok):
    assert error_columns(years_experience=years) == ([] if ok else ["years_experience"])


@pytest.mark.parametrize("column, limit", [("first_name", 80), ("last_name", 80), ("badge_number", 40), ("rank", 60)])
def test_text_columns_are_cut_off_at_their_limit(column, limit):
    assert error_columns(**{column: "x" * limit}) == []
    assert error_columns(**{column: "x" * (limit + 1)}) == [column]


@pytest.mark.parametrize("column", ["first_name", "last_name", "email"])
def test_names_and_email_are_required(column):
    assert error_columns(**{column: "   "}) == [column]


def test_an_invalid_email_is_refused():
    assert error_columns(email="not-an-email") == ["email"]


@pytest.mark.parametrize("word, value", [
    ("yes", True), ("Y", True), (" TRUE ", True), ("1", True), ("no", False), ("n", False), ("False", False),
    ("0", False), ("", None), ("maybe", None),
])
def test_citizenship_is_a_yes_or_a_no(word, value):
    assert parse_bool(word) is value


@pytest.mark.parametrize("raw, value", [("2026-01-15", date(2026, 1, 15)), ("01/15/2026", date(2026, 1, 15)),
                                        (" 2026-02-28 ", date(2026, 2, 28))])
def test_dates_are_iso_or_us_style(raw, value):
    assert parse_date(raw) == value


@pytest.mark.parametrize("raw", ["15/01/2026", "2026-02-30", "yesterday"])
def test_other_dates_are_refused(raw):
    with pytest.raises(ValueError):
        parse_date(raw)
    assert error_columns(background_check_date=raw) == ["background_check_date"]


def test_a_missing_background_check_date_is_left_to_the_eligibility_rules():
    row = parse_row(3, {**ROW, "background_check_date": ""})
    assert row.errors == [] and row.facts.background_check_date is None


def test_a_row_with_errors_still_explains_the_eligibility_it_can_read():
    assert error_columns(first_name="", us_citizen="no", years_experience="1.5") == \
        ["first_name", "us_citizen", "years_experience"]
    assert error_columns(first_name="", us_citizen="yes", years_experience="2") == ["first_name"]
    assert error_columns(us_citizen="maybe") == ["us_citizen"]


@pytest.mark.parametrize("column", ["first_name", "last_name", "badge_number", "rank"])
def test_an_unprintable_character_in_a_text_column_is_refused_there(column):
    assert error_columns(**{column: "Ann\u200bie"}) == [column]
    assert error_columns(**{column: " Annie\t"}) == []  # surrounding whitespace is trimmed, not refused
