"""The shared interface pieces in a real browser: the exam timer and the confirm-before-submit
helper (with and without JavaScript), the step indicator, the error summary's focus, the menu at
320 px with and without JavaScript, and the print stylesheet.

The exam pieces are exercised on tests/browser/exam_components.html, a stand-in exam page rendered
here with the real base layout and macros and served on the live server's origin (Playwright
answers its URL; its scripts and styles come from the server), under the portal's own CSP.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from portal.headers import CSP
from tests.browser.conftest import ARTIFACTS, PROJECT_ROOT, report, screenshot, sign_in
from tests.browser.test_axe_crawl import AXE_TAGS, format_violations

pytestmark = pytest.mark.browser

FIXTURE = Path(__file__).with_name("exam_components.html")
SERVER_NOW = datetime(2026, 11, 28, 12, 0, 0)
LEFT = timedelta(minutes=5, seconds=3)


def render_fixture() -> str:
    from flask import render_template_string

    from portal import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.test_request_context("/__test__/exam"):
        return render_template_string(FIXTURE.read_text(), deadline=SERVER_NOW + LEFT, server_now=SERVER_NOW)


@pytest.fixture(scope="module")
def fixture_html():
    return render_fixture()


@pytest.fixture
def exam_page(new_context, live_server, fixture_html):
    """Open the stand-in exam page; returns (page, list of form bodies the 'server' received)."""
    posted: list[str] = []

    def open_page(javascript: bool = True, clock_at: str | None = None):
        page = new_context(javascript).new_page()
        if clock_at:
            page.clock.install(time=clock_at)
        page.route(f"{live_server}/__test__/exam", lambda route: route.fulfill(
            status=200, content_type="text/html; charset=utf-8", body=fixture_html,
            headers={"Content-Security-Policy": CSP}))

        def receive(route):
            posted.append(route.request.post_data or "")
            route.fulfill(status=200, content_type="text/html; charset=utf-8",
                          body="<!DOCTYPE html><html lang='en'><title>Received</title><h1>Received</h1></html>")

        page.route(f"{live_server}/__test__/submit", receive)
        page.goto("/__test__/exam")
        return page

    open_page.posted = posted
    return open_page


def axe_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]})
    return format_violations(page.url, result.response["violations"])


def test_exam_timer_counts_down_from_the_server_clock_and_announces_warnings(exam_page):
    # The computer's clock is years off the server's: the timer must not care.
    page = exam_page(clock_at="2031-06-01T08:00:00Z")
    timer = page.locator("[data-exam-timer]")
    clock = timer.locator("[data-exam-timer-clock]")
    status = timer.locator("[data-exam-timer-status]")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(clock).to_have_text("5 min 03 s")
    expect(status).to_have_text("")

    page.clock.run_for(4_000)
    expect(clock).to_have_text("4 min 59 s")
    expect(status).to_have_text("Warning: 5 minutes left to submit your answers.")
    expect(timer).to_have_class(re.compile("portal-timer--warning"))

    page.clock.run_for(60_000)
    expect(clock).to_have_text("3 min 59 s")
    expect(status).to_have_text("Warning: 5 minutes left to submit your answers.")  # said once, not repeated

    page.clock.run_for(3 * 60_000)
    expect(clock).to_have_text("59 s")
    expect(status).to_have_text("Warning: 1 minute left to submit your answers.")

    page.clock.run_for(60_000)
    expect(clock).to_have_text("0 s: the time is up")
    expect(status).to_have_text("The time is up. Answers sent now are not accepted.")
    # Nothing was submitted by the script: the server alone enforces the deadline.
    assert exam_page.posted == []


def test_exam_timer_without_javascript_states_the_deadline(exam_page):
    page = exam_page(javascript=False)
    timer = page.locator("[data-exam-timer]")
    expect(timer.locator("[data-exam-timer-clock]")).to_have_text("5 min 03 s when this page was loaded")
    expect(timer).to_contain_text("Answers must reach us by 7:05 AM EST")


def test_confirm_before_submit_lists_unanswered_questions(exam_page):
    page = exam_page()
    page.locator("label[for=q1-a]").click()
    page.get_by_role("button", name="Submit exam").click()

    panel = page.locator("[data-confirm-panel]")
    expect(panel).to_be_visible()
    expect(panel).to_be_focused()
    expect(panel.get_by_role("heading")).to_have_text("2 questions are not answered")
    expect(panel.get_by_role("link")).to_have_text(["Question 2", "Question 3"])
    assert exam_page.posted == []
    assert not axe_violations(page), axe_violations(page)

    panel.get_by_role("link", name="Question 3").click()
    expect(page.locator("#q3")).to_be_focused()

    page.get_by_role("button", name="Submit exam").click()
    page.get_by_role("button", name="Go back to the questions").click()
    expect(panel).to_have_count(0)
    expect(page.locator("#q2-a")).to_be_focused()

    page.get_by_role("button", name="Submit exam").click()
    page.get_by_role("button", name="Submit anyway").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Received")
    assert exam_page.posted == ["q1=jem&q3=&action=submit"]  # an empty textarea is still sent


def test_confirm_is_skipped_when_all_answered_or_when_saving(exam_page):
    page = exam_page()
    page.get_by_role("button", name="Save and finish later").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Received")

    page = exam_page()
    page.locator("label[for=q1-b]").click()
    page.locator("label[for=q2-a]").click()
    page.locator("#q3").fill("An authorized ICE officer.")
    page.get_by_role("button", name="Submit exam").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Received")
    assert exam_page.posted == ["q3=&action=save", "q1=tfm&q2=interview&q3=An+authorized+ICE+officer.&action=submit"]


def test_without_javascript_the_exam_form_submits_directly(exam_page):
    page = exam_page(javascript=False)
    page.get_by_role("button", name="Submit exam").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Received")
    assert exam_page.posted == ["q3=&action=submit"]


def test_exam_components_have_no_accessibility_violations(exam_page):
    page = exam_page()
    indicator = page.get_by_label("Exam progress")
    expect(indicator.locator("[aria-current=step]")).to_contain_text("Questions")
    expect(indicator.get_by_role("heading")).to_have_text(re.compile(r"Step\s+2\s+of 4\s+Questions"))
    expect(indicator.locator(".usa-step-indicator__segment--complete")).to_contain_text("Instructions completed")
    assert not axe_violations(page), axe_violations(page)
    screenshot(page, "exam-components")


def test_error_summary_takes_the_focus_and_its_links_reach_the_fields(page):
    page.goto("/login")
    page.get_by_role("button", name="Sign in").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile("^Error: Sign in"))
    summary.get_by_role("link", name=re.compile("^Password")).click()
    expect(page.locator("#password")).to_be_focused()
    expect(page.locator("#password")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#password")).to_have_attribute("aria-describedby", "password-error")


@pytest.mark.parametrize("javascript", [pytest.param(True, id="js"), pytest.param(False, id="no-js")])
def test_menu_at_320_px(new_context, javascript):
    page = new_context(javascript, viewport={"width": 320, "height": 640}).new_page()
    sign_in(page, "admin@example.com")
    nav = page.get_by_role("navigation", name="Primary navigation")
    if javascript:  # USWDS's drawer, opened by the menu button
        expect(nav.get_by_role("link", name="Agencies")).to_be_hidden()
        page.get_by_role("button", name="Menu").click()
    else:  # no script to open a drawer: the menu is shown in the page
        expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(nav.get_by_role("link", name="Agencies")).to_be_visible()
    nav.get_by_role("link", name="Agencies").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Agencies")
    page.wait_for_load_state("load")  # the heading can be there before the stylesheets (CI saw 327 px)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
    screenshot(page, f"admin-menu-320px-{'js' if javascript else 'no-js'}")


def test_lessons_print_as_documents(page):
    sign_in(page, "t.baker@example.com")  # reads only; marks nothing complete
    page.locator(".portal-lesson-list a").first.click()
    title = page.get_by_role("heading", level=1).inner_text()
    page.emulate_media(media="print")
    for hidden in (".usa-header", ".usa-banner", ".portal-sidenav", ".portal-actions", ".usa-footer", ".usa-breadcrumb"):
        expect(page.locator(hidden).first).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator(".portal-lesson-body")).to_be_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf = ARTIFACTS / "print-lesson.pdf"
    page.pdf(path=str(pdf), format="Letter")
    assert pdf.read_bytes().startswith(b"%PDF")
    report(f"print preview: {pdf.relative_to(PROJECT_ROOT)}")
