"""The exam flow and the grading workspace in a real browser, with JavaScript on and off.

An officer whose week 1 lessons are not all complete finds the exam page listing the lessons left
(each a link, followed with the keyboard), completes them, and takes the week 1 exam with an essay;
an instructor then grades that essay from the keyboard alone in the workspace: the answers to grade
first, the graded ones collapsed, "Save and next ungraded", the confirmation in view. An officer
reads a review marked right / partly right / wrong.

The demo's running class has one officer no other browser test uses who can still take week 1's
exam: Derek Hughes (in remediation, 3 of week 1's lessons left, so his attempt is the retake). So the
whole flow (lessons, exam, "Save and next ungraded") runs once, with JavaScript; without it, Jordan
Reyes's exam page lists his lessons left (read only) and the instructor regrades Tamika Baker's
graded essay from its collapsed answer, giving it the points it has (her result does not change).
The review is Rosa Núñez's first, failed attempt at week 2 (read only).
"""
from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_exam_journeys import assert_no_axe_violations, press_tab_to_button
from tests.browser.test_journeys import MODES, mode
from tests.browser.test_keyboard import assert_focus_visible, focused, tab_to

pytestmark = pytest.mark.browser



def open_week1_exam(page) -> None:
    page.get_by_role("link", name=re.compile("^Exams and grades")).first.click()
    page.get_by_role("table", name=re.compile("^Your exams")).get_by_role("link", name="Week 1 exam").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Week 1 exam")


def lessons_left(page):
    return page.get_by_role("list", name="Lessons still to complete").get_by_role("link")


def finish_the_lessons(page, javascript: bool) -> None:
    """The exam page lists the lessons left; the first is followed with the keyboard, every one is
    completed, and the exam page then offers the start."""
    expect(page.get_by_role("heading", name="Lessons to complete first")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Start"))).to_have_count(0)
    count = lessons_left(page).count()
    assert count >= 3
    expect(page.locator("#lessons-first")).to_contain_text(f"{count} lessons to go")
    screenshot(page, f"exam-lessons-first-{mode(javascript)}")
    assert_no_axe_violations(page, javascript)
    exam_url = page.url
    first = lessons_left(page).first.inner_text()
    assert_focus_visible(tab_to(page, lambda e: e["tag"] == "a" and e["text"] == first, limit=120))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text(first)
    while True:
        page.get_by_role("button", name=re.compile("^Mark complete")).click()
        page.goto(exam_url)
        if lessons_left(page).count() == 0:
            break
        lessons_left(page).first.click()


def take_with_an_essay(page, essay: str) -> None:
    """Start the exam, answer only the essay, submit."""
    page.get_by_role("button", name=re.compile("^Start the (exam|retake)")).click()
    while True:
        essays = page.get_by_role("group", name=re.compile(r"^Question \d+ \(.*Essay\)"))
        if essays.count():
            essays.first.locator("textarea").fill(essay)
        current = int(re.search(r"page (\d+) of", page.title()).group(1))
        forward = page.get_by_role("button", name=f"Save and go to page {current + 1}", exact=True)
        if forward.count() == 0:
            break
        forward.click()
        # The click returns once the navigation starts; the next page's title is read only after it loads.
        expect(page).to_have_title(re.compile(f"page {current + 1} of"))
    page.get_by_role("button", name=re.compile("^Save and finish")).click()
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.get_by_role("heading", name="Pending grading")).to_be_visible()


def test_lessons_first_then_the_essay_graded_in_the_workspace_by_keyboard(new_context):
    javascript, email, queue_name, full_name = True, "d.hughes@example.com", "Hughes, Derek", "Derek Hughes"
    essay = f"I would decline and record the request ({uuid.uuid4().hex[:6]})."
    officer = new_context(javascript).new_page()
    sign_in(officer, email)
    open_week1_exam(officer)
    finish_the_lessons(officer, javascript)
    take_with_an_essay(officer, essay)

    page = new_context(javascript).new_page()
    sign_in(page, "instructor@example.com")
    page.goto("/teach/grading")
    # From the queue to the officer's attempt, by keyboard.
    assert_focus_visible(tab_to(page, lambda e: e["tag"] == "a" and e["text"] == queue_name, limit=150))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Week 1 exam: {full_name}")

    # The answers to grade first; the graded ones collapsed after them.
    to_grade = page.get_by_role("heading", name=re.compile(r"^Needs a grade \(1\)$"))
    graded = page.get_by_role("heading", name=re.compile(r"^Graded answers \(\d+\)$"))
    expect(to_grade).to_be_visible()
    first_graded = page.locator("details.portal-graded-answer").first
    expect(first_graded).not_to_have_attribute("open", "")
    assert to_grade.bounding_box()["y"] < graded.bounding_box()["y"] < first_graded.bounding_box()["y"]
    essay_section = page.get_by_role("region", name=re.compile("Witness lookup scenario"))
    expect(essay_section).to_contain_text(essay)
    assert_no_axe_violations(page, javascript)
    screenshot(page, f"grading-workspace-{mode(javascript)}")

    # A collapsed answer opens from the keyboard and can be regraded.
    summary_text = first_graded.locator("summary").inner_text()
    assert_focus_visible(tab_to(page, lambda e: e["tag"] == "summary" and e["text"] == summary_text, limit=200))
    page.keyboard.press("Enter")
    expect(first_graded).to_have_attribute("open", "")
    expect(first_graded.get_by_role("button", name=re.compile("^Regrade"))).to_be_visible()
    page.keyboard.press("Enter")  # and closes again
    expect(first_graded).not_to_have_attribute("open", "")

    # Grade the essay: Shift+Tab back up to its points field, type, Enter saves and moves on.
    points_id = essay_section.get_by_label("Points").get_attribute("id")
    for _ in range(200):
        page.keyboard.press("Shift+Tab")
        if focused(page)["id"] == points_id:
            break
    element = focused(page)
    assert element["id"] == points_id
    assert_focus_visible(element)
    page.keyboard.type(essay_section.get_by_text(re.compile(r"^From 0 to [\d.]+\.$")).inner_text()
                       .removeprefix("From 0 to ").rstrip("."))
    page.keyboard.press("Tab")
    page.keyboard.type("Clear, and grounded in the MOA.")
    press_tab_to_button(page, "Save and next ungraded")

    status = page.get_by_role("status").filter(has_text="attempt graded")
    expect(status).to_contain_text(f"of {full_name}'s attempt graded.")
    expect(status).to_be_in_viewport()
    if "Next ungraded" in status.inner_text():
        # Another answer of the class waits: its points field has the focus, in view below the
        # confirmation, which stays in view.
        points = page.locator(f"#{focused(page)['id']}")
        assert focused(page)["id"].endswith("-points")
        expect(points).to_be_in_viewport()
        assert status.bounding_box()["y"] + status.bounding_box()["height"] <= points.bounding_box()["y"]
    else:
        expect(status).to_contain_text("is waiting for a grade")
        expect(page.get_by_role("heading", level=1)).to_have_text("Grading queue")
    screenshot(page, f"grading-saved-next-{mode(javascript)}")


def test_without_javascript_the_lessons_left_and_a_regrade_by_keyboard(new_context):
    javascript = False
    officer = new_context(javascript).new_page()
    sign_in(officer, "officer@example.com")
    open_week1_exam(officer)
    expect(officer.get_by_role("heading", name="Lessons to complete first")).to_be_visible()
    expect(officer.locator("#lessons-first")).to_contain_text("5 lessons to go")
    expect(lessons_left(officer)).to_have_count(5)
    expect(officer.get_by_role("button", name=re.compile("^Start"))).to_have_count(0)
    first = lessons_left(officer).first.inner_text()
    assert_focus_visible(tab_to(officer, lambda e: e["tag"] == "a" and e["text"] == first, limit=120))
    officer.keyboard.press("Enter")
    expect(officer.get_by_role("heading", level=1)).to_contain_text(first)  # read only: nothing marked complete
    officer.go_back()
    screenshot(officer, f"exam-lessons-first-{mode(javascript)}")

    page = new_context(javascript).new_page()
    sign_in(page, "instructor@example.com")
    page.goto("/teach/exams")
    page.get_by_role("link", name="JEM Basic — Charlotte, NC", exact=True).click()
    page.get_by_role("row", name=re.compile("Baker, Tamika")).get_by_role("link", name=re.compile("Pass")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tamika Baker")
    expect(page.get_by_role("heading", name="Needs a grade (0)")).to_be_visible()
    essay = page.locator("details.portal-graded-answer").filter(has_text="Witness lookup scenario")
    expect(essay).not_to_have_attribute("open", "")
    summary_text = essay.locator("summary").inner_text()
    assert_focus_visible(tab_to(page, lambda e: e["tag"] == "summary" and e["text"] == summary_text, limit=250))
    page.keyboard.press("Enter")
    expect(essay).to_have_attribute("open", "")
    points = essay.get_by_label("Points")
    assert_focus_visible(tab_to(page, lambda e: e["id"] == points.get_attribute("id"), limit=20))
    page.keyboard.press("Tab")  # the feedback stays as it is
    page.keyboard.press("Tab")
    page.keyboard.type("Checked again with the grading guidance.")
    press_tab_to_button(page, "Regrade")
    status = page.get_by_role("status").filter(has_text="attempt graded")
    expect(status).to_contain_text("of Tamika Baker's attempt graded.")
    expect(status).to_be_in_viewport()
    expect(page.get_by_role("table", name=re.compile("^Every manual grade"))).to_contain_text(
        "Checked again with the grading guidance.")
    screenshot(page, f"grading-workspace-regrade-{mode(javascript)}")


@pytest.mark.parametrize("javascript", MODES)
def test_officer_review_marks_each_answer_in_words(new_context, javascript):
    page = new_context(javascript).new_page()
    sign_in(page, "r.nunez@example.com")
    page.get_by_role("link", name=re.compile("^Exams and grades")).first.click()
    page.get_by_role("table", name=re.compile("^Your exams")).get_by_role("link", name="Week 2 exam").click()
    page.get_by_role("table", name=re.compile("^Attempts on ")).get_by_role("link", name="1", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile(r"^Not passed: [\d.]+%$"))).to_be_visible()
    headings = page.get_by_role("heading", level=2, name=re.compile(r"^Question \d+ (Right|Partly right|Wrong)$"))
    assert headings.count() >= 3
    names = set(re.sub(r"^Question \d+ ", "", h) for h in headings.all_inner_texts())
    assert "Wrong" in names and "Right" in names
    lessons = page.get_by_role("navigation", name="Go back over the lessons of week 2").get_by_role("link")
    assert lessons.count() >= 3
    assert_no_axe_violations(page, javascript)
    screenshot(page, f"officer-review-marks-{mode(javascript)}")
    first = lessons.first.inner_text()
    assert_focus_visible(tab_to(page, lambda e: e["tag"] == "a" and e["text"] == first, limit=300))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text(first)
