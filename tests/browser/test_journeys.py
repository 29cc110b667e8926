"""Each role's journey end to end in a real browser, with JavaScript on and with it off.

Every journey saves a full-page screenshot under test-artifacts/screenshots/<journey>-<js|no-js>.png.
They run against the shared demo database (and after or before the crawler), so each one picks its
own data: its own officer, names made unique per run, "the next lesson" rather than a fixed one.
See tests/browser/README.md to add one.
"""
from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser

MODES = [pytest.param(True, id="js"), pytest.param(False, id="no-js")]


def mode(javascript: bool) -> str:
    return "js" if javascript else "no-js"


def overall_progress(page) -> tuple[int, int]:
    """(done, total) from the dashboard's words "Overall progress: 9% (3 of 34 lessons)"."""
    text = page.locator(".portal-progress__label", has_text="Overall progress").first.inner_text()
    done, total = re.search(r"\((\d+) of (\d+) lessons\)", text).groups()
    return int(done), int(total)


@pytest.mark.parametrize("javascript", MODES)
def test_public_visitor_sees_health_and_the_sign_in_page(new_context, javascript):
    page = new_context(javascript).new_page()
    response = page.goto("/healthz")
    assert response.status == 200
    assert response.json() == {"status": "ok", "database": "reachable"}

    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("287(g) Training Portal")
    expect(page.get_by_role("link", name="Apply for a 287(g) agreement")).to_be_visible()
    expect(page.get_by_role("link", name="Verify a certificate").first).to_be_visible()
    screenshot(page, f"public-home-{mode(javascript)}")
    page.get_by_role("main").get_by_role("link", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page).to_have_title("Sign in | 287(g) Training Portal")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_label("Email address", exact=True)).to_be_visible()
    expect(page.get_by_label("Password", exact=True)).to_be_visible()
    screenshot(page, f"public-sign-in-{mode(javascript)}")


@pytest.mark.parametrize("javascript", MODES)
def test_forgotten_password_is_asked_for_from_the_sign_in_page(new_context, javascript):
    page = new_context(javascript).new_page()
    page.goto("/login")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Forgot your password?")
    page.get_by_role("button", name="Email me a link").click()  # empty: a field error, nothing sent
    expect(page).to_have_title(re.compile(r"^Error: Forgot your password\?"))
    # An address with no account: the answer is the page any address gets (nothing is mailed).
    page.get_by_label("Email address").fill(f"nobody-{uuid.uuid4().hex[:8]}@example.com")
    page.get_by_label("Email address").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    screenshot(page, f"public-forgot-password-{mode(javascript)}")


# The demo officer for the JavaScript run; another officer of the running class without it, so
# each run has lessons left to open whatever ran before.
OFFICERS = {True: "officer@example.com", False: "m.nguyen@example.com"}


@pytest.mark.parametrize("javascript", MODES)
def test_officer_reads_a_lesson_marks_it_complete_and_sees_progress_move(new_context, javascript):
    page = new_context(javascript).new_page()
    sign_in(page, OFFICERS[javascript])
    expect(page).to_have_title("My training | 287(g) Training Portal")
    done_before, total = overall_progress(page)
    expect(page.locator("progress").first).to_have_attribute("value", str(done_before))
    expect(page.get_by_role("navigation", name="Course weeks")).to_be_visible()

    next_link = page.locator(".portal-next a")
    title = next_link.inner_text()
    next_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page).to_have_title(f"{title} | 287(g) Training Portal")
    sidenav = page.get_by_role("navigation", name="Course weeks")
    expect(sidenav.locator("[aria-current=page]")).to_have_text(title)

    page.get_by_role("button", name=re.compile(r"^Mark complete")).click()
    expect(page.get_by_role("status").filter(has_text="marked complete")).to_contain_text(f"“{title}” marked complete")

    page.get_by_role("navigation", name="Primary navigation").get_by_role("link", name="My training").click()
    done_after, _ = overall_progress(page)
    assert done_after == done_before + 1
    expect(page.locator("progress").first).to_have_attribute("value", str(done_after))
    expect(page.locator(".portal-progress__label").first).to_have_text(
        f"Overall progress: {round(100 * done_after / total)}% ({done_after} of {total} lessons)"
    )
    screenshot(page, f"officer-lesson-complete-{mode(javascript)}")


@pytest.mark.parametrize("javascript", MODES)
def test_admin_creates_an_agency_and_a_class(new_context, javascript):
    page = new_context(javascript).new_page()
    sign_in(page, "admin@example.com")
    expect(page.get_by_role("heading", level=1)).to_have_text("Program overview")
    nav = page.get_by_role("navigation", name="Primary navigation")
    suffix = uuid.uuid4().hex[:6]

    nav.get_by_role("link", name="Agencies").click()
    page.get_by_role("link", name="Add an agency").click()
    agency = f"Wake County Sheriff's Office {suffix}"
    page.get_by_label("Agency name").fill(agency)
    page.get_by_label("Kind of agency").select_option("county")
    page.get_by_label("State or territory").select_option("NC")
    page.get_by_label("Point of contact").fill("Pat Lindqvist")
    page.get_by_label("Contact email").fill("training@wake.example.gov")
    page.get_by_role("button", name="Save agency").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(agency)
    expect(nav.get_by_role("link", name="Agencies")).to_have_attribute("aria-current", "true")

    nav.get_by_role("link", name="Classes").click()
    page.get_by_role("link", name="Schedule a class").click()
    name = f"JEM Basic — Raleigh, NC {suffix}"
    page.get_by_label("Course").select_option(label="287G-JEM-BASIC — 287(g) Jail Enforcement Model Basic Course")
    page.get_by_label("Class name").fill(name)
    page.get_by_label("Start date").fill("2027-03-01")
    page.get_by_label("Capacity (seats)").fill("20")
    page.get_by_label("Location or delivery note").fill("Wake County Public Safety Center")
    page.locator("label", has_text="Ortega, Marcus").click()  # USWDS draws the box on the label
    expect(page.get_by_label("Ortega, Marcus")).to_be_checked()
    page.get_by_role("button", name="Save class").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.locator(".portal-details")).to_contain_text("Ortega")
    screenshot(page, f"admin-agency-and-class-{mode(javascript)}")


@pytest.mark.parametrize("javascript", MODES)
def test_admin_adds_an_officer_choosing_the_agency_by_typing_part_of_its_name(new_context, javascript):
    """The agency list has an entry per agency (about 1,000 in the program): with JavaScript it is a
    combo box that narrows as one types; without, the same plain drop-down."""
    page = new_context(javascript).new_page()
    sign_in(page, "admin@example.com")
    page.goto("/admin/users/new")
    suffix = uuid.uuid4().hex[:6]
    page.get_by_label("Email address").fill(f"new.officer.{suffix}@example.gov")
    page.get_by_label("First name").fill("Nia")
    page.get_by_label("Last name").fill(f"Okafor {suffix}")
    page.get_by_label("Role").select_option("officer")
    if javascript:
        page.get_by_role("combobox", name="Agency").fill("harris")
        options = page.locator(".usa-combo-box__list-option:visible")
        expect(options).to_have_count(1)
        options.first.click()
        expect(page.get_by_role("combobox", name="Agency")).to_have_value("Harris County Sheriff's Office")
    else:
        page.get_by_label("Agency").select_option(label="Harris County Sheriff's Office")
    page.get_by_role("button", name="Save user").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Nia Okafor {suffix}")
    expect(page.locator("main")).to_contain_text("Harris County Sheriff's Office")
    screenshot(page, f"admin-adds-officer-{mode(javascript)}")


@pytest.mark.parametrize("javascript", MODES)
def test_coordinator_sees_their_own_officers_only(new_context, javascript):
    page = new_context(javascript).new_page()
    sign_in(page, "coordinator@example.com")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mecklenburg County Sheriff's Office")
    table = page.get_by_role("table", name=re.compile("Your agency's officers"))
    expect(table).to_be_visible()
    for officer in ("Reyes, Jordan", "Baker, Tamika", "Núñez, Rosa"):
        expect(table.get_by_role("rowheader", name=officer)).to_be_visible()
    expect(table).not_to_contain_text("Hughes, Derek")  # Harris County's officer
    expect(table.get_by_role("progressbar").first).to_have_attribute("aria-valuetext", re.compile(r"\d+%, \d+ of \d+ lessons"))
    screenshot(page, f"coordinator-officers-{mode(javascript)}")


@pytest.mark.parametrize("javascript", MODES)
def test_instructor_sees_a_class_roster(new_context, javascript):
    page = new_context(javascript).new_page()
    sign_in(page, "instructor@example.com")
    expect(page.get_by_role("heading", level=1)).to_have_text("My classes")
    page.get_by_role("link", name="JEM Basic — Charlotte, NC", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("JEM Basic — Charlotte, NC")
    roster = page.get_by_role("table", name=re.compile("Officers enrolled"))
    expect(roster.get_by_role("rowheader", name="Reyes, Jordan")).to_be_visible()
    expect(roster.get_by_role("columnheader", name="Week 1")).to_be_visible()
    screenshot(page, f"instructor-roster-{mode(javascript)}")


@pytest.mark.parametrize("javascript", MODES)
def test_coordinator_opens_an_officers_training_record(new_context, javascript):
    page = new_context(javascript).new_page()
    sign_in(page, "coordinator@example.com")
    page.goto("/agency/")
    officers = page.get_by_role("table").filter(has=page.get_by_role("columnheader", name="Officer")).first
    officers.get_by_role("rowheader").first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Training record: ")
    expect(page.get_by_role("heading", level=2, name="Enrollments")).to_be_visible()
    expect(page.get_by_role("link", name="Download as CSV")).to_be_visible()
    screenshot(page, f"coordinator-officer-record-{mode(javascript)}")


@pytest.mark.parametrize("javascript", MODES)
def test_instructor_chooses_the_time_zone_times_are_shown_in(new_context, javascript):
    page = new_context(javascript).new_page()
    sign_in(page, "instructor2@example.com")
    page.get_by_role("link", name="Time zone", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your time zone")
    page.get_by_label("Time zone").select_option("America/Chicago")
    page.get_by_role("button", name="Save time zone").click()
    expect(page.get_by_text("Time zone saved")).to_be_visible()
    expect(page.get_by_label("Time zone")).to_have_value("America/Chicago")
    expect(page.locator("main")).to_contain_text(re.compile(r"\d (AM|PM) C[SD]T"))
    screenshot(page, f"staff-time-zone-{mode(javascript)}")
    page.get_by_label("Time zone").select_option("America/New_York")
    page.get_by_role("button", name="Save time zone").click()
    expect(page.get_by_label("Time zone")).to_have_value("America/New_York")
