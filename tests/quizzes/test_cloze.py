"""Moodle's embedded answers (Cloze): the documented sub-question syntax, taking with an input and a
label per gap, grading per gap, review, and export to Moodle XML (GIFT cannot hold it and says so)."""
import re

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.auth.roles import Role
from portal.extensions import db
from portal.quizzes.formats import FormatError, export_gift, export_moodle_xml, parse_moodle_xml
from portal.quizzes.formats.cloze import cloze_markup, parse_cloze
from portal.quizzes.models import Attempt, Question

# Written from Moodle's "Embedded Answers (Cloze) question type" documentation: every sub-question
# type spelling, weights, feedback, tolerances and escapes.
CLOZE_TEXT = (
    "<p>Berlin is the capital of {1:SHORTANSWER:=Germany#Right~%50%Prussia#Historically~*#Wrong}. "
    "Case counts: {1:SAC:=DHS} and {1:MW:=ICE}. "
    "Pi to two places: {2:NUMERICAL:=3.14:0.005#Good~%50%3:0.5#Roughly}. "
    "A range: {1:NM:=1..3}. "
    "Drop-down: {1:MULTICHOICE:=yes#Yes indeed~no#No}. Vertical: {1:MCV:a~=b}. Horizontal: {1:MCH:=a~b}. "
    "Shuffled: {1:MCS:=a~b~c} {1:MCVS:=a~b} {1:MCHS:=a~b}. "
    "Several: {2:MULTIRESPONSE:%50%x~%50%y~%-100%z} {1:MRH:=x~y} {1:MRS:%50%x~%50%y~z} {1:MRHS:=x~y}. "
    "Escaped: {1:SA:=a\\}b\\#c\\~d}.</p>"
)
CLOZE_XML = ("<quiz><question type=\"cloze\"><name><text>Everything</text></name><questiontext format=\"html\"><text>"
             "<![CDATA[" + CLOZE_TEXT + "]]></text></questiontext><generalfeedback format=\"html\"><text>See the MOA."
             "</text></generalfeedback><penalty>0.3333333</penalty><hidden>0</hidden></question></quiz>").encode()


def test_every_documented_sub_question_type_parses():
    text, gaps = parse_cloze(CLOZE_TEXT)
    assert [g.code for g in gaps] == ["SA", "SAC", "SA", "NM", "NM", "MC", "MCV", "MCH", "MCS", "MCVS", "MCHS",
                                      "MR", "MRH", "MRS", "MRHS", "SA"]
    assert text.count("{#") == 16 and "{#1}" in text and "{#16}" in text
    first = gaps[0]
    assert (first.weight, [(a.text, a.fraction, a.feedback) for a in first.answers]) == (
        1, [("Germany", 1.0, "Right"), ("Prussia", 0.5, "Historically"), ("*", 0.0, "Wrong")])
    pi = gaps[3]
    assert pi.weight == 2 and [(a.text, a.tolerance, a.fraction) for a in pi.answers] == [("3.14", 0.005, 1.0),
                                                                                          ("3", 0.5, 0.5)]
    assert [(a.text, a.tolerance) for a in gaps[4].answers] == [("2", 1.0)]  # 1..3
    assert [a.fraction for a in gaps[11].answers] == [0.5, 0.5, -1.0]
    assert gaps[15].answers[0].text == "a}b#c~d"
    assert parse_cloze(cloze_markup(text, gaps)) == (text, gaps)
    assert parse_cloze("{1000:SA:=x}")[1][0].weight == 1000 and parse_cloze("{0:SA:=x}")[1][0].weight == 0


@pytest.mark.parametrize("bad, message", [
    ("{1:SA:%83.3%x~=y}", "not one of Moodle's grades"),
    ("{1:SA:%50%x}", "no answer is fully correct"),
    ("{1:MC:=x}", "at least 2 answers"),
    ("{1:MR:%50%x~%40%y}", "add up to 90%"),
    ("{1:NM:=abc}", "bad numerical answer"),
    ("{1:SA:=x", "not closed"),
    ("no gaps here", "at least one embedded answer"),
    ("{1001:SA:=x}", "above 1000"),
    ("{99999999999999999999999:SA:=x}", "above 1000"),
])
def test_malformed_gaps_are_refused_naming_the_gap(bad, message):
    with pytest.raises(ValueError, match=message):
        parse_cloze(bad)


def test_moodle_xml_round_trip_and_gift_says_it_cannot_hold_cloze():
    [q] = parse_moodle_xml(CLOZE_XML)
    assert q.kind == "cloze" and q.points == 18  # Moodle: the sum of the gap weights
    assert parse_moodle_xml(export_moodle_xml([q])) == [q]
    with pytest.raises(FormatError, match="GIFT cannot hold cloze"):
        export_gift([q])
    problems: list[FormatError] = []
    assert export_gift([q], problems) == "" and "export them as Moodle XML" in str(problems[0])


def test_a_cloze_question_is_taken_graded_per_gap_and_reviewed(app, client, login, make, tmp_path):
    course = make.course(weeks=1, modules_per_week=1, lessons_per_module=1)
    src = tmp_path / "cloze.xml"
    src.write_text("<quiz><question type=\"cloze\"><name><text>Capital</text></name><questiontext format=\"html\">"
                   "<text><![CDATA[<p>Berlin is in {1:SA:=Germany#Right}. Pi is {2:NM:=3.14:0.01}. "
                   "Pick {1:MC:=yes#Good~no#Bad}. All that apply: {1:MRH:%50%x~%50%y~%-100%z}.</p>]]></text>"
                   "</questiontext></question></quiz>")
    assert app.test_cli_runner().invoke(args=["questions", "import", str(src), "--course", course.code]).exit_code == 0
    question = db.session.scalar(sa.select(Question).where(Question.course_id == course.id))
    assert question.points == 5
    grade = question.type.grade
    assert grade(question, question.type.model_answer(question, True)) == 1.0
    assert grade(question, question.type.model_answer(question, False)) == 0.0
    # gap 1 right (1), gap 2 wrong (0 of 2), gap 3 right (1), gap 4 half (0.5 of 1): 2.5 of 5
    assert grade(question, {"gaps": {"1": "germany", "2": "3.2", "3": "0", "4": ["0"]}}) == 0.5
    assert grade(question, {"gaps": {"1": "Germany", "2": "3.149", "3": "0", "4": ["0", "1"]}}) == 1.0
    assert grade(question, {"gaps": {"4": ["0", "1", "2"]}}) == 0.0

    instructor = make.user(Role.INSTRUCTOR)
    tc = make.training_class(course, instructors=[instructor])
    officer = make.user(Role.OFFICER)
    make.enrollment(officer, tc)
    quiz = make.quiz(course, [question], module=course.modules[0], review_policy="after_submit")
    db.session.commit()
    login(officer)
    started = client.post(f"/classes/{tc.id}/exams/{quiz.id}/start")
    assert started.status_code == 302
    attempt = db.session.scalar(sa.select(Attempt).where(Attempt.quiz_id == quiz.id))
    page = client.get(started.headers["Location"]).data.decode()
    name = f"q{question.id}"
    for n in (1, 2, 3):
        assert f'<label class="usa-sr-only" for="{name}-{n}">Gap {n} of 4' in page
    assert 'role="group" aria-label="Gap 4 of 4 (select all that apply)"' in page
    assert "Berlin is in <label" in page and "{#" not in page and "Germany" not in page
    entry = next(e for e in attempt.layout if e["question_id"] == question.id)
    values = entry["gaps"]
    refused = client.post(f"/attempts/{attempt.id}/save", data={"page": "1", f"{name}-2": "pi", "action": "save"})
    assert "Gap 2: “pi” is not a number" in refused.data.decode()
    client.post(f"/attempts/{attempt.id}/save", data={
        "page": "1", f"{name}-1": "germany", f"{name}-2": "3.14", f"{name}-3": values[2]["values"]["1"],
        f"{name}-4": [values[3]["values"]["0"], values[3]["values"]["1"]], "action": "finish"})
    client.post(f"/attempts/{attempt.id}/submit")
    db.session.refresh(attempt)
    assert attempt.score == 4.0  # all right but the drop-down (1 of 5 lost)
    result = client.get(f"/attempts/{attempt.id}/result").data.decode()
    assert "[gap 1]" in result and "gap 1: germany; gap 2: 3.14; gap 3: no; gap 4: x + y" in result
    assert re.search(r"gap 1: Germany; gap 2: 3.14 ± 0.01; gap 3: yes; gap 4: x \+ y", result)


def test_author_a_cloze_question_in_the_form(client, login, make):
    course = make.course()
    login(make.user(Role.ADMIN))
    form = {"kind": "cloze", "category_id": "0", "name": "Form cloze", "points": "3", "general_feedback": "",
            "text": "The form is {#1} and it is {#2}.", "answers": "{1:SA:=I-247A#Right}\n{2:MC:=a detainer~a warrant}",
            "action": "save"}
    missing = client.post(f"/bank/courses/{course.id}/questions/new", data={**form, "text": "Only {#1}."})
    assert "In the question text, the text must hold the gaps {#1} to {#2} once each." in missing.data.decode()
    bad = client.post(f"/bank/courses/{course.id}/questions/new", data={**form, "answers": "{1:SA:%83.3%x~=y}"})
    assert "Line 1: embedded answer 1: answer weight 83.3% is not one of Moodle" in bad.data.decode()
    assert client.post(f"/bank/courses/{course.id}/questions/new", data=form).status_code == 302
    question = db.session.scalar(sa.select(Question).where(Question.course_id == course.id))
    assert question.kind == "cloze" and [g["code"] for g in question.data["gaps"]] == ["SA", "MC"]
    page = client.get(f"/bank/questions/{question.id}").data.decode()
    assert "Gap 1 (SA, weight 1): I-247A: 100% — Right" in page and "Gap 2 of 2" in page
    edit = client.get(f"/bank/questions/{question.id}/edit").data.decode()
    assert "{1:SA:=I-247A#Right}\n{2:MC:=a detainer~a warrant}" in edit


GAP_NOISE = st.text("{}:~=#%\\/.,-01239SAMCNRHVWxé ", max_size=60)


@settings(max_examples=300, deadline=None)
@given(st.one_of(GAP_NOISE.map(lambda s: "{1:" + s), st.sampled_from(["{1:NM:=1e999}", "{1:NM:=1e308..1e999}"]),
                 GAP_NOISE.map(lambda s: "{:MC:" + s + "}"), GAP_NOISE.map(lambda s: "{2:NUMERICAL:" + s + "}")))
def test_arbitrary_gaps_only_raise_value_errors(src):
    try:
        text, gaps = parse_cloze(src)
    except ValueError:
        return
    assert parse_cloze(cloze_markup(text, gaps)) == (text, gaps)
