"""Every eligibility rule of docs/program-rules.md, explained per officer, through the coordinator's form."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.auth.roles import Role
from portal.extensions import db
from portal.nominations import eligibility
from portal.nominations.models import Nomination
from portal.timeutil import today


@pytest.fixture
def coordinator(make, login):
    user = make.user(Role.COORDINATOR)
    login(user)
    return user


def form(**overrides):
    data = {"first_name": "Siobhán", "last_name": "O'Brien", "email": "s.obrien@example.gov", "badge_number": "881",
            "rank": "Deputy", "years_experience": "4", "us_citizen": "yes",
            "background_check_date": (today() - timedelta(days=10)).isoformat()}
    return {**data, **overrides}


def nominations():
    return db.session.scalars(sa.select(Nomination)).all()


def test_an_eligible_officer_is_nominated_with_names_intact(client, coordinator):
    response = client.post("/agency/nominations/new", data=form())
    assert response.status_code == 302
    [nomination] = nominations()
    assert (nomination.first_name, nomination.last_name) == ("Siobhán", "O'Brien")
    assert nomination.agency_id == coordinator.agency_id and nomination.status == "nominated"
    listing = client.get("/agency/nominations/").get_data(as_text=True)
    assert "O&#39;Brien, Siobhán" in listing and "4 years of law-enforcement experience" in listing


def test_exactly_two_years_is_enough(client, coordinator):
    assert client.post("/agency/nominations/new", data=form(years_experience="2")).status_code == 302


@pytest.mark.parametrize("overrides, explanation", [
    ({"us_citizen": "no"}, "Must be a US citizen."),
    ({"years_experience": "1.5"}, "Needs 2 years of law-enforcement experience (has 1.5)."),
    ({"background_check_date": ""}, "Needs a completed background check (no date given)."),
    ({"background_check_date": (today() + timedelta(days=3)).isoformat()}, "is in the future."),
])
def test_each_rule_refuses_and_explains(client, coordinator, overrides, explanation):
    response = client.post("/agency/nominations/new", data=form(**overrides))
    assert response.status_code == 200
    assert explanation in response.get_data(as_text=True)
    assert nominations() == []


def test_all_failed_rules_are_explained_together(client, coordinator):
    page = client.post("/agency/nominations/new", data=form(us_citizen="no", years_experience="0",
                                                            background_check_date="")).get_data(as_text=True)
    assert "There are 3 problems with this form" in page


def test_email_already_in_the_agency_is_refused(client, make, coordinator):
    """Only the coordinator's own agency is looked at: see test_cross_agency.py for the others."""
    make.user(Role.OFFICER, email="taken@example.gov", agency=coordinator.agency)
    page = client.post("/agency/nominations/new", data=form(email="Taken@Example.gov")).get_data(as_text=True)
    assert "An account with this email already exists in your agency." in page
    make.nomination(email="pending@example.gov", agency=coordinator.agency)
    page = client.post("/agency/nominations/new", data=form(email="pending@example.gov")).get_data(as_text=True)
    assert "already nominated (nominated)" in page
    assert len(nominations()) == 1


def test_rules_as_functions():
    on = today()
    ok = eligibility.check(us_citizen=True, years_experience=2, background_check_date=on, on=on)
    assert all(f.ok for f in ok)
    bad = eligibility.problems(us_citizen=False, years_experience=0.5, background_check_date=None, on=on)
    assert [f.column for f in bad] == ["us_citizen", "years_experience", "background_check_date"]
