"""GIFT import: malformed questions raise FormatError at the right line."""
import pytest

from portal.quizzes.formats import FormatError, parse_gift

GOOD = "// a good question first\n::Good::Fine {T}\n\n"  # the bad question starts on line 4


def error_for(bad: str) -> FormatError:
    with pytest.raises(FormatError) as info:
        parse_gift(GOOD + bad)
    return info.value


@pytest.mark.parametrize(
    "bad, message",
    [
        ("::Q::Unclosed {=a ~b", "never closed"),
        ("::Q::Closing only =a ~b}", "without '{'"),
        ("::Q::Backwards } text {", "before '{'"),
        ("::Q::Two {=a ~b} blocks {T}", "more than one answer block"),
        ("::Q::Nested {=a {~b}", "more than one answer block"),
        ("::Q::One answer {~only}", "at least 2 answers"),
        ("::Q::Empty answer {=a ~}", "empty answer"),
        ("::Q::Text first {oops ~b =c}", "does not start with"),
        ("::Q::No right answer {~a ~b}", "add up to 0%"),
        ("::Q::Weights short {~%50%a ~%20%b ~c}", "add up to 70%"),
        ("::Q::Weight too big {~%150%a =b}", "not one of Moodle's grades"),
        ("::Q::Weight garbage {~%abc%a =b}", "bad answer weight"),
        ("::Q::Half marks only {=%50%half}", "no answer is fully correct"),
        ("::Q::Match missing arrow {=a -> 1 =b =c -> 3}", "has no '->'"),
        ("::Q::Too few pairs {=a -> 1 = -> 2}", "at least 2 pairs"),
        ("::Q::Only one prompt {=a -> 1 = -> 2 = -> 3}", "at least 2 pairs"),
        ("::Q::Pair without answer {=a -> =b -> 2 =c -> 3}", "has no answer"),
        ("::Q::Bad number {#abc}", "bad number 'abc'"),
        ("::Q::Bad range {#1..x}", "bad number 'x'"),
        ("::Q::Bad tolerance {#5:lots}", "bad number 'lots'"),
        ("::Q::Not nan {#nan}", "bad number 'nan'"),
        ("::Q::Reversed range {#5..1}", "minimum above its maximum"),
        ("::Q::Negative tolerance {#5:-1}", "negative tolerance"),
        ("::Q::No numbers {#}", "at least 1 answer"),
        ("::Q::Junk after tilde {#5 ~wrong}", "only takes '#feedback"),
        ("::Q::Only half credit {#=%50%5}", "no numeric answer is fully correct"),
        ("::Q::[md]Unknown marker {T}", "unknown format marker [md]"),
        ("::Q::Empty short answer {=}", "empty answer"),
        ("::Q::{T}", "question text is empty"),
    ],
)
def test_malformed_question_names_line_and_title(bad, message):
    err = error_for(bad)
    assert err.line == 4
    assert err.question == "Q"
    assert message in err.message
    assert str(err).startswith("line 4, question 'Q': ")


def test_unclosed_title():
    err = error_for("::Never closed title {T}")
    assert err.line == 4
    assert "not closed with '::'" in str(err)


def test_error_line_skips_leading_comments_and_blank_lines():
    src = "\n\n// comment\n// comment\n::A::ok {T}\n\n\n// about B\n::B::text\nmore text {~x}"
    with pytest.raises(FormatError) as info:
        parse_gift(src)
    assert info.value.line == 9
    assert info.value.question == "B"


def test_untitled_question_error_has_line_only():
    with pytest.raises(FormatError) as info:
        parse_gift("Broken {=a")
    assert info.value.line == 1
    assert info.value.question is None
    assert str(info.value) == "line 1: '{' is never closed with '}'"


def test_validation_error_uses_default_name():
    with pytest.raises(FormatError) as info:
        parse_gift("Pick {~a ~b}")
    assert info.value.question == "Pick"


def test_parsing_is_all_or_nothing():
    src = "::A::ok {T}\n\n::B::broken {=a\n\n::C::ok {F}"
    with pytest.raises(FormatError):
        parse_gift(src)


def test_private_use_placeholder_characters_are_refused():
    with pytest.raises(FormatError) as info:
        parse_gift("::A::ok {T}\n\n::B::odd \ue000 char {T}")
    assert info.value.line == 3


def test_format_error_str_without_location():
    assert str(FormatError("boom")) == "boom"
    assert str(FormatError("boom", question="Q")) == "question 'Q': boom"
