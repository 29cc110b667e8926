"""Keyboard only: an officer signs in, opens the next lesson and marks it complete with Tab and
Enter alone, and whatever has the focus shows a visible outline."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD, screenshot

pytestmark = pytest.mark.browser

# An officer of the demo class no other browser test signs in as.
OFFICER = "s.oconnor@example.com"

FOCUSED_JS = """
() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {
    tag: el.tagName.toLowerCase(), id: el.id, text: (el.innerText || el.value || '').trim(),
    href: el.getAttribute('href') || '', cls: el.className || '',
    outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth) || 0,
    outlineColor: style.outlineColor,
  };
}
"""


def focused(page) -> dict:
    return page.evaluate(FOCUSED_JS)


def tab_to(page, wanted, limit: int = 80) -> dict:
    """Press Tab until wanted(focused element) is true; fail after `limit` presses."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        element = focused(page)
        if wanted(element):
            return element
        seen.append(element["text"][:30] or element["id"] or element["tag"])
    raise AssertionError(f"Tab never reached the element; focus went through: {seen}")


def assert_focus_visible(element: dict) -> None:
    assert element["outlineStyle"] not in ("none", "hidden"), element
    assert element["outlineWidth"] >= 2, element


def test_officer_lesson_journey_by_keyboard_only(new_context):
    page = new_context().new_page()
    page.goto("/login")

    # The first Tab reaches the skip link, which shows itself when focused.
    page.keyboard.press("Tab")
    skip = focused(page)
    assert skip["text"] == "Skip to main content"
    assert_focus_visible(skip)
    expect(page.get_by_role("link", name="Skip to main content")).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert page.url.endswith("#main-content")

    email = tab_to(page, lambda e: e["id"] == "email")
    assert_focus_visible(email)
    page.keyboard.type(OFFICER)
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "password"
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_title("My training | 287(g) Training Portal")

    done_before = int(re.search(r"\((\d+) of \d+ lessons\)", page.locator(".portal-progress__label").first.inner_text()).group(1))
    title = page.locator(".portal-next a").inner_text()
    link = tab_to(page, lambda e: e["tag"] == "a" and e["text"] == title and "/lessons/" in e["href"])
    assert_focus_visible(link)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)

    button = tab_to(page, lambda e: e["tag"] == "button" and e["text"].startswith("Mark complete"))
    assert_focus_visible(button)
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="marked complete")).to_contain_text(f"“{title}” marked complete")

    back = tab_to(page, lambda e: e["tag"] == "a" and e["text"] == "My training" and "usa-nav-link" in e["cls"])
    assert_focus_visible(back)
    page.keyboard.press("Enter")
    expect(page.locator(".portal-progress__label").first).to_contain_text(f"({done_before + 1} of ")
    screenshot(page, "officer-keyboard-only")
