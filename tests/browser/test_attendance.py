"""The instructor takes attendance from the keyboard alone, with JavaScript on and off: marks
everyone present, then marks one officer absent with the arrow keys, and saves."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_keyboard import focused, tab_to

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_instructor_takes_attendance_by_keyboard(new_context, javascript):
    page = new_context(javascript=javascript).new_page()
    sign_in(page, "instructor@example.com")
    page.goto("/teach/")
    page.get_by_role("link", name="JEM Basic — Charlotte, NC").first.click()
    page.get_by_role("link", name="Sessions and attendance").click()
    sessions = page.locator(".portal-session-list a")
    # A session still to come (no marks yet), one per run: the last for JavaScript on, the one before for off.
    sessions.nth(sessions.count() - (1 if javascript else 2)).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Attendance:")

    tab_to(page, lambda e: e["text"].startswith("Mark everyone not yet marked present"))
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator(".usa-alert--success")).to_contain_text("Attendance saved")

    first_present = page.locator("input[type=radio][value=present]").first
    officer_row = page.locator("fieldset.portal-attendance__row").first
    tab_to(page, lambda e: e["id"] == first_present.get_attribute("id"), limit=40)
    page.keyboard.press("ArrowRight")  # Excused
    page.keyboard.press("ArrowRight")  # Absent
    assert focused(page)["id"].endswith("-absent")
    tab_to(page, lambda e: e["text"] == "Save attendance", limit=200)
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator(".usa-alert--success")).to_contain_text("Attendance saved (1 change)")
    expect(officer_row.locator("input[value=absent]")).to_be_checked()
    screenshot(page, f"attendance-keyboard-{'js' if javascript else 'no-js'}")
