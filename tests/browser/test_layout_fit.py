"""Pages that fit the screen (issue 14, items 3 and 7), measured in Chromium:

- at 1280 px every class gradebook of the demo instructor fits without sideways scrolling;
- in a narrower window a wide table scrolls inside its box and the officer column stays in view;
- the sortable columns work without JavaScript (a link; aria-sort on the sorted header);
- the demo officer's dashboard is at most two screens high at 1280 px, and on a 375 px phone the
  week navigation comes before the page's title, visible without scrolling.

Only reads: the demo accounts used here are not changed."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser

MODES = [pytest.param(True, id="js"), pytest.param(False, id="no-js")]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}

SCROLL = """() => {
  const box = document.querySelector('.portal-table-scroll');
  const root = document.documentElement;
  return {box: box && [box.scrollWidth, box.clientWidth], page: [root.scrollWidth, root.clientWidth]};
}"""


def mode(javascript: bool) -> str:
    return "js" if javascript else "no-js"


def gradebook_links(page) -> list[str]:
    page.goto("/teach/exams")
    links = page.locator("main a[href$='/gradebook']").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert links, "the demo instructor has no gradebook"
    return sorted(set(links))


def test_every_demo_gradebook_fits_at_1280_px_without_scrolling_sideways(new_context):
    page = new_context(viewport=DESKTOP).new_page()
    sign_in(page, "instructor@example.com")
    measured = 0
    for href in gradebook_links(page):
        page.goto(href)
        expect(page.get_by_role("heading", level=1)).to_have_text("Gradebook")
        widths = page.evaluate(SCROLL)
        assert widths["page"][0] <= widths["page"][1], f"{href}: the page scrolls sideways: {widths}"
        if widths["box"] is not None:
            measured += 1
            scroll_width, client_width = widths["box"]
            assert scroll_width <= client_width, f"{href}: the table scrolls sideways ({scroll_width} > {client_width})"
    assert measured, "no demo gradebook had officers and exams to measure"
    screenshot(page, "layout-gradebook-1280")


def test_a_wide_gradebook_keeps_the_officer_column_in_view_while_it_scrolls(new_context):
    page = new_context(viewport={"width": 700, "height": 900}).new_page()
    sign_in(page, "instructor@example.com")
    widest = None
    for href in gradebook_links(page):
        page.goto(href)
        widths = page.evaluate(SCROLL)
        if widths["box"] and widths["box"][0] > widths["box"][1]:
            widest = href
            break
    assert widest, "no demo gradebook is wider than 700 px"
    box = page.locator(".portal-table-scroll")
    officer = page.locator("tbody th[scope=row]").first
    before = officer.bounding_box()
    box.evaluate("element => { element.scrollLeft = element.scrollWidth; }")
    assert box.evaluate("element => element.scrollLeft") > 0
    after = officer.bounding_box()
    assert before and after and abs(after["x"] - before["x"]) < 1, f"the officer column moved: {before} -> {after}"
    # The last column is in view now, beside the officer's name, not under it.
    last = page.locator("tbody tr").first.locator("td").last.bounding_box()
    assert last and last["x"] >= after["x"] + after["width"] - 1
    screenshot(page, "layout-gradebook-sticky-officer-700")


@pytest.mark.parametrize("javascript", MODES)
def test_gradebook_columns_sort_by_a_link_without_javascript(new_context, javascript):
    page = new_context(javascript, viewport=DESKTOP).new_page()
    sign_in(page, "instructor@example.com")
    for href in gradebook_links(page):
        page.goto(href)
        if page.locator("tbody th[scope=row]").count() > 1:
            break
    officer = page.get_by_role("columnheader", name="Officer, sorted ascending")
    expect(officer).to_have_attribute("aria-sort", "ascending")
    page.get_by_role("link", name="Sort by Status").click()
    status = page.get_by_role("columnheader", name="Status, sorted ascending")
    expect(status).to_have_attribute("aria-sort", "ascending")
    expect(page.locator("th[aria-sort]")).to_have_count(1)
    page.get_by_role("link", name="Status, sorted ascending").click()
    expect(page.get_by_role("columnheader", name="Status, sorted descending")).to_have_attribute("aria-sort", "descending")
    screenshot(page, f"layout-gradebook-sorted-{mode(javascript)}")


def officer_dashboard(new_context, javascript: bool, viewport: dict):
    page = new_context(javascript, viewport=viewport).new_page()
    sign_in(page, "officer@example.com")
    page.goto("/dashboard")
    return page


@pytest.mark.parametrize("javascript", MODES)
def test_officer_dashboard_is_two_screens_at_most_at_1280_px(new_context, javascript):
    page = officer_dashboard(new_context, javascript, DESKTOP)
    expect(page.get_by_role("heading", level=1)).to_have_text("My training")
    screenshot(page, f"layout-officer-dashboard-1280-{mode(javascript)}")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= 2 * DESKTOP["height"], f"the dashboard is {height} px high, over two screens of {DESKTOP['height']}"
    # Locked weeks are one line each, and open to list their lessons.
    locked = page.locator("details.portal-week--folded")
    assert locked.count() >= 1
    line = locked.first.locator("summary").bounding_box()
    assert line and line["height"] < 48, f"a locked week takes {line} instead of one line"
    if javascript:  # a click opens a <details> with or without scripts; one run is enough
        locked.first.locator("summary").click()
        expect(locked.first.locator(".portal-lesson-list").first).to_be_visible()


@pytest.mark.parametrize("javascript", MODES)
def test_on_a_phone_the_week_navigation_is_at_the_top(new_context, javascript):
    page = officer_dashboard(new_context, javascript, PHONE)
    weeks = page.get_by_role("navigation", name="Course weeks")
    first_week = weeks.get_by_role("link").first
    expect(first_week).to_be_visible()
    nav_box, title_box = weeks.bounding_box(), page.get_by_role("heading", level=1).bounding_box()
    assert nav_box and title_box and nav_box["y"] < title_box["y"], "the week navigation comes after the page's title"
    # In the first screen: in its top half with JavaScript (the menu is a button), below the menu
    # that the page shows open without it.
    week_box = first_week.bounding_box()
    bottom = PHONE["height"] / 2 if javascript else PHONE["height"]
    assert week_box and week_box["y"] + week_box["height"] <= bottom, (
        f"the first week's link is {week_box} down a {PHONE['height']} px screen")
    widths = page.evaluate(SCROLL)
    assert widths["page"][0] <= widths["page"][1], f"the dashboard scrolls sideways on a phone: {widths}"
    screenshot(page, f"layout-officer-dashboard-375-{mode(javascript)}")
