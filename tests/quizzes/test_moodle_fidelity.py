"""Moodle fidelity in the bank: the question form's grade list, exports that never stop at a bad
question, kept options (case sensitivity, units, tags, idnumber) through import, editing and export."""
import sqlalchemy as sa

from portal.auth.roles import Role
from portal.extensions import db
from portal.quizzes.models import Question


def run(app, *args):
    return app.test_cli_runner().invoke(args=["questions", *args])


def course_questions(course):
    return {q.name: q for q in db.session.scalars(sa.select(Question).where(Question.course_id == course.id))}


def test_question_form_accepts_only_moodle_grades(client, login, make):
    course = make.course()
    login(make.user(Role.ADMIN))
    form = {"kind": "single_choice", "category_id": "0", "name": "Thirds", "text": "Pick", "points": "1",
            "general_feedback": "", "action": "save"}
    for bad in ("83.3", "83.3323", "33.3"):
        page = client.post(f"/bank/courses/{course.id}/questions/new", data={**form, "answers": f"100 | a\n{bad} | b"})
        assert page.status_code == 200 and f"Line 2: {bad}% is not one of Moodle".encode() in page.data
    assert not course_questions(course)
    ok = client.post(f"/bank/courses/{course.id}/questions/new", data={**form, "answers": "100 | a\n83.3324 | b"})
    assert ok.status_code == 302
    question = course_questions(course)["Thirds"]
    assert [c["fraction"] for c in question.data["choices"]] == [1.0, 0.8333333]
    assert b"83.33333 | b" in client.get(f"/bank/questions/{question.id}/edit").data
    nearly = client.post(f"/bank/courses/{course.id}/questions/new",
                         data={**form, "answers": "90 | a\n10 | b", "category_id": str(question.category_id)})
    assert nearly.status_code == 200 and b"One choice must be worth 100%" in nearly.data


def test_multiple_response_thirds_score_exactly_100(make):
    course = make.course()
    q = make.question(course, "multiple_response", "33.33333 | a\n33.33333 | b\n33.33333 | c\n-100 | d")
    assert q.type.grade(q, {"choices": ["a", "b", "c"]}) == 1.0
    assert q.type.grade(q, {"choices": ["a", "b"]}) == 0.6666666


def test_export_reports_a_bad_question_and_writes_the_rest(app, client, login, make, tmp_path):
    course = make.course()
    make.question(course, name="Fine")
    legacy = make.question(course, name="Legacy")
    legacy.data = {"choices": [{"id": "a", "text": "a", "fraction": 1.0, "feedback": ""},
                               {"id": "b", "text": "b", "fraction": 0.333, "feedback": ""}]}  # stored before the rule
    db.session.commit()
    for fmt in ("gift", "moodlexml"):
        out = tmp_path / f"bank.{fmt}"
        result = run(app, "export", str(out), "--course", course.code, "--format", fmt)
        assert result.exit_code == 1 and "question 'Legacy'" in result.output and "33.3%" in result.output
        body = out.read_text()
        assert "Fine" in body and "::Legacy::" not in body and "<text>Legacy</text>" not in body
    login(make.user(Role.ADMIN))
    page = client.get(f"/bank/courses/{course.id}/export?format=gift")
    assert page.status_code == 200 and page.data.startswith(b"// question 'Legacy': answer weight 33.3%")
    assert b"::Fine::" in page.data


CASE_AND_UNITS = b"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="shortanswer">
    <name><text>Form</text></name>
    <questiontext format="html"><text>Which form?</text></questiontext>
    <usecase>1</usecase>
    <idnumber>SA-7</idnumber>
    <answer fraction="100"><text>I-247A</text></answer>
    <tags><tag><text>forms</text></tag><tag><text>week 2</text></tag></tags>
  </question>
  <question type="numerical">
    <name><text>Distance</text></name>
    <questiontext format="html"><text>How far?</text></questiontext>
    <answer fraction="100"><text>12</text><tolerance>0</tolerance></answer>
    <units>
      <unit><multiplier>1</multiplier><unit_name>m</unit_name></unit>
      <unit><multiplier>100</multiplier><unit_name>cm</unit_name></unit>
    </units>
    <unitgradingtype>1</unitgradingtype>
    <unitpenalty>0.25</unitpenalty>
    <showunits>0</showunits>
    <unitsleft>0</unitsleft>
  </question>
</quiz>
"""


def test_case_sensitivity_units_tags_and_idnumber_are_kept_and_honoured(app, client, login, make, tmp_path):
    course = make.course()
    src = tmp_path / "bank.xml"
    src.write_bytes(CASE_AND_UNITS)
    assert run(app, "import", str(src), "--course", course.code).exit_code == 0
    qs = course_questions(course)
    form, distance = qs["Form"], qs["Distance"]
    assert form.data["case_sensitive"] is True and form.data["tags"] == ["forms", "week 2"]
    assert form.data["idnumber"] == "SA-7"
    assert form.type.grade(form, {"text": "I-247A"}) == 1.0 and form.type.grade(form, {"text": "i-247a"}) == 0.0
    grade = distance.type.grade
    assert grade(distance, {"text": "12 m"}) == 1.0 and grade(distance, {"text": "1200 cm"}) == 1.0
    assert grade(distance, {"text": "12"}) == 0.75  # unit missing: 25% of the answer's grade lost
    assert grade(distance, {"text": "12 km"}) == 0.75 and grade(distance, {"text": "13 m"}) == 0.0
    # editing the answers keeps what the form does not show
    login(make.user(Role.ADMIN))
    client.post(f"/bank/questions/{form.id}/edit", data={
        "kind": "short_answer", "category_id": str(form.category_id), "name": "Form", "text": "Which form?",
        "points": "1", "answers": "100 | I-247A\n50 | I-247", "general_feedback": "", "action": "save"})
    db.session.refresh(form)
    assert form.data["case_sensitive"] is True and form.data["tags"] == ["forms", "week 2"]
    # Moodle XML carries them all; GIFT carries tags and idnumber and says what it cannot
    for fmt in ("moodlexml", "gift"):
        target = make.course()
        out = tmp_path / f"out.{fmt}"
        result = run(app, "export", str(out), "--course", course.code, "--format", fmt)
        assert result.exit_code == 0
        if fmt == "gift":
            assert "'Form': exported without case sensitivity" in result.output
            assert "'Distance': exported without its units" in result.output
        assert run(app, "import", str(out), "--course", target.code).exit_code == 0
        copied = course_questions(target)
        assert copied["Form"].data["tags"] == ["forms", "week 2"] and copied["Form"].data["idnumber"] == "SA-7"
        if fmt == "moodlexml":
            assert copied["Form"].data == form.data and copied["Distance"].data == distance.data
