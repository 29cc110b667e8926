"""The U.S. federal holidays (5 U.S.C. 6103) of a year, on the days they are observed: one on a
Saturday is kept the Friday before, one on a Sunday the Monday after."""
from datetime import date, timedelta

MONDAY, THURSDAY = 0, 3


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th `weekday` of the month; n = -1 for the last."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def observed(day: date) -> date:
    return day - timedelta(days=1) if day.weekday() == 5 else day + timedelta(days=1) if day.weekday() == 6 else day


def federal_holidays(year: int) -> list[tuple[date, str]]:
    return [
        (observed(date(year, 1, 1)), "New Year's Day"),
        (nth_weekday(year, 1, MONDAY, 3), "Birthday of Martin Luther King, Jr."),
        (nth_weekday(year, 2, MONDAY, 3), "Washington's Birthday"),
        (nth_weekday(year, 5, MONDAY, -1), "Memorial Day"),
        (observed(date(year, 6, 19)), "Juneteenth National Independence Day"),
        (observed(date(year, 7, 4)), "Independence Day"),
        (nth_weekday(year, 9, MONDAY, 1), "Labor Day"),
        (nth_weekday(year, 10, MONDAY, 2), "Columbus Day"),
        (observed(date(year, 11, 11)), "Veterans Day"),
        (nth_weekday(year, 11, THURSDAY, 4), "Thanksgiving Day"),
        (observed(date(year, 12, 25)), "Christmas Day"),
    ]
