"""The administrators' certificate list: filtered by a typed part of the agency's name (no list of
every agency), by one agency's id from links, by status and class, together and across pages."""
import re
from html import unescape

import pytest

from portal.auth.roles import Role
from portal.pagination import PER_PAGE
from tests import factories


@pytest.fixture(scope="module")
def seeded_world(seed):
    """The certificates below, built once for the module: each test that uses them runs on a copy of
    the database holding them, rolled back afterwards."""
    with seed(lambda app: build_world(factories)) as seeded:
        yield seeded


@pytest.fixture
def world(seeded_world):
    return seeded_world.load()


def build_world(make):
    """Certificates of four agencies; Alpha County has a page and a bit of them."""
    agencies = {
        "county": make.agency(name="Alpha County Sheriff's Office"),
        "city": make.agency(name="Alpha City Police Department"),
        "bravo": make.agency(name="Bravo County Sheriff's Office"),
        "odd": make.agency(name="Zulu 100% Task_Force"),
    }
    make.agency(name="Alpha Township (no certificates)")
    running, other = make.training_class(), make.training_class()
    serials = {key: [] for key in agencies}
    for key, n in [("county", PER_PAGE + 1), ("city", 2), ("bravo", 2), ("odd", 1)]:
        for i in range(n):
            officer = make.user(Role.OFFICER, agency=agencies[key])
            training_class = other if key == "county" and i == 0 else running
            serials[key].append(make.certificate_record(make.enrollment(officer, training_class)).serial)
    expired_officer = make.user(Role.OFFICER, agency=agencies["city"])
    expired = make.certificate_record(make.enrollment(expired_officer, running), issued_on=make.days_ago(400), valid_days=30)
    serials["city"].append(expired.serial)
    return {"agencies": agencies, "serials": serials, "expired": expired.serial, "running": running, "other": other}


@pytest.fixture
def admin(make, login):
    login(make.user(Role.ADMIN))


def listed(response) -> set[str]:
    assert response.status_code == 200
    return set(re.findall(r"287G-TEST-\d{6}", response.get_data(as_text=True)))


def page_text(response) -> str:
    return unescape(response.get_data(as_text=True))


def all_pages(client, **query) -> set[str]:
    """Every serial listed across the pages, following the page's own "Next" links."""
    serials, url = set(), None
    response = client.get("/admin/certificates/", query_string=query)
    while True:
        serials |= listed(response)
        url = re.search(r'href="([^"]+)" class="usa-pagination__link usa-pagination__next-page"', response.get_data(as_text=True))
        if url is None:
            return serials
        response = client.get(unescape(url.group(1)))


def test_the_agency_is_a_labelled_text_field_not_a_list_of_every_agency(client, world, admin):
    response = client.get("/admin/certificates/")
    html = response.get_data(as_text=True)
    form = re.search(r'<form method="get"[^>]*>.*?</form>', html, re.S).group(0)
    assert '<label class="usa-label" for="agency">Agency (name contains)</label>' in form
    assert re.search(r'<input[^>]*id="agency"[^>]*name="agency"[^>]*type="search"', form)
    assert "<select" in form and 'name="agency_id"' not in form  # status and class remain drop-downs
    assert "Bravo County" not in form and "Zulu" not in form
    assert len(all_pages(client)) == PER_PAGE + 1 + 3 + 2 + 1


def test_filters_by_part_of_the_agency_name_in_any_case(client, world, admin):
    serials = world["serials"]
    assert all_pages(client, agency="ALPHA") == {*serials["county"], *serials["city"]}
    assert all_pages(client, agency="  sheriff's   office ") == {*serials["county"], *serials["bravo"]}
    response = client.get("/admin/certificates/", query_string={"agency": "alpha"})
    text = page_text(response)
    assert 'Agencies whose name contains “alpha”' in text
    for key in ("county", "city"):
        assert f'href="/admin/certificates/?agency_id={world["agencies"][key].id}"' in text
    assert "Alpha Township (no certificates)" in text  # an agency without certificates is still offered
    assert 'value="alpha"' in text  # the typed text stays in the field
    assert "Certificates of agencies whose name contains “alpha”, newest first" in text


def test_percent_and_underscore_are_matched_as_typed(client, world, admin):
    assert all_pages(client, agency="100%") == set(world["serials"]["odd"])
    assert all_pages(client, agency="_") == set(world["serials"]["odd"])
    assert all_pages(client, agency="a%y") == set()


def test_a_link_by_agency_id_lists_that_agency_and_names_it(client, world, admin):
    county = world["agencies"]["county"]
    response = client.get("/admin/certificates/", query_string={"agency_id": county.id})
    text = page_text(response)
    assert re.search(rf'<input[^>]*id="agency_id"[^>]*name="agency_id" value="{county.id}" checked>', text)
    assert '<label class="usa-checkbox__label" for="agency_id">Only Alpha County Sheriff\'s Office</label>' in text
    assert f"Certificates of Alpha County Sheriff's Office, newest first ({PER_PAGE + 1})" in text
    assert f"/certificates/agencies/{county.id}/certificates.zip" in text
    assert all_pages(client, agency_id=county.id) == set(world["serials"]["county"])
    page_two = client.get("/admin/certificates/", query_string={"agency_id": county.id, "page": 2})
    assert listed(page_two) and listed(page_two) <= set(world["serials"]["county"])


def test_filters_work_together_and_across_pages(client, world, admin):
    serials, county = world["serials"], world["agencies"]["county"]
    assert all_pages(client, agency="alpha", status="expired") == {world["expired"]}
    assert all_pages(client, agency="alpha", status="valid") == {*serials["county"], *serials["city"][:2]}
    assert all_pages(client, agency="alpha", class_id=world["other"].id) == {serials["county"][0]}
    assert all_pages(client, agency_id=county.id, class_id=world["running"].id) == set(serials["county"][1:])
    assert all_pages(client, agency_id=county.id, agency="city") == set()  # both apply
    response = client.get("/admin/certificates/", query_string={"agency": "alpha", "status": "valid"})
    next_link = unescape(re.search(r'href="([^"]+)" class="usa-pagination__link usa-pagination__next-page"',
                                   response.get_data(as_text=True)).group(1))
    assert "agency=alpha" in next_link and "status=valid" in next_link and "page=2" in next_link
    # The agency offered under a typed name keeps the other filters.
    offered = re.search(rf'href="([^"]*agency_id={county.id}[^"]*)"', response.get_data(as_text=True)).group(1)
    assert "status=valid" in unescape(offered)


def test_empty_filters_list_everything(client, world, admin):
    everything = all_pages(client)
    response = client.get("/admin/certificates/", query_string={"agency": "", "agency_id": "", "status": "", "class_id": ""})
    assert response.status_code == 200 and "No agency has the id" not in page_text(response)
    assert all_pages(client, agency="", agency_id="", status="", class_id="") == everything
    assert all_pages(client, agency="   ") == everything


def test_no_certificates_yet(client, admin):
    text = page_text(client.get("/admin/certificates/"))
    assert "No certificates yet." in text


@pytest.mark.parametrize("name", ["zzz-no-such-agency", "Alpha Township"])
def test_a_name_that_lists_nothing_says_why(client, world, admin, name):
    response = client.get("/admin/certificates/", query_string={"agency": name})
    assert listed(response) == set()
    text = page_text(response)
    if name.startswith("zzz"):
        assert "No agency's name contains “zzz-no-such-agency”" in text
    else:
        assert "No certificate matches these filters" in text and "Alpha Township (no certificates)" in text


@pytest.mark.parametrize("value", ["999999", "abc", "-3", "0", "1.5", "1e3", "٣", "²", "9" * 40, "%", "' OR 1=1 --",
                                   "<script>alert(1)</script>"])
def test_an_unknown_or_malformed_agency_id_lists_nothing_and_never_fails(client, world, admin, value):
    response = client.get("/admin/certificates/", query_string={"agency_id": value, "status": "valid"})
    assert listed(response) == set()
    html = response.get_data(as_text=True)
    assert "No agency has the id" in html and "<script>alert" not in html
    assert 'href="/admin/certificates/?status=valid"' in html  # the way back keeps the other filters


@pytest.mark.parametrize("query", [
    {"agency": "x" * 5000}, {"agency": "\x00alpha"}, {"agency": "%_%"}, {"class_id": "abc", "agency": "alpha"},
    {"class_id": "9" * 40}, {"status": "bogus", "agency": "alpha"}, {"page": "-3", "agency": "alpha"},
    {"agency_id": ["1", "2"]}, {"agency": ["alpha", "bravo"]},
])
def test_bad_values_never_fail(client, world, admin, query):
    assert client.get("/admin/certificates/", query_string=query).status_code == 200


def test_a_bad_value_drops_only_its_own_filter(client, world, admin):
    serials = world["serials"]
    assert all_pages(client, agency="alpha", class_id="abc") == {*serials["county"], *serials["city"]}
    assert all_pages(client, agency="bravo", status="bogus") == set(serials["bravo"])


def test_long_names_are_cut_to_the_field_length(client, world, admin):
    response = client.get("/admin/certificates/", query_string={"agency": "Alpha" + "x" * 500})
    assert 'maxlength="100"' in response.get_data(as_text=True)
    assert re.search(r'value="Alphax{95}"', response.get_data(as_text=True))


def test_only_administrators_see_the_list(client, world, make, login):
    login(make.user(Role.COORDINATOR, agency=world["agencies"]["county"]))
    assert client.get("/admin/certificates/", query_string={"agency": "alpha"}).status_code == 403
