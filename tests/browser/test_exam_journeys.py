"""Exams in a real browser, with JavaScript on and off: an officer takes the week's exam with the
keyboard alone and sees the result; an instructor grades an essay and the officer sees the feedback.

Each run uses its own demo officer (an exam can be taken once per session's database): the exam
runs use Florida Highway Patrol officers of the running class no other test signs in as; the grading
runs grade the two week 1 essays the demo leaves waiting (James Williams's, Anita Patel's).
The exam pages are reached only by POST or with an attempt open, which the crawler never has, so
axe runs here on the question page, the confirm page and the result page.
"""
from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_components import axe_violations
from tests.browser.test_journeys import MODES, mode
from tests.browser.test_keyboard import assert_focus_visible, tab_to

pytestmark = pytest.mark.browser

EXAM_OFFICERS = {True: "k.johnson@example.com", False: "b.lee@example.com"}
# The officer whose waiting essay each run grades, as the queue names them.
ESSAY_OFFICERS = {True: ("j.williams@example.com", "Williams, James"), False: ("a.patel@example.com", "Patel, Anita")}

# USWDS draws radios and checkboxes on the label's ::before: that is where the focus must show.
CHOICE_FOCUS_JS = """
() => {
  const input = document.activeElement;
  const style = getComputedStyle(input.labels[0], '::before');
  return {outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth) || 0, id: input.id};
}
"""


def assert_no_axe_violations(page, javascript: bool) -> None:
    """axe is a script: it cannot run in a page with JavaScript disabled (its promise never settles).
    The run with JavaScript checks the same pages."""
    if javascript:
        violations = axe_violations(page)
        assert not violations, violations


def assert_choice_focus_visible(page) -> None:
    assert_focus_visible(page.evaluate(CHOICE_FOCUS_JS))


def question(page, number: int):
    return page.get_by_role("group", name=re.compile(rf"^Question {number} \("))


def field_prefix(page, number: int) -> str:
    """The name of a question's fields: q<question id> (the fieldset's id is question-<id>)."""
    return "q" + question(page, number).get_attribute("id").removeprefix("question-")


def tab_into(page, number: int) -> dict:
    """Tab until the focus is on one of question `number`'s controls."""
    prefix = field_prefix(page, number)
    return tab_to(page, lambda e: e["id"] == prefix or e["id"].startswith(prefix + "-"))


def press_tab_to_button(page, name: str) -> None:
    button = tab_to(page, lambda e: e["tag"] == "button" and e["text"].startswith(name))
    assert_focus_visible(button)
    page.keyboard.press("Enter")


def choose(page, number: int, answer: str) -> None:
    """Pick a radio button with the keyboard: Tab into the group, then arrow keys (or Space on the
    first one, which Tab focuses without checking)."""
    group = question(page, number)
    labels = group.locator("label").all_inner_texts()
    tab_into(page, number)
    assert_choice_focus_visible(page)
    moves = labels.index(answer)
    page.keyboard.press("Space" if moves == 0 else "ArrowDown")
    for _ in range(moves - 1):
        page.keyboard.press("ArrowDown")
    expect(group.get_by_role("radio", name=answer, exact=True)).to_be_checked()


def tick(page, number: int, answers: list[str]) -> None:
    """Tick checkboxes with Tab and Space."""
    group = question(page, number)
    for answer in answers:
        box_id = group.get_by_role("checkbox", name=answer, exact=True).get_attribute("id")
        tab_to(page, lambda e, box_id=box_id: e["id"] == box_id)
        assert_choice_focus_visible(page)
        page.keyboard.press("Space")
        expect(group.get_by_role("checkbox", name=answer, exact=True)).to_be_checked()


def type_answer(page, number: int, text: str) -> None:
    element = tab_into(page, number)
    assert_focus_visible(element)
    page.keyboard.type(text)
    expect(question(page, number).get_by_label("Your answer")).to_have_value(text)


def match(page, number: int, pairs: dict[str, str]) -> None:
    """Matching: each prompt is a select; typing the start of an option picks it (type-ahead)."""
    group = question(page, number)
    for prompt, answer in pairs.items():
        select = group.get_by_label(prompt)
        select_id = select.get_attribute("id")
        assert_focus_visible(tab_to(page, lambda e, select_id=select_id: e["id"] == select_id))
        page.keyboard.type(answer[:12])
        expect(select.locator("option:checked")).to_have_text(answer)  # values are per-attempt tokens


@pytest.mark.parametrize("javascript", MODES)
def test_officer_takes_an_exam_with_the_keyboard_only_and_sees_the_result(new_context, javascript):
    page = new_context(javascript).new_page()
    sign_in(page, EXAM_OFFICERS[javascript])

    # The first exam that is open, from the dashboard's exam table.
    exams = page.get_by_role("table", name=re.compile("^Exams of "))
    row = exams.get_by_role("row").filter(has_text=re.compile("Ready to start")).first
    title = row.get_by_role("rowheader").inner_text()
    assert_focus_visible(tab_to(page, lambda e: e["tag"] == "a" and e["text"] == title, limit=150))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    press_tab_to_button(page, "Start the exam")

    expect(page).to_have_title(re.compile(rf"^{title}: page 1 of 3 \|"))
    assert_no_axe_violations(page, javascript)
    choose(page, 1, "8 U.S.C. §1357(g)")
    # Question 2 is left for later: the confirm page must list it.
    tick(page, 3, [
        "Officers performing delegated functions are subject to the direction and supervision of the federal government.",
        "No state or political subdivision is required to enter into an agreement."])
    choose(page, 4, "True")
    press_tab_to_button(page, "Save and go to page 2")

    expect(page).to_have_title(re.compile(r": page 2 of 3 \|"))
    choose(page, 5, "False")
    type_answer(page, 6, "ICE")
    type_answer(page, 7, "70")
    # Question 8 stays unanswered to the end.
    press_tab_to_button(page, "Save and go to page 3")

    expect(page).to_have_title(re.compile(r": page 3 of 3 \|"))
    match(page, 9, {
        "ICE Office of Professional Responsibility":
            "Receives misconduct allegations involving ICE programs and inspects 287(g) programs",
        "DHS Office of Inspector General":
            "Conducts independent audits and investigations across DHS and runs a public hotline",
        "DHS Office for Civil Rights and Civil Liberties":
            "Reviews complaints alleging civil-rights or civil-liberties violations in DHS programs",
        "Your agency's internal affairs unit":
            "Investigates and disciplines the agency's own personnel under agency policy",
    })
    choose(page, 10, "Stop, inform both supervisors, and follow the resolution process in the MOA.")
    type_answer(page, 11, "Decline: the witness is not in custody, so the check is outside JEM scope. "
                          "Record the request and consult the ICE supervisor.")
    press_tab_to_button(page, "Save and finish")

    # The confirm page lists what is not answered, each a link back to its question.
    expect(page.get_by_role("heading", level=1)).to_have_text("Submit your attempt?")
    expect(page.get_by_role("heading", name="2 questions not answered")).to_be_visible()
    unanswered = page.locator(".usa-alert").filter(has_text="not answered").get_by_role("link")
    expect(unanswered).to_have_text(["Question 2", "Question 8"])
    assert_no_axe_violations(page, javascript)
    assert_focus_visible(tab_to(page, lambda e: e["tag"] == "a" and e["text"] == "Question 2"))
    page.keyboard.press("Enter")
    expect(page).to_have_title(re.compile(r": page 1 of 3 \|"))
    # The link lands on the question with the focus, so a screen reader names it and Tab goes on inside it.
    expect(question(page, 2)).to_be_focused()
    choose(page, 2, "The Illegal Immigration Reform and Immigrant Responsibility Act (IIRIRA)")
    press_tab_to_button(page, "Save and finish")

    expect(page.get_by_role("heading", name="1 question not answered")).to_be_visible()
    expect(unanswered).to_have_text(["Question 8"])
    press_tab_to_button(page, "Submit my answers")

    expect(page.get_by_role("status").filter(has_text="submitted")).to_contain_text("Your attempt was submitted.")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{title}: attempt 1")
    expect(page.get_by_role("heading", name="Pending grading")).to_be_visible()  # the essay waits for an instructor
    eight = page.get_by_role("region", name="Question 8")
    expect(eight).to_contain_text("Your answer: No answer")
    expect(page.get_by_role("region", name="Question 1", exact=True)).to_contain_text("Points: 1 of 1")
    assert_no_axe_violations(page, javascript)
    screenshot(page, f"officer-exam-by-keyboard-{mode(javascript)}")


@pytest.mark.parametrize("javascript", MODES)
def test_instructor_grades_an_essay_and_the_officer_sees_the_feedback(new_context, javascript):
    officer_email, officer_name = ESSAY_OFFICERS[javascript]
    feedback = f"Right to decline; cite the MOA's limits next time ({uuid.uuid4().hex[:6]})."
    page = new_context(javascript).new_page()
    sign_in(page, "instructor@example.com")
    page.get_by_role("navigation", name="Primary navigation").get_by_role("link", name="Exams and grading").click()
    page.get_by_role("link", name=re.compile(r"^Grading queue \(\d+ answers? waiting\)")).click()
    queue = page.get_by_role("table", name="Attempts pending grading")
    exam = queue.get_by_role("row", name=re.compile(officer_name)).get_by_role("cell").first.inner_text()
    queue.get_by_role("link", name=officer_name).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(exam.split(" (attempt")[0])

    essay = page.get_by_role("region", name=re.compile("Witness lookup scenario"))
    hint = essay.get_by_text(re.compile(r"^From 0 to [\d.]+\.$")).inner_text()
    most = hint.removeprefix("From 0 to ").rstrip(".")
    # Too many points: refused, the error next to the field, the feedback kept.
    essay.get_by_label("Points").fill("99")
    essay.get_by_label("Feedback to the officer").fill(feedback)
    essay.get_by_role("button", name=re.compile("^Save grade")).click()
    expect(page).to_have_title(re.compile("^Error: Grade: "))
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text(f"Points must be between 0 and {most}.")
    if javascript:
        expect(summary).to_be_focused()
    essay = page.get_by_role("region", name=re.compile("Witness lookup scenario"))
    points = essay.get_by_label("Points")
    expect(points).to_have_attribute("aria-invalid", "true")
    expect(essay.locator(".usa-error-message")).to_contain_text(f"Points must be between 0 and {most}.")
    expect(essay.get_by_label("Feedback to the officer")).to_have_value(feedback)
    assert_no_axe_violations(page, javascript)

    summary.get_by_role("link", name=re.compile("^Points")).click()
    expect(points).to_be_focused()
    points.fill(most)
    essay.get_by_role("button", name=re.compile("^Save grade")).click()
    expect(page.get_by_role("status").filter(has_text="graded")).to_contain_text("attempt graded")
    expect(page).not_to_have_title(re.compile("^Error"))
    expect(page.locator("main")).to_contain_text(re.compile(r"Graded: [\d.]+ of [\d.]+ points"))
    screenshot(page, f"instructor-grades-essay-{mode(javascript)}")

    officer = new_context(javascript).new_page()
    sign_in(officer, officer_email)
    officer.get_by_role("link", name=re.compile("^Exams and grades")).first.click()
    officer.get_by_role("table", name=re.compile("^Your exams")).get_by_role("link", name=exam.split(" (attempt")[0]).click()
    officer.get_by_role("table", name=re.compile("^Attempts on ")).get_by_role("link", name="1", exact=True).click()
    expect(officer.get_by_role("heading", name=re.compile(r"^(Passed|Not passed): [\d.]+%$"))).to_be_visible()
    expect(officer.locator("main")).to_contain_text(f"Instructor's feedback: {feedback}")
    screenshot(officer, f"officer-sees-feedback-{mode(javascript)}")
