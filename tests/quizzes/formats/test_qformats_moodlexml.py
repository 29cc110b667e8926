"""Moodle XML import/export."""
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest

from portal.quizzes.formats import (
    AcceptedAnswer,
    Choice,
    FormatError,
    ImportedQuestion,
    MatchPair,
    NumericAnswer,
    export_moodle_xml,
    parse_moodle_xml,
)

DATA = Path(__file__).parent / "data"
PNG = (DATA / "badge.png").read_bytes()


def fixture_questions():
    return parse_moodle_xml((DATA / "jem_week2.xml").read_bytes())


def quiz(*questions: str) -> str:
    return '<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n' + "\n".join(questions) + "\n</quiz>\n"


def question(qtype: str, name: str = "Q", body: str = "", text: str = "Question text") -> str:
    return (
        f'<question type="{qtype}">\n<name><text>{name}</text></name>\n'
        f'<questiontext format="html"><text>{text}</text></questiontext>\n{body}\n</question>'
    )


TF_BODY = (
    '<answer fraction="100"><text>true</text><feedback><text>yes</text></feedback></answer>'
    '<answer fraction="0"><text>false</text><feedback><text>no</text></feedback></answer>'
)


# ----------------------------------------------------------------- the fixture, type by type


def test_fixture_kinds_categories_and_points():
    qs = fixture_questions()
    assert [(q.kind, q.name, q.category, q.points) for q in qs] == [
        ("single_choice", "Detainer form", "287G-JEM-BASIC/Week 2", 2.0),
        ("multiple_response", "Warrant elements", "287G-JEM-BASIC/Week 2", 1.0),
        ("true_false", "Administrative warrant", "287G-JEM-BASIC/Week 2", 1.0),
        ("short_answer", "Record form", "287G-JEM-BASIC/Week 2", 1.0),
        ("numeric", "Detainer hours", "287G-JEM-BASIC/Week 2", 1.0),
        ("matching", "Model duties", "287G-JEM-BASIC/Week 2/Review", 3.0),
        ("essay", "Reflection", "287G-JEM-BASIC/Week 2/Review", 5.0),
        ("description", "Week 2 wrap-up", "287G-JEM-BASIC/Week 2/Review", 0.0),
    ]
    assert [q.source_line for q in qs] == [15, 65, 100, 128, 157, 208, 243, 270]


def test_fixture_multichoice_with_embedded_image():
    q = fixture_questions()[0]
    assert q.text_format == "html"
    assert '<img src="@@PLUGINFILE@@/badge.png" alt="badge" />' in q.text
    assert q.images == {"badge.png": PNG}
    assert q.general_feedback == "<p>The I-247A replaced the older I-247.</p>"
    assert q.choices == [
        Choice("<p>I-247A</p>", 1.0, "Correct."),
        Choice("<p>I-213</p>", 0.0, "That is the record of the encounter."),
        Choice("I-9", -0.3333333, ""),
    ]


def test_fixture_multiple_response_and_auto_format():
    q = fixture_questions()[1]
    assert q.text_format == "markdown"  # moodle_auto_format
    assert [c.fraction for c in q.choices] == [0.3333333, 0.3333333, 0.3333333, -1.0]  # 33.33334 is Moodle's 33.33333


def test_fixture_true_false_short_numeric():
    _, _, tf, sa, num, *_ = fixture_questions()
    assert tf.choices == [
        Choice("True", 0.0, "No: it is signed by an authorized immigration officer."),
        Choice("False", 1.0, "Correct."),
    ]
    assert sa.text_format == "plain"
    assert sa.accepted_answers == [AcceptedAnswer("I-213", 1.0, "Correct."), AcceptedAnswer("I213*", 0.5, "Write the hyphen.")]
    assert num.numeric_answers == [
        NumericAnswer(48.0, 0.0, 1.0, "Correct."),
        NumericAnswer(2.0, 0.0, 0.5, "That is days, we asked for hours."),
        NumericAnswer(None, 0.0, 0.0, "Review the I-247A."),
    ]


def test_fixture_matching_essay_description():
    *_, match, essay, desc = fixture_questions()
    assert match.pairs == [
        MatchPair("<p>Jail Enforcement Model</p>", "Inside the jail, at booking"),
        MatchPair("<p>Warrant Service Officer</p>", "Serving ICE warrants in the jail"),
        MatchPair("", "At a port of entry"),
    ]
    assert essay.text == "Describe, in your own words, the limits of a detainer & why they exist."
    assert essay.general_feedback == "Mention the 48-hour limit."
    assert desc.text == "<p>This ends the week 2 review.</p>"


# ----------------------------------------------------------------- smaller cases


@pytest.mark.parametrize(
    "path, expected",
    [
        ("$course$/top/A/B", "A/B"),
        ("$course$/Iota/Kappa", "Iota/Kappa"),
        ("$system$/top/Shared", "Shared"),
        ("$course$/top", None),
        ("Plain", "Plain"),
    ],
)
def test_category_paths(path, expected):
    src = quiz(
        f'<question type="category"><category><text>{path}</text></category></question>',
        question("truefalse", body=TF_BODY),
    )
    assert parse_moodle_xml(src)[0].category == expected


def test_old_style_category_without_text_element():
    src = quiz('<question type="category"><category>$course$/tom/dick</category></question>', question("truefalse", body=TF_BODY))
    assert parse_moodle_xml(src)[0].category == "tom/dick"


def test_true_false_old_localised_labels_fall_back_to_order():
    body = '<answer fraction="0"><text>Wahr</text></answer><answer fraction="100"><text>Falsch</text></answer>'
    q = parse_moodle_xml(quiz(question("truefalse", body=body)))[0]
    assert q.choices == [Choice("True", 0.0, ""), Choice("False", 1.0, "")]


def test_match_alias_and_blank_entries_ignored():
    body = "".join(
        f"<subquestion><text>{p}</text><answer><text>{a}</text></answer></subquestion>"
        for p, a in [("a", "1"), ("b", "2"), ("", "3"), ("", "")]
    )
    q = parse_moodle_xml(quiz(question("match", body=body)))[0]
    assert q.pairs == [MatchPair("a", "1"), MatchPair("b", "2"), MatchPair("", "3")]


def test_defaults_name_format_grade():
    src = quiz('<question type="essay"><questiontext><text><![CDATA[  Explain <b>this</b>  ]]></text></questiontext></question>')
    q = parse_moodle_xml(src)[0]
    assert (q.name, q.text, q.text_format, q.points) == ("Explain this", "Explain <b>this</b>", "html", 1.0)


def test_single_defaults_to_true_and_zero_means_false():
    answers = '<answer fraction="100"><text>a</text></answer><answer fraction="0"><text>b</text></answer>'
    assert parse_moodle_xml(quiz(question("multichoice", body=answers)))[0].kind == "single_choice"
    multi = "<single>0</single>" + answers
    assert parse_moodle_xml(quiz(question("multichoice", body=multi)))[0].kind == "multiple_response"


def test_str_input_and_utf8_bom_bytes():
    src = quiz(question("truefalse", name="Déjà vu", body=TF_BODY))
    assert parse_moodle_xml(src)[0].name == "Déjà vu"
    assert parse_moodle_xml(b"\xef\xbb\xbf" + src.encode())[0].name == "Déjà vu"


def test_files_in_feedback_and_sub_folders():
    import base64

    data = base64.b64encode(b"GIF89a").decode()
    body = (
        f'<generalfeedback format="html"><text>see @@PLUGINFILE@@/sub/x.gif</text>'
        f'<file name="x.gif" path="/sub/" encoding="base64">{data[:4]}\n  {data[4:]}</file></generalfeedback>' + TF_BODY
    )
    q = parse_moodle_xml(quiz(question("truefalse", body=body)))[0]
    assert q.images == {"sub/x.gif": b"GIF89a"}


# ----------------------------------------------------------------- errors


@pytest.mark.parametrize("qtype", ["multianswer", "calculated", "calculatedsimple", "ddwtos", "gapselect", ""])
def test_unsupported_types_fail_naming_the_question(qtype):
    src = quiz(question("truefalse", name="Fine", body=TF_BODY), question(qtype, name="Exotic"))
    with pytest.raises(FormatError) as info:
        parse_moodle_xml(src)
    assert info.value.question == "Exotic"
    assert info.value.line == 8
    assert "unsupported question type" in str(info.value)


def test_malformed_xml_reports_the_parser_line():
    src = quiz(question("truefalse", body=TF_BODY)).replace("</name>", "</nam>", 1)
    with pytest.raises(FormatError) as info:
        parse_moodle_xml(src)
    assert info.value.line == 4
    assert "malformed XML" in str(info.value)


def test_truncated_and_empty_documents():
    with pytest.raises(FormatError, match="malformed XML"):
        parse_moodle_xml(b'<?xml version="1.0"?>\n<quiz>\n<question type="essay">')
    with pytest.raises(FormatError, match="malformed XML"):
        parse_moodle_xml(b"")


@pytest.mark.parametrize("encoding", ["U-F-8", "Shift_JIS"])
def test_unknown_or_unsupported_declared_encoding(encoding):
    with pytest.raises(FormatError, match="XML") as info:
        parse_moodle_xml(f'<?xml version="1.0" encoding="{encoding}"?>\n<quiz></quiz>'.encode())
    assert info.value.line == 1


def test_undefined_html_entity_is_malformed():
    with pytest.raises(FormatError, match="undefined entity"):
        parse_moodle_xml(quiz(question("truefalse", text="a&nbsp;b", body=TF_BODY)))


def test_entity_expansion_attack_is_refused():
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE quiz [\n<!ENTITY a "aaaaaaaaaa">\n'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\n<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">\n]>\n'
        "<quiz><question type=\"essay\"><questiontext><text>&c;</text></questiontext></question></quiz>"
    )
    with pytest.raises(FormatError, match="DOCTYPE") as info:
        parse_moodle_xml(bomb)
    assert info.value.line == 2


def test_external_entity_is_refused():
    xxe = '<?xml version="1.0"?>\n<!DOCTYPE quiz [<!ENTITY x SYSTEM "file:///etc/passwd">]><quiz>&x;</quiz>'
    with pytest.raises(FormatError, match="DOCTYPE"):
        parse_moodle_xml(xxe)


@pytest.mark.parametrize("where", ["text", "name"])
def test_unescaped_markup_in_text_is_refused(where):
    body = TF_BODY
    src = quiz(question("truefalse", name="N<b>x</b>" if where == "name" else "N", text="a <p>b</p>", body=body))
    with pytest.raises(FormatError, match="put HTML in CDATA") as info:
        parse_moodle_xml(src)
    assert info.value.line == 3


def test_root_must_be_quiz():
    with pytest.raises(FormatError, match="expected a <quiz>"):
        parse_moodle_xml("<questions/>")


@pytest.mark.parametrize(
    "body, message",
    [
        ('<answer fraction="lots"><text>a</text></answer><answer><text>b</text></answer>', "bad fraction"),
        ('<answer fraction="100"><text>a</text></answer><answer fraction="0"><text></text></answer>', "empty answer"),
        ('<answer fraction="50"><text>a</text></answer><answer fraction="0"><text>b</text></answer>', "fully correct"),
        ('<answer fraction="100"><text>a</text></answer>', "at least 2 answers"),
    ],
)
def test_invalid_multichoice_fails_with_question_and_line(body, message):
    src = quiz(question("truefalse", body=TF_BODY), question("multichoice", name="Bad MC", body=body))
    with pytest.raises(FormatError) as info:
        parse_moodle_xml(src)
    assert info.value.question == "Bad MC"
    assert info.value.line == 8
    assert message in info.value.message


@pytest.mark.parametrize(
    "body, message",
    [
        ('<answer fraction="100"><text>abc</text></answer>', "bad number 'abc'"),
        ('<answer fraction="100"><text>5</text><tolerance>x</tolerance></answer>', "bad tolerance"),
        ('<answer fraction="100"><text>5</text><tolerance>-1</tolerance></answer>', "bad tolerance"),
        ('<answer fraction="100"><text>5</text></answer><defaultgrade>two</defaultgrade>', "bad defaultgrade"),
    ],
)
def test_invalid_numerical(body, message):
    with pytest.raises(FormatError, match=message):
        parse_moodle_xml(quiz(question("numerical", body=body)))


def test_true_false_needs_two_answers():
    with pytest.raises(FormatError, match="exactly 2 answers"):
        parse_moodle_xml(quiz(question("truefalse", body='<answer fraction="100"><text>true</text></answer>')))


@pytest.mark.parametrize(
    "file_xml, message",
    [
        ('<file name="x.png" path="/" encoding="base64">!!!notbase64</file>', "not valid base64"),
        ('<file name="x.png" path="/" encoding="hex">00</file>', "not base64-encoded"),
        ('<file name="../x.png" path="/" encoding="base64">AA==</file>', "unsafe"),
        ('<file name="" path="/" encoding="base64">AA==</file>', "unsafe or missing"),
        (
            '<file name="x.png" encoding="base64">AA==</file><file name="x.png" encoding="base64">AQ==</file>',
            "two different files",
        ),
    ],
)
def test_bad_embedded_files(file_xml, message):
    body = f'<generalfeedback><text>x</text>{file_xml}</generalfeedback>' + TF_BODY
    with pytest.raises(FormatError, match=message):
        parse_moodle_xml(quiz(question("truefalse", body=body)))


def test_same_file_twice_is_fine():
    body = '<generalfeedback><text>x</text><file name="x.png">AA==</file></generalfeedback>' + TF_BODY
    src = quiz(question("truefalse", body=body.replace("<text>x</text>", '<text>x</text><file name="x.png">AA==</file>')))
    assert parse_moodle_xml(src)[0].images == {"x.png": b"\x00"}


# ----------------------------------------------------------------- export


def test_fixture_round_trips_with_images():
    qs = fixture_questions()
    out = export_moodle_xml(qs)
    assert out.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<quiz>')
    assert parse_moodle_xml(out) == qs
    assert parse_moodle_xml(out.encode("utf-8")) == qs
    assert export_moodle_xml(parse_moodle_xml(out)) == out


def test_export_structure_is_moodle_like():
    root = ET.fromstring(export_moodle_xml(fixture_questions()))
    types = [q.get("type") for q in root.findall("question")]
    assert types == [
        "category", "multichoice", "multichoice", "truefalse", "shortanswer", "numerical",
        "category", "matching", "essay", "description",
    ]
    assert root.find("question/category/text").text == "$course$/top/287G-JEM-BASIC/Week 2"
    mc = root.findall("question")[1]
    assert mc.find("single").text == "true"
    assert mc.find("defaultgrade").text == "2"
    assert [a.get("fraction") for a in mc.findall("answer")] == ["100", "0", "-33.33333"]
    assert mc.find("questiontext").get("format") == "html"
    assert mc.find("questiontext/file").get("name") == "badge.png"
    num = root.findall("question")[5]
    assert [a.findtext("text") for a in num.findall("answer")] == ["48", "2", "*"]
    assert [a.findtext("tolerance") for a in num.findall("answer")] == ["0", "0", "0"]
    tf = root.findall("question")[3]
    assert [a.findtext("text") for a in tf.findall("answer")] == ["true", "false"]


def test_empty_texts_are_written_as_open_close_pairs():
    out = export_moodle_xml([ImportedQuestion("essay", "E", "Explain")])
    assert "<text></text>" in out and "<text />" not in out


def test_images_go_next_to_the_text_that_uses_them():
    q = ImportedQuestion(
        "essay",
        "E",
        "Explain",
        general_feedback='<img src="@@PLUGINFILE@@/my%20pic.png">',
        images={"my pic.png": b"1", "loose.png": b"2", "dir/deep.png": b"3"},
    )
    root = ET.fromstring(export_moodle_xml([q]))
    assert root.find("question/generalfeedback/file").get("name") == "my pic.png"
    in_text = {f.get("name"): f.get("path") for f in root.findall("question/questiontext/file")}
    assert in_text == {"loose.png": "/", "deep.png": "/dir/"}
    assert parse_moodle_xml(export_moodle_xml([q])) == [q]


def test_special_characters_are_escaped():
    q = ImportedQuestion(
        "short_answer",
        "a < b & c",
        "<p>]]> & </quiz></p>",
        text_format="plain",
        accepted_answers=[AcceptedAnswer('"q" & <x>', 1.0, "it's ]]>")],
    )
    assert parse_moodle_xml(export_moodle_xml([q])) == [q]


def test_control_characters_cannot_be_exported():
    with pytest.raises(FormatError, match="XML cannot hold") as info:
        export_moodle_xml([ImportedQuestion("essay", "E", "bell \x07")])
    assert info.value.question == "E"


def test_invalid_question_is_refused():
    with pytest.raises(FormatError):
        export_moodle_xml([ImportedQuestion("matching", "M", "Q", pairs=[MatchPair("a", "1")])])


def test_category_returns_to_top():
    e = ImportedQuestion("essay", "E", "Q")
    qs = [replace(e, category="A"), replace(e, name="F")]
    out = export_moodle_xml(qs)
    assert "<text>$course$/top</text>" in out
    assert parse_moodle_xml(out) == qs
