"""Form fields shared by the features' forms. WTForms' NumberRange turns the value into a float,
which raises (a 500, not a field error) for an integer past about 10**308 (OverflowError) and for
a signalling NaN (ValueError); these fields refuse such values while parsing them."""
import unicodedata
from datetime import date, datetime
from typing import cast

from wtforms import DecimalField, Field, IntegerField, SelectField
from wtforms.validators import ValidationError

BIGINT_MAX = 2**63 - 1


class WholeNumberField(IntegerField):
    """An IntegerField that refuses numbers no column can hold."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if valuelist and self.data is not None and abs(self.data) > BIGINT_MAX:
            self.data = None
            raise ValueError(self.gettext("Number is too large."))


class FiniteDecimalField(DecimalField):
    """A DecimalField that refuses NaN and the infinities."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if valuelist and self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError(self.gettext("Not a valid decimal value."))


class DateRange:
    """Validator: a date within [earliest, latest], so that the dates computed from it (a class's
    weeks, its last day) stay within what Python's dates can hold."""

    def __init__(self, earliest: date, latest: date):
        self.earliest, self.latest = earliest, latest

    def __call__(self, form, field):
        day = field.data.date() if isinstance(field.data, datetime) else field.data
        if day is not None and not self.earliest <= day <= self.latest:
            raise ValidationError(f"Enter a date from {self.earliest:%B %-d, %Y} to {self.latest:%B %-d, %Y}.")


# The dates the program's records can take. Every date field of every form carries this (or a
# narrower DateRange): a date near year 9999 overflows the dates computed from it (an agreement's
# three-year term, a class's weeks), and tests/security/test_fuzzing.py checks every form has one.
PROGRAM_DATES = DateRange(date(1990, 1, 1), date(2099, 12, 31))


class SearchableSelectField(SelectField):
    """A drop-down of many options (agencies, classes). The `field` macro wraps it in a USWDS combo
    box: with JavaScript, typing part of a name narrows the list; without, a plain <select>."""

    @property
    def first_value(self):
        return self.choices[0][0] if isinstance(self.choices, list) and self.choices else None

    def pre_validate(self, form):
        # A combo box left empty submits nothing: take the first option, as a drop-down left alone
        # would (choices are set by the view after the form reads the request, so not earlier).
        if self.data is None:
            self.data = self.first_value
        super().pre_validate(form)


# What a person's name or a title may not contain: control characters (NUL, tab, line breaks...),
# invisible formatting ones such as the bidirectional overrides (U+202E prints what follows
# reversed, on a page or a certificate), line and paragraph separators, surrogates, private-use and
# unassigned code points. The zero-width non-joiner and joiner stay: some scripts spell names with them.
UNPRINTABLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
JOINERS = frozenset({"\u200c", "\u200d"})


def unprintable_character(text: str) -> str | None:
    """Why `text` cannot be a name or a title (its first unprintable character), or None. The one
    rule for forms, roster files, the command line and question-bank imports."""
    for char in text or "":
        if unicodedata.category(char) in UNPRINTABLE_CATEGORIES and char not in JOINERS:
            described = unicodedata.name(char, "a control character").lower()
            return f"contains a character that cannot be printed (U+{ord(char):04X}, {described}): remove it"
    return None


class PrintableText:
    """Validator for names and titles: refuses control and invisible formatting characters."""

    def __call__(self, form, field):
        if isinstance(field.data, str) and (problem := unprintable_character(field.data)):
            raise ValidationError(problem[:1].upper() + problem[1:] + ".")


def add_error(field: Field, message: str) -> None:
    """Flag `field` with an error found after validation (WTForms types a field's errors as a sequence;
    once validate() has run they are a list)."""
    cast(list[str], field.errors).append(message)
