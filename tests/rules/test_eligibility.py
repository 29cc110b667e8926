"""Who may be nominated (portal.nominations.eligibility): a US citizen with at least 2 years of
law-enforcement experience and a background check completed by the date asked about."""
from datetime import date, timedelta

import pytest

from portal.auth.roles import Role
from portal.nominations import eligibility
from portal.timeutil import today

DAY_IN_YEARS = 1 / 365.25
ON = date(2026, 6, 15)


def failing_columns(on=ON, **facts):
    facts = {"us_citizen": True, "years_experience": 5, "background_check_date": ON - timedelta(days=30), **facts}
    return [f.column for f in eligibility.problems(on=on, **facts)]


@pytest.mark.parametrize("years, eligible", [
    (2, True), (2 - DAY_IN_YEARS, False), (2 + DAY_IN_YEARS, True), (0, False),
])
def test_two_years_of_experience_at_a_day_short_and_a_day_over(years, eligible):
    assert (failing_columns(years_experience=years) == []) is eligible


def test_eligibility_is_judged_on_the_date_asked_about():
    check_day = date(2026, 1, 10)
    assert failing_columns(on=check_day, background_check_date=check_day) == []
    assert failing_columns(on=check_day - timedelta(days=1), background_check_date=check_day) == ["background_check_date"]
    assert failing_columns(on=check_day + timedelta(days=1), background_check_date=check_day) == []


def test_eligibility_is_judged_today_when_no_date_is_given():
    assert eligibility.problems(us_citizen=True, years_experience=2, background_check_date=today()) == []
    [finding] = eligibility.problems(us_citizen=True, years_experience=2,
                                     background_check_date=today() + timedelta(days=1))
    assert finding.column == "background_check_date" and "future" in finding.text


def test_each_rule_is_explained_and_every_failing_rule_reported():
    findings = eligibility.check(us_citizen=False, years_experience=1.5, background_check_date=None, on=ON)
    assert [(f.column, f.ok, f.text) for f in findings] == [
        ("us_citizen", False, "must be a US citizen"),
        ("years_experience", False, "needs 2 years of law-enforcement experience (has 1.5)"),
        ("background_check_date", False, "needs a completed background check (no date given)")]
    passing = eligibility.check(us_citizen=True, years_experience=2.5, background_check_date=ON, on=ON)
    assert [(f.column, f.ok, f.text) for f in passing] == [
        ("us_citizen", True, "US citizen"), ("years_experience", True, "2.5 years of law-enforcement experience"),
        ("background_check_date", True, "background check completed 2026-06-15")]
    [future] = eligibility.problems(us_citizen=True, years_experience=2, background_check_date=ON, on=ON - timedelta(days=1))
    assert (future.column, future.ok, future.text) == \
        ("background_check_date", False, "background check date 2026-06-15 is in the future")


def form(**overrides):
    return {"first_name": "Lee", "last_name": "Nominee", "email": "lee.nominee@example.gov", "badge_number": "12",
            "rank": "Deputy", "years_experience": "4", "us_citizen": "yes",
            "background_check_date": today().isoformat(), **overrides}


@pytest.mark.parametrize("overrides, accepted", [
    ({}, True),                                                                   # check dated today
    ({"background_check_date": (today() + timedelta(days=1)).isoformat()}, False),  # dated tomorrow
    ({"years_experience": "2"}, True),
    ({"years_experience": "1.99"}, False),
    ({"years_experience": "2.01"}, True),
])
def test_the_coordinators_form_applies_the_rules_at_their_edges(client, login, make, overrides, accepted):
    login(make.user(Role.COORDINATOR))
    response = client.post("/agency/nominations/new", data=form(**overrides))
    assert response.status_code == (302 if accepted else 200)
