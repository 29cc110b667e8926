"""Names and titles refuse control and invisible formatting characters (issue 12, item 6): U+202E
(right-to-left override) would print the rest of a name reversed on a certificate.

Every entry point is held to one rule (portal.form_fields.unprintable_character): every POST form
of every page whose name or title field is sent with an override answers with that field's error
and changes nothing (forms added later are walked too); a roster file reports each such row and
imports nothing; the command line exits non-zero with a one-line reason; a question-bank import
refuses the file."""
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from portal.auth.roles import Role
from portal.extensions import db
from portal.form_fields import unprintable_character
from portal.nominations.models import Nomination
from portal.quizzes.models import Question
from portal.timeutil import today
from tests.security.support import (
    ANONYMOUS,
    allowed,
    build,
    changed_tables,
    fingerprint,
    get_rules,
    parse_page,
)

OVERRIDE = "Ana\u202eadiM"  # shown as "AnaMida"
NAME_FIELD = re.compile(r"(^|[_-])(name|title)$|^(category|location|rank|badge_number)$")
CHECKED = (today() - timedelta(days=20)).isoformat()
HEADER = "first_name,last_name,email,badge_number,rank,years_experience,us_citizen,background_check_date"
GOOD_ROW = f"José,Núñez,jose@example.gov,1,Deputy,5,yes,{CHECKED}"


@pytest.mark.parametrize("text, refused", [
    ("Zoë D'Angelo-Núñez, Jr.", False), ("O\u2019Brien", False), ("Mehr\u200cnaz", False), ("A\u00a0B", False),
    ("A\u202eB", True), ("A\u202dB", True), ("A\u2066B", True), ("A\u200fB", True), ("A\u061cB", True),
    ("A\u200bB", True), ("\ufeffA", True), ("A\u2028B", True), ("A\u2029B", True), ("A\ue000B", True),
    ("A\x00B", True), ("A\tB", True), ("A\nB", True), ("A\x1fB", True), ("A\x20B", False), ("A\x7fB", True),
    ("A\x9fB", True), ("A\xa0B", False),
])
def test_the_rule_at_its_boundaries(text, refused):
    assert (unprintable_character(text) is not None) == refused


def test_the_reason_names_the_character():
    assert unprintable_character(OVERRIDE) == ("contains a character that cannot be printed "
                                               "(U+202E, right-to-left override): remove it")


def name_forms(client, app, identity, values):
    """(page URL, form, field name) for every POST form with a name or title field on the pages
    this identity may open."""
    for rule in get_rules(app):
        if not allowed(app, rule, identity):
            continue
        url = build(rule, values)
        page = client.get(url)
        if page.mimetype != "text/html" or page.status_code != 200:
            continue
        for form in parse_page(page.data).forms:
            if form.method != "post":
                continue
            for name, kind in form.input_types.items():
                if kind in ("text", "search") and NAME_FIELD.search(name):
                    yield url, form, name


def test_every_form_refuses_an_override_in_every_name_and_title_field(app, ids):
    problems, walked = [], set()
    for identity in (ANONYMOUS, Role.OFFICER, Role.INSTRUCTOR, Role.COORDINATOR, Role.ADMIN):
        client = ids.client(identity)
        for url, form, field in list(name_forms(client, app, identity, ids.values)):
            walked.add((form.action or url, field))
            data = [(n, OVERRIDE if n == field else v) for n, v in form.fields]
            if field not in dict(form.fields):
                data.append((field, OVERRIDE))
            before = fingerprint(ignore_all_audit=True)
            response = client.post(form.action or url, data=MultiDict(data))
            where = f"{identity} {form.action or url} [{field}]"
            if response.status_code >= 500 or "cannot be printed (U+202E" not in response.get_data(as_text=True):
                problems.append(f"{where}: {response.status_code}, no field error")
            if changed := changed_tables(before, fingerprint(ignore_all_audit=True)):
                problems.append(f"{where} changed {changed}")
    assert problems == []
    fields = {field for _, field in walked}
    assert {"first_name", "last_name", "name", "title", "contact_name", "category", "location", "rank",
            "badge_number"} <= fields, fields
    assert len(walked) >= 12, sorted(
        walked
    )  # nomination, user, agency, application, course, module, lesson, class, category, question, import, exam


# --- roster files ---------------------------------------------------------------------------------

def roster(*rows) -> bytes:
    return ("\r\n".join([HEADER, *rows]) + "\r\n").encode()


HOSTILE_ROWS = [f"Ana,{OVERRIDE},ana@example.gov,2,Deputy,5,yes,{CHECKED}",
                f"Bo\tJo,Li,bo@example.gov,3,Deputy,5,yes,{CHECKED}",
                f"Cy,Lu,cy@example.gov,4,\"Dep\u2028uty\",5,yes,{CHECKED}"]


def nominations() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Nomination))


def test_a_roster_reports_each_row_with_such_a_name_and_imports_nothing(client, make, login):
    login(make.user(Role.COORDINATOR))
    response = client.post("/agency/nominations/import", content_type="multipart/form-data",
                           data={"roster": (io.BytesIO(roster(GOOD_ROW, *HOSTILE_ROWS)), "roster.csv")})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Problems found (3)" in page
    for line, column, code in ((3, "last_name", "U+202E"), (4, "first_name", "U+0009"), (5, "rank", "U+2028")):
        assert f'<th scope="row">{line}</th><td>{column}</td><td>contains a character that cannot be printed ({code}' in page
    assert nominations() == 0


def test_the_command_line_roster_import_exits_non_zero_and_imports_nothing(app, make, tmp_path):
    agency = make.agency()
    path = tmp_path / "roster.csv"
    path.write_bytes(roster(GOOD_ROW, HOSTILE_ROWS[0]))
    result = app.test_cli_runner().invoke(args=["officers", "import", str(path), "--agency", agency.name])
    assert result.exit_code != 0
    assert "Line 3, column last_name: contains a character that cannot be printed (U+202E" in result.output
    assert result.output.strip().splitlines()[-1] == "Error: Nothing imported: 1 problem(s) in roster.csv."
    assert nominations() == 0


# --- question-bank imports ------------------------------------------------------------------------

def bank_size(course) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Question).where(Question.course_id == course.id))


@pytest.mark.parametrize("gift, category, where", [
    (f"::Fine::Yes? {{=yes ~no}}\n\n::{OVERRIDE}::Yes? {{=yes ~no}}\n", None, "line 3"),
    (f"$CATEGORY: {OVERRIDE}\n\n::Fine::Yes? {{=yes ~no}}\n", None, "line 3"),
    ("::Fine::Yes? {=yes ~no}\n", OVERRIDE, "the category"),
])
def test_the_command_line_bank_import_exits_non_zero_with_one_line(app, make, tmp_path, gift, category, where):
    course = make.course()
    path = tmp_path / "bank.gift"
    path.write_text(gift, encoding="utf-8")
    args = ["questions", "import", str(path), "--course", course.code] + (["--category", category] if category else [])
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code != 0
    [line] = result.output.strip().splitlines()
    assert where in line and "cannot be printed (U+202E" in line and "Nothing was imported" in line
    assert bank_size(course) == 0


def test_the_bank_upload_refuses_a_question_named_with_an_override(client, make, login):
    course = make.course()
    login(make.user(Role.ADMIN))
    gift = f"::Fine::Yes? {{=yes ~no}}\n\n::{OVERRIDE}::Yes? {{=yes ~no}}\n".encode()
    response = client.post(f"/bank/courses/{course.id}/import", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(gift), "bank.gift")})
    page = response.get_data(as_text=True)
    # The upload shows its preview, which refuses the question and imports nothing.
    assert "Nothing has been imported yet" in page and "line 3" in page and "cannot be printed (U+202E" in page
    assert bank_size(course) == 0
