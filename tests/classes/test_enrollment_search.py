"""The admin class page offers officers for enrollment through a search (name, email or agency),
a bounded list at a time, working without JavaScript."""
import re

import pytest
import sqlalchemy as sa

from portal.agencies.models import AgreementStatus
from portal.auth.roles import Role
from portal.classes.models import Enrollment
from portal.classes.views import SEARCH_LIMIT
from portal.extensions import db


@pytest.fixture
def admin(make, login):
    user = make.user(Role.ADMIN)
    login(user)
    return user


def offered(page: str) -> list[str]:
    """The officers offered as checkboxes, as their labels read."""
    return re.findall(r'<label class="usa-checkbox__label" for="officer_ids-\d+">([^<]*)</label>', page)


def enrolled_ids(tc) -> set[int]:
    return set(db.session.scalars(sa.select(Enrollment.officer_id).where(Enrollment.class_id == tc.id)))


def test_long_lists_are_cut_with_a_message_to_refine_the_search(client, make, admin):
    tc = make.training_class()
    agency = make.agency(name="Wake County Sheriff's Office")
    for n in range(SEARCH_LIMIT + 5):
        make.user(Role.OFFICER, agency=agency, last=f"Deputy{n:02d}")
    page = client.get(f"/admin/classes/{tc.id}").get_data(as_text=True)
    assert len(offered(page)) == SEARCH_LIMIT
    assert offered(page)[0].startswith("Deputy00, Pat")  # by name
    assert f"More than {SEARCH_LIMIT} eligible officers match: only the first {SEARCH_LIMIT} by name are listed." in page
    assert '<label class="usa-label" for="officer-search">Find officers by name, email or agency</label>' in page

    narrowed = client.get(f"/admin/classes/{tc.id}?q=deputy07").get_data(as_text=True)
    assert offered(narrowed) == ["Deputy07, Pat — Wake County Sheriff&#39;s Office"]
    assert "Refine your search" not in narrowed
    assert 'value="deputy07"' in narrowed


@pytest.mark.parametrize("query", ["Okafor", "okafor@", "Durham Police", "chidi durham", "CHIDI"])
def test_search_matches_names_email_and_agency_and_every_word_must_match(client, make, admin, query):
    tc = make.training_class()
    make.user(Role.OFFICER, agency=make.agency(name="Durham Police Department"), first="Chidi", last="Okafor",
                       email="okafor@durham.example.gov")
    make.user(Role.OFFICER, agency=make.agency(name="Durham County Sheriff"), first="Tahani", last="Chidester")
    page = client.get(f"/admin/classes/{tc.id}", query_string={"q": query}).get_data(as_text=True)
    assert offered(page) == ["Okafor, Chidi — Durham Police Department"]


@pytest.mark.parametrize("query", ["%", "_", "Nobody", "a" * 300, "' OR 1=1 --", "\\"])
def test_searches_that_match_nobody_say_so_and_change_nothing(client, make, admin, query):
    tc = make.training_class()
    make.user(Role.OFFICER, last="Somebody")
    response = client.get(f"/admin/classes/{tc.id}", query_string={"q": query})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and offered(page) == []
    assert "No eligible officer matches" in page and "list all eligible officers" in page
    assert enrolled_ids(tc) == set()


def test_officers_of_agencies_without_an_agreement_in_force_are_never_found(client, make, admin):
    tc = make.training_class()
    make.user(Role.OFFICER, agency=make.agency(status=AgreementStatus.SUSPENDED), last="Suspendedagency")
    make.user(Role.OFFICER, agency=make.agency(status=None), last="Noagreement")
    make.user(Role.OFFICER, last="Inactive", active=False)
    already = make.enrollment(training_class=tc).officer
    for query in ("Suspendedagency", "Noagreement", "Inactive", already.last_name):
        assert offered(client.get(f"/admin/classes/{tc.id}", query_string={"q": query}).get_data(as_text=True)) == []


def test_enrolling_from_a_search_keeps_officers_ticked_in_an_earlier_search(client, make, admin):
    tc = make.training_class()
    first, second = make.user(Role.OFFICER, last="Alvarez"), make.user(Role.OFFICER, last="Brennan")
    page = client.get(f"/admin/classes/{tc.id}?q=Brennan").get_data(as_text=True)
    assert f'action="/admin/classes/{tc.id}?q=Brennan#enroll"' in page  # the search survives a failed submit
    response = client.post(f"/admin/classes/{tc.id}?q=Brennan", data={"officer_ids": [first.id, second.id]})
    assert response.status_code == 302
    assert enrolled_ids(tc) == {first.id, second.id}


@pytest.mark.parametrize("posted", [["abc"], ["99999999"], [""], ["1" * 40]])
def test_nonsense_officer_ids_get_a_clear_message_and_enroll_nobody(client, make, admin, posted):
    tc = make.training_class()
    make.user(Role.OFFICER, last="Bystander")
    response = client.post(f"/admin/classes/{tc.id}", data={"officer_ids": posted})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'class="usa-error-message"' in page
    assert enrolled_ids(tc) == set()


def test_only_administrators_reach_the_search(client, make, login):
    tc = make.training_class(instructors=[instructor := make.user(Role.INSTRUCTOR)])
    login(instructor)
    assert client.get(f"/admin/classes/{tc.id}?q=a").status_code == 403
