"""Preview before import (browser and --dry-run), explicit skipping of refused questions, what each
question loses listed per question, and GIFT encodings as Moodle users produce them."""
import io
import re

import sqlalchemy as sa

from portal.auth.roles import Role
from portal.extensions import db
from portal.quizzes.models import Question

MIXED = """$CATEGORY: $course$/top/Week 1

::Capital:: What is the capital of France? {=Paris ~London ~Rome}

::Thirds:: Pick {=a ~%83.3%b}

// [id:TF-1] [tag:easy]
::Grant:: Grant is buried in Grant's tomb. {T}
"""

HINTS_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category"><category><text>$course$/top/Imported</text></category>
    <info format="html"><text>Questions from last year</text></info></question>
  <question type="multichoice">
    <name><text>Hinted</text></name>
    <questiontext format="html"><text>Pick one</text></questiontext>
    <penalty>0.5</penalty>
    <hidden>1</hidden>
    <single>true</single>
    <shuffleanswers>0</shuffleanswers>
    <answernumbering>123</answernumbering>
    <correctfeedback format="html"><text>Well done</text></correctfeedback>
    <answer fraction="100"><text>yes</text></answer>
    <answer fraction="0"><text>no</text></answer>
    <hint format="html"><text>Think again</text></hint>
  </question>
  <question type="calculated">
    <name><text>Formula</text></name>
    <questiontext format="html"><text>{a} + {b}?</text></questiontext>
  </question>
</quiz>
"""


def run(app, *args):
    return app.test_cli_runner().invoke(args=["questions", *args])


def names(course):
    return sorted(db.session.scalars(sa.select(Question.name).where(Question.course_id == course.id)))


def upload(client, course, data: bytes, filename: str, **fields):
    return client.post(f"/bank/courses/{course.id}/import", data={"file": (io.BytesIO(data), filename), **fields},
                       content_type="multipart/form-data")


def token_of(page) -> str:
    return re.search(rb'name="confirm-token" type="hidden" value="([^"]+)"', page.data).group(1).decode()


def test_preview_shows_counts_warnings_and_refusals_then_imports_only_when_confirmed(client, login, make):
    course = make.course()
    admin = make.user(Role.ADMIN)
    login(admin)
    page = upload(client, course, MIXED.encode(), "mixed.gift", category="From Moodle")
    text = page.data.decode()
    assert "2 question(s) can be imported; 1 cannot" in text
    assert "<th scope=\"row\">From Moodle/Week 1</th><td>2</td>" in text
    assert "line 5, question &#39;Thirds&#39;: answer weight 83.3% is not one of Moodle&#39;s grades" in text
    assert names(course) == []
    token = token_of(page)
    refused = client.post(f"/bank/courses/{course.id}/import", data={"confirm-token": token})
    assert refused.status_code == 200 and "Nothing was imported: 1 question(s) cannot be imported" in refused.data.decode()
    assert names(course) == []
    # another author cannot use the token; a made-up token is refused
    client.post("/logout")
    login(make.user(Role.ADMIN))
    stolen = client.post(f"/bank/courses/{course.id}/import", data={"confirm-token": token, "confirm-skip_refused": "y"},
                         follow_redirects=True)
    assert b"no longer waiting" in stolen.data and names(course) == []
    assert b"no longer waiting" in client.post(f"/bank/courses/{course.id}/import", data={"confirm-token": "../x"},
                                               follow_redirects=True).data
    client.post("/logout")
    login(admin)
    done = client.post(f"/bank/courses/{course.id}/import", data={"confirm-token": token, "confirm-skip_refused": "y"},
                       follow_redirects=True)
    assert "Imported 2 question(s)" in done.data.decode()
    assert names(course) == ["Capital", "Grant"]
    grant = db.session.scalar(sa.select(Question).where(Question.name == "Grant"))
    assert grant.data["idnumber"] == "TF-1" and grant.data["tags"] == ["easy"]
    again = client.post(f"/bank/courses/{course.id}/import", data={"confirm-token": token}, follow_redirects=True)
    assert b"no longer waiting" in again.data and len(names(course)) == 2  # used once


def test_preview_lists_what_each_question_loses(client, login, make):
    course = make.course()
    login(make.user(Role.ADMIN))
    text = upload(client, course, HINTS_XML, "hinted.xml").data.decode()
    for note in ("the description of category &#39;Imported&#39; was not kept", "penalty for each try (0.5) ignored",
                 "hidden in Moodle", "1 hint(s) ignored", "combined feedback &lt;correctfeedback&gt; ignored",
                 "&#39;do not shuffle&#39; ignored", "answer numbering &#39;123&#39; ignored",
                 "unsupported question type &#39;calculated&#39;"):
        assert note in text, note


def test_cli_dry_run_and_skip_unsupported(app, make, tmp_path):
    course = make.course()
    src = tmp_path / "hinted.xml"
    src.write_bytes(HINTS_XML)
    dry = run(app, "import", str(src), "--course", course.code, "--dry-run")
    assert dry.exit_code == 0 and "Dry run: nothing was imported." in dry.output
    assert "1 question(s) can be imported, 1 refused" in dry.output and "1 hint(s) ignored" in dry.output
    assert "refused: line 18, question 'Formula': unsupported question type 'calculated'" in dry.output
    assert names(course) == []
    strict = run(app, "import", str(src), "--course", course.code)
    assert strict.exit_code == 1 and "Use --skip-unsupported to import the rest" in strict.output
    assert names(course) == []
    skipped = run(app, "import", str(src), "--course", course.code, "--skip-unsupported")
    assert skipped.exit_code == 0 and "refused and left out 1" in skipped.output
    assert names(course) == ["Hinted"]


def test_gift_encodings(app, make, tmp_path):
    course = make.course()
    src = "::Café::¿Dónde está el café? {=Aquí ~Allí}\n"
    cases = {
        "utf16le.gift": b"\xff\xfe" + src.encode("utf-16-le"),
        "utf16be.gift": b"\xfe\xff" + src.encode("utf-16-be"),
        "utf8bom.gift": b"\xef\xbb\xbf" + src.encode("utf-8"),
        "cp1252.gift": src.replace("?", "? \u2019").encode("cp1252"),  # a curly quote only Windows-1252 has
        "latin1.gift": src.encode("latin-1") + b"// \x81\n",  # 0x81: no Windows-1252 character
    }
    for filename, data in cases.items():
        path = tmp_path / filename
        path.write_bytes(data)
        result = run(app, "import", str(path), "--course", course.code, "--dry-run")
        assert result.exit_code == 0 and "1 question(s) can be imported" in result.output, (filename, result.output)
    out = run(app, "import", str(tmp_path / "cp1252.gift"), "--course", course.code, "--dry-run").output
    assert "read as Windows-1252" in out
    assert "read as Latin-1" in run(app, "import", str(tmp_path / "latin1.gift"), "--course", course.code, "--dry-run").output
    assert "UTF-16-LE (byte order mark)" in run(app, "import", str(tmp_path / "utf16le.gift"), "--course", course.code,
                                                "--dry-run").output
    forced = run(app, "import", str(tmp_path / "cp1252.gift"), "--course", course.code, "--encoding", "utf-8")
    assert forced.exit_code == 1 and "not utf-8 text" in forced.output and "line 1" in forced.output
    unknown = run(app, "import", str(tmp_path / "cp1252.gift"), "--course", course.code, "--encoding", "klingon")
    assert unknown.exit_code == 1 and "unknown encoding 'klingon'" in unknown.output
    for not_text in ("rot13", "base64"):
        refused = run(app, "import", str(tmp_path / "cp1252.gift"), "--course", course.code, "--encoding", not_text)
        assert refused.exit_code == 1 and f"unknown encoding '{not_text}'" in refused.output
    assert run(app, "import", str(tmp_path / "cp1252.gift"), "--course", course.code).exit_code == 0
    q = db.session.scalar(sa.select(Question).where(Question.course_id == course.id))
    assert q.name == "Café" and q.text == "¿Dónde está el café? \u2019"


def test_a_browser_upload_with_a_chosen_encoding_and_bad_encodings(client, login, make):
    course = make.course()
    login(make.user(Role.ADMIN))
    data = "::Café:: Où? {=Ici ~Là}".encode("cp1252")
    for bad in ("klingon", "rot13"):
        page = upload(client, course, data, "fr.gift", encoding=bad)
        assert page.status_code == 200 and f"Nothing was imported. unknown encoding &#39;{bad}&#39;" in page.data.decode()
    page = upload(client, course, data, "fr.gift", encoding="iso-8859-15")
    assert "Preview of fr.gift" in page.data.decode() and "read as" not in page.data.decode()
    client.post(f"/bank/courses/{course.id}/import", data={"confirm-token": token_of(page)})
    assert names(course) == ["Café"]
