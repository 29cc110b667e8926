"""Row ids typed into query strings and forms: the one parser every view uses.

`str.isdigit()` and `int()` accept more than an id: superscripts ("²" passes isdigit, then int()
raises), other scripts' digits ("١٢" is 12), "1_000", signs and spaces; and a number past BIGINT
fails in the database driver. An id is ASCII digits only, from 1 to BIGINT_MAX; anything else is
no id at all (a 404 for a query parameter, a field error in a form)."""
from flask import abort, request

from portal.form_fields import BIGINT_MAX

MAX_ID_DIGITS = len(str(BIGINT_MAX))


def parse_id(value) -> int | None:
    """The id `value` spells, or None (missing, empty, not ASCII digits, 0, past BIGINT)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 < value <= BIGINT_MAX else None
    if not isinstance(value, str) or not value.isascii() or not value.isdigit() or len(value) > MAX_ID_DIGITS:
        return None
    number = int(value)
    return number if 0 < number <= BIGINT_MAX else None


def id_arg(name: str) -> int | None:
    """The id in query parameter `name`: None when absent or empty, 404 when it is not an id."""
    value = request.args.get(name, "")
    if value == "":
        return None
    number = parse_id(value)
    if number is None:
        abort(404)
    return number


def coerce_id(value) -> int:
    """`coerce` for WTForms choice fields of ids: anything that is not an id is a field error
    (WTForms turns the ValueError into "Invalid choice"). 0 stays 0: forms use it for "any"."""
    if value == 0 or value == "0":
        return 0
    number = parse_id(value)
    if number is None:
        raise ValueError("Not a valid id.")
    return number
