"""Round trips of every type through both formats, with the options the portal keeps (case
sensitivity, units, tags, idnumber); what GIFT cannot hold is reported, never dropped silently."""
from dataclasses import replace

import pytest

from portal.quizzes.formats import (
    AcceptedAnswer,
    Choice,
    FormatError,
    ImportedQuestion,
    MatchPair,
    NumericAnswer,
    export_gift,
    export_moodle_xml,
    parse_gift,
    parse_moodle_xml,
)
from portal.quizzes.formats.cloze import parse_cloze
from portal.quizzes.formats.model import Unit

TAGS = {"tags": ["week 1", "a]b"], "idnumber": "ID-1"}
cloze_text, cloze_gaps = parse_cloze("Capital: {1:SA:=Berlin#Yes~%50%Bonn} pi {2:NM:=3.14:0.01} {1:MCH:=a~b}")
EVERY_KIND = [
    ImportedQuestion("single_choice", "SC", "Pick", choices=[Choice("a", 1.0, "yes"), Choice("b", -0.3333333)], **TAGS),
    ImportedQuestion("multiple_response", "MR", "Pick", choices=[
        Choice("a", 0.3333333), Choice("b", 0.3333333), Choice("c", 0.3333333), Choice("d", -1.0)], **TAGS),
    ImportedQuestion("true_false", "TF", "True?", choices=[Choice("True", 0.0, "no"), Choice("False", 1.0, "yes")], **TAGS),
    ImportedQuestion("short_answer", "SA", "Form?", accepted_answers=[AcceptedAnswer("I-247A", 1.0),
                                                                       AcceptedAnswer("I-247", 0.5)], **TAGS),
    ImportedQuestion("numeric", "NM", "How far?", numeric_answers=[NumericAnswer(12.0, 0.5, 1.0),
                                                                   NumericAnswer(None, 0.0, 0.0, "no")], **TAGS),
    ImportedQuestion("matching", "MA", "Match", pairs=[MatchPair("OPR", "misconduct"), MatchPair("OIG", "audits")],
                     **TAGS),
    ImportedQuestion("essay", "ES", "Explain", **TAGS),
    ImportedQuestion("description", "DE", "Read this", points=0.0, **TAGS),
]
CLOZE = ImportedQuestion("cloze", "CL", cloze_text, text_format="html", points=4.0, cloze=cloze_gaps, **TAGS)
CASE = replace(EVERY_KIND[3], name="SAC", case_sensitive=True)
UNITS = replace(EVERY_KIND[4], name="NMU", units=[Unit("m"), Unit("cm", 100.0)], unit_grading=2, unit_penalty=0.2)


@pytest.mark.parametrize("q", [*EVERY_KIND, CLOZE, CASE, UNITS], ids=lambda q: q.name)
def test_moodle_xml_keeps_everything(q):
    assert parse_moodle_xml(export_moodle_xml([q])) == [q]


@pytest.mark.parametrize("q", EVERY_KIND, ids=lambda q: q.name)
def test_gift_keeps_every_type_it_can_hold_with_tags_and_idnumber(q):
    problems: list[FormatError] = []
    assert parse_gift(export_gift([q], problems)) == [q] and problems == []


@pytest.mark.parametrize("q, lost, kept", [
    (CASE, "exported without case sensitivity", replace(CASE, case_sensitive=False)),
    (UNITS, "exported without its units", replace(UNITS, units=[], unit_grading=0, unit_penalty=0.1)),
    (replace(EVERY_KIND[0], images={"my pic.png": b"\x89PNG"}), "exported without its image(s) my pic.png",
     EVERY_KIND[0]),
])
def test_gift_says_what_it_cannot_carry(q, lost, kept):
    problems: list[FormatError] = []
    out = export_gift([q], problems)
    assert [str(p) for p in problems] == [f"question {q.name!r}: {lost}" + str(problems[0]).split(lost, 1)[1]]
    assert parse_gift(out) == [kept]


def test_gift_reports_cloze_and_exports_the_rest():
    problems: list[FormatError] = []
    out = export_gift([CLOZE, *EVERY_KIND], problems)
    assert [p.question for p in problems] == ["CL"] and "cannot hold cloze" in problems[0].message
    assert parse_gift(out) == EVERY_KIND


def test_whole_bank_round_trips_through_xml_then_gift():
    via_xml = parse_moodle_xml(export_moodle_xml([*EVERY_KIND, CLOZE]))
    assert via_xml == [*EVERY_KIND, CLOZE]
    assert parse_gift(export_gift(via_xml, [])) == EVERY_KIND
