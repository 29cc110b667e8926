"""The coordinator dashboard's officer table: one table, a page at a time, searchable by name or
email and filterable by status without JavaScript, with counts per status above it."""
import re
from html import unescape

import pytest

from portal.auth.roles import Role
from portal.classes.models import EnrollmentStatus
from tests import factories

# The name links to the officer's training record.
ROW = re.compile(r'<tr>\s*<th scope="row"><a href="/officers/\d+/record">([^<]*)</a> '
                 r'<span class="portal-meta">([^<]*)</span></th>\s*<td>(.*?)</td>', re.S)


def officer_rows(page: str) -> list[tuple[str, str, str]]:
    """(name, email, status words) of each row of the officer table."""
    table = page[page.index('<h2 id="officers">'):]
    return [(unescape(name), unescape(email), re.sub(r"<[^>]+>", "", status).strip())
            for name, email, status in ROW.findall(table)]


def names(page: str) -> list[str]:
    return [name for name, _email, _status in officer_rows(page)]


def figure(page: str, label: str) -> int:
    return int(re.search(r'<span class="portal-figure">(\d+)</span> ' + re.escape(label) + "</a>", page).group(1))


@pytest.fixture(scope="module")
def seeded_agency_world(seed):
    """The 30 officers below, built once for the module: each test that uses them runs on a copy of
    the database holding them, rolled back afterwards."""
    with seed(lambda app: build_agency_world(factories)) as seeded:
        yield seeded


@pytest.fixture
def agency_world(seeded_agency_world):
    return seeded_agency_world.load()


def build_agency_world(make):
    """30 officers of one agency (Roster00..Roster29): 0-9 in progress, 10 certified (a completed
    class), 11 disqualified, the rest never enrolled; and a look-alike officer of another agency."""
    mine, theirs = make.agency(name="Alpha County Sheriff's Office"), make.agency(name="Beta City Police")
    running = make.training_class(start=make.days_ago(3), capacity=100)
    done = make.training_class(start=make.days_ago(90), capacity=100)
    officers = [make.user(Role.OFFICER, agency=mine, first=f"Fn{i:02d}", last=f"Roster{i:02d}",
                          email=f"r{i:02d}@alpha.example") for i in range(30)]
    for officer in officers[:10]:
        make.enrollment(officer, running, status=EnrollmentStatus.IN_PROGRESS)
    make.certificate_record(make.enrollment(officers[10], done, status=EnrollmentStatus.COMPLETED))
    make.enrollment(officers[11], done, status=EnrollmentStatus.DISQUALIFIED)
    stranger = make.user(Role.OFFICER, agency=theirs, first="Fn05", last="Roster05x", email="r05@beta.example")
    make.enrollment(stranger, running, status=EnrollmentStatus.IN_PROGRESS)
    make.certificate_record(make.enrollment(make.user(Role.OFFICER, agency=theirs, last="Rostercert"), done,
                                            status=EnrollmentStatus.COMPLETED))
    return {"mine": mine, "theirs": theirs, "officers": officers, "stranger": stranger}


@pytest.fixture
def coordinator(agency_world, make, login):
    login(make.user(Role.COORDINATOR, agency=agency_world["mine"]))


def test_one_officer_table_a_page_at_a_time_with_status_counts_above(client, coordinator):
    page = client.get("/agency/").get_data(as_text=True)
    assert "Each officer&#39;s status" not in page and "Training progress" not in page  # the second table is gone
    assert page.count('<h2 id="officers">') == 1 and page.count("<caption>Your agency's officers") == 1
    assert names(page) == [f"Roster{i:02d}, Fn{i:02d}" for i in range(25)]
    rows = officer_rows(page)
    assert rows[0] == ("Roster00, Fn00", "r00@alpha.example", "In progress")
    assert rows[10][2] == "Certified" and rows[11][2] == "Disqualified" and rows[12][2] == "Approved, not enrolled"
    assert "Not enrolled in a class" in page and "0% (0 of 8 lessons)" in page
    assert "30 in all, page 1 of 2." in page
    assert 'aria-label="Page 2"' in page and 'href="/agency/?page=2#officers"' in page
    # The counts per status cover the whole agency, not the page, and come before the table.
    assert figure(page, "All officers") == 30 and figure(page, "In progress") == 10
    assert figure(page, "Certified") == 1 and figure(page, "Disqualified") == 1
    assert figure(page, "Approved, not enrolled") == 18 and figure(page, "Withdrawn") == 0
    assert page.index('class="portal-figures') < page.index("<caption>Your agency")
    assert 'href="/agency/?status=certified#officers"' in page
    # Every officer's and nominee's status is still there in full, as CSV.
    assert 'href="/agency/reports/officer-status.csv"' in page

    second = client.get("/agency/?page=2").get_data(as_text=True)
    assert names(second) == [f"Roster{i:02d}, Fn{i:02d}" for i in range(25, 30)]
    assert "30 in all, page 2 of 2." in second and 'aria-current="page"' in second


def test_search_and_filter_are_a_labelled_get_form(client, coordinator):
    page = client.get("/agency/").get_data(as_text=True)
    form = re.search(r'<form method="get"[^>]*aria-label="Find officers">(.*?)</form>', page, re.S).group(1)
    assert '<label class="usa-label" for="officer-q">Name or email</label>' in form and 'id="officer-q" name="q"' in form
    assert '<label class="usa-label" for="officer-status">Status</label>' in form and 'id="officer-status" name="status"' in form
    assert (
        '<option value="certified">Certified</option>' in form
        and '<button class="usa-button usa-button--outline" type="submit">' in form
    )


def test_search_by_name_or_email_across_pages(client, coordinator):
    assert names(client.get("/agency/?q=roster27").get_data(as_text=True)) == ["Roster27, Fn27"]
    assert names(client.get("/agency/?q=R28%40ALPHA").get_data(as_text=True)) == ["Roster28, Fn28"]
    assert names(client.get("/agency/?q=++fn03+roster03+").get_data(as_text=True)) == ["Roster03, Fn03"]  # first and last name
    page = client.get("/agency/?q=roster1").get_data(as_text=True)
    assert names(page) == [f"Roster{i}, Fn{i}" for i in range(10, 20)]
    assert "<caption>Your agency's officers matching “roster1” (10)</caption>" in page
    assert 'value="roster1"' in page  # the search box keeps what was typed
    assert figure(page, "All officers") == 30  # the figures stay the agency's


def test_status_filter_keeps_the_search_through_pagination(client, coordinator):
    page = client.get("/agency/?status=certified").get_data(as_text=True)
    assert officer_rows(page) == [("Roster10, Fn10", "r10@alpha.example", "Certified")]
    assert '<option value="certified" selected>' in page
    page = client.get("/agency/?status=in_progress&q=roster0").get_data(as_text=True)
    assert names(page) == [f"Roster0{i}, Fn0{i}" for i in range(10)]
    page = client.get("/agency/?status=not_enrolled").get_data(as_text=True)
    assert len(names(page)) == 18 and "18 in all." in page
    page = client.get("/agency/?q=alpha").get_data(as_text=True)
    assert 'href="/agency/?q=alpha&amp;page=2#officers"' in page or 'href="/agency/?page=2&amp;q=alpha#officers"' in page
    second = client.get("/agency/?q=alpha&page=2").get_data(as_text=True)
    assert len(names(second)) == 5


def test_no_match_says_so_and_offers_every_officer(client, coordinator):
    page = client.get("/agency/?q=%3Cscript%3Enobody").get_data(as_text=True)
    assert officer_rows(page) == [] and "<script>nobody" not in page
    assert "No officers match “&lt;script&gt;nobody”." in page and 'href="/agency/#officers">show all officers</a>' in page
    page = client.get("/agency/?status=withdrawn&q=roster").get_data(as_text=True)
    assert "No officers match “roster” with status Withdrawn." in page


def test_another_agencys_officers_never_appear(client, coordinator, agency_world):
    for url in ["/agency/?q=roster05", "/agency/?q=beta", "/agency/?q=Rostercert", "/agency/?q=pat",
                "/agency/?status=certified", "/agency/?status=in_progress", "/agency/?page=2", "/agency/?page=99"]:
        page = client.get(url).get_data(as_text=True)
        assert [n for n in names(page) if "Roster05x" in n or "Rostercert" in n] == [], url
        assert "Beta City Police" not in page and "beta.example" not in page.replace('value="beta"', ""), url
    assert names(client.get("/agency/?q=roster05").get_data(as_text=True)) == ["Roster05, Fn05"]
    assert names(client.get("/agency/?q=beta").get_data(as_text=True)) == []
    # Their certified officer is not counted among ours either.
    assert figure(client.get("/agency/").get_data(as_text=True), "Certified") == 1


def test_the_other_agencys_coordinator_sees_only_theirs(client, agency_world, make, login):
    login(make.user(Role.COORDINATOR, agency=agency_world["theirs"]))
    page = client.get("/agency/?q=roster").get_data(as_text=True)
    assert sorted(names(page)) == ["Roster05x, Fn05", "Rostercert, Pat"]
    assert figure(page, "All officers") == 2 and figure(page, "Certified") == 1


@pytest.mark.parametrize("query, first", [
    ("page=abc", "Roster00, Fn00"), ("page=-3", "Roster00, Fn00"), ("page=0", "Roster00, Fn00"),
    ("page=99999999999999999999", "Roster25, Fn25"), ("page=2.5", "Roster00, Fn00"), ("page=", "Roster00, Fn00"),
    ("status=bogus", "Roster00, Fn00"), ("status=", "Roster00, Fn00"), ("status=certified%00", "Roster10, Fn10"),
    ("q=" + "x" * 5000, None), ("q=%25", None), ("q=_", None), ("q=%00", "Roster00, Fn00"), ("q=%00roster29", "Roster29, Fn29"),
    ("status=certified&status=bogus", "Roster10, Fn10"), ("q=roster&q=", "Roster00, Fn00"),
])
def test_bad_query_values_give_a_page_not_an_error(client, coordinator, query, first):
    response = client.get(f"/agency/?{query}")
    assert response.status_code == 200, query
    rows = names(response.get_data(as_text=True))
    assert (rows[0] if rows else None) == first, query


def test_an_unknown_status_is_shown_as_all_statuses(client, coordinator):
    page = client.get("/agency/?status=bogus").get_data(as_text=True)
    assert '<option value="">All statuses</option>' in page and " selected" not in page
    assert "bogus" not in page


def test_other_roles_cannot_open_the_dashboard(client, make, login):
    for role in (Role.OFFICER, Role.INSTRUCTOR, Role.ADMIN):
        login(make.user(role))
        assert client.get("/agency/?q=roster").status_code == 403, role
        client.post("/logout")
    assert client.get("/agency/").status_code == 302  # anonymous: to the sign-in page
