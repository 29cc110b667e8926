"""What a Moodle XML question sets that the portal neither keeps nor honours is listed in its notes,
and only when it differs from Moodle's default (a plain export lists nothing)."""
from portal.quizzes.formats import ImportedQuestion, NumericAnswer, export_moodle_xml, parse_moodle_xml
from portal.quizzes.formats.model import Unit


def one(body: str, qtype: str):
    src = (f'<quiz><question type="{qtype}"><name><text>Q</text></name>'
           f'<questiontext format="html"><text>Text</text></questiontext>{body}</question></quiz>')
    return parse_moodle_xml(src.encode())[0]


def test_essay_options_are_reported_when_not_the_default():
    q = one("<responseformat>plain</responseformat><responsefieldlines>5</responsefieldlines>"
            "<attachments>2</attachments><graderinfo format='html'><text>Look for X</text></graderinfo>"
            "<responsetemplate format='html'><text>Start here</text></responsetemplate>", "essay")
    assert q.notes == ["essay options responseformat, responsefieldlines, attachments ignored: answers are typed "
                       "text, no attachments", "<graderinfo> ignored", "<responsetemplate> ignored"]
    assert one("<responseformat>editor</responseformat><responsefieldlines>15</responsefieldlines>", "essay").notes == []


def test_numerical_display_and_answer_formats_are_reported():
    body = ("<answer fraction='100' format='moodle_auto_format'><text>12</text>"
            "<feedback format='markdown'><text>*ok*</text></feedback></answer>"
            "<units><unit><multiplier>1</multiplier><unit_name>m</unit_name></unit></units>"
            "<unitgradingtype>2</unitgradingtype><unitpenalty>0.5</unitpenalty><showunits>1</showunits>"
            "<unitsleft>1</unitsleft>")
    q = one(body, "numerical")
    assert (q.units, q.unit_grading, q.unit_penalty) == ([Unit("m", 1.0)], 2, 0.5)
    assert q.notes == ["answer or feedback formats markdown read as the question's html",
                       "unit display as a drop-down or radio buttons ignored: units are typed after the number",
                       "units before the number ignored: units are typed after the number"]


def test_our_own_exports_carry_no_notes():
    qs = [ImportedQuestion("essay", "E", "Explain"),
          ImportedQuestion("numeric", "N", "How far?", numeric_answers=[NumericAnswer(12.0)], units=[Unit("m")])]
    assert [q.notes for q in parse_moodle_xml(export_moodle_xml(qs))] == [[], []]
