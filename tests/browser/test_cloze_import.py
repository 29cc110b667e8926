"""An instructor imports a Moodle XML file with a cloze question in a real browser: the preview (no
axe violations) lists what each question loses, the confirmation imports it, and the question's
preview page shows an input in each gap with its own accessible label, reachable with the keyboard."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_components import axe_violations
from tests.browser.test_keyboard import tab_to

pytestmark = pytest.mark.browser

CLOZE_XML = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="cloze">
    <name><text>Browser cloze</text></name>
    <questiontext format="html"><text><![CDATA[<p>A detainer is form {1:SHORTANSWER:=I-247A#Right}, sent
      {1:MULTICHOICE:=before release~after release}; it asks for up to {2:NUMERICAL:=48:0} hours and covers
      {1:MCH:=removable aliens~all arrestees} and {1:MRH:%50%ICE~%50%CBP~%-100%FBI}.</p>]]></text></questiontext>
    <hint format="html"><text>Think of the form number.</text></hint>
  </question>
</quiz>
"""


def test_instructor_imports_and_previews_a_cloze_question(new_context, tmp_path):
    page = new_context(javascript=True).new_page()
    sign_in(page, "instructor@example.com")
    page.get_by_role("link", name="Exams and grading").first.click()
    page.get_by_role("link", name=re.compile("question bank$")).first.click()
    page.get_by_role("link", name="Import GIFT or Moodle XML").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Import questions into")
    source = tmp_path / "cloze.xml"
    source.write_text(CLOZE_XML, encoding="utf-8")
    page.locator("input[type=file]#file").set_input_files(str(source))  # USWDS restyles the labelled input
    page.get_by_label("Put the questions under this category").fill("Browser import")
    page.get_by_role("button", name="Preview the import").click()
    expect(page.get_by_role("heading", name="Preview of cloze.xml")).to_be_visible()
    expect(page.get_by_text("1 hint(s) ignored")).to_be_visible()
    assert not axe_violations(page)
    screenshot(page, "cloze-import-preview")
    page.get_by_role("button", name="Import these questions").click()
    expect(page.get_by_text("Imported 1 question(s)")).to_be_visible()
    page.get_by_role("link", name="Browser import", exact=True).click()
    page.get_by_role("link", name="Browser cloze").first.click()
    for n in (1, 2, 3):
        expect(page.get_by_label(f"Gap {n} of 5", exact=False)).to_be_visible()
    expect(page.get_by_role("group", name="Gap 5 of 5 (select all that apply)")).to_be_visible()
    assert not axe_violations(page)
    first = tab_to(page, lambda el: el["tag"] == "input" and el["id"].endswith("-1"))
    page.keyboard.type("I-247A")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")  # the drop-down, by keyboard
    assert first["id"].endswith("-1")
    expect(page.locator(f"#{first['id']}")).to_have_value("I-247A")
    screenshot(page, "cloze-question-preview")
