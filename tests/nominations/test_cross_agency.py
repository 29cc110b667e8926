"""A coordinator learns nothing about other agencies when nominating (issue 12, item 3).

An email that belongs to another agency (an officer's account, an open nomination) gets exactly
the answer an email unknown anywhere gets, through the form and the roster upload; the program
administrator sees the conflict when reviewing the nomination (flagged in the list, told on its
page), and approval still refuses a second account."""
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.auth.roles import Role
from portal.extensions import db
from portal.nominations.models import Nomination
from portal.timeutil import today
from tests.security.test_url_map_walk import without_csrf_tokens

CHECKED = (today() - timedelta(days=20)).isoformat()
HEADER = "first_name,last_name,email,badge_number,rank,years_experience,us_citizen,background_check_date"
UNKNOWN = "nobody.anywhere@example.gov"
THEIR_OFFICER = "their.officer@example.gov"
THEIR_NOMINEE = "their.nominee@example.gov"


@pytest.fixture
def agencies(make, client, login):
    """Agency A's coordinator (signed in); agency B with an officer account and an open nomination."""
    mine, theirs = make.agency(), make.agency(name="Agency B Sheriff's Office")
    login(make.user(Role.COORDINATOR, agency=mine))
    make.user(Role.OFFICER, agency=theirs, email=THEIR_OFFICER, first="Bea", last="Other")
    make.nomination(agency=theirs, email=THEIR_NOMINEE, first="Ned", last="Nominee")
    return mine, theirs


def nominate(client, email, years="5"):
    return client.post("/agency/nominations/new", data={
        "first_name": "Ana", "last_name": "Lima", "email": email, "years_experience": years, "us_citizen": "yes",
        "background_check_date": CHECKED})


def upload(client, *lines):
    data = ("\r\n".join([HEADER, *lines]) + "\r\n").encode()
    return client.post("/agency/nominations/import", data={"roster": (io.BytesIO(data), "roster.csv")},
                       content_type="multipart/form-data")


def seen(response, email) -> tuple:
    """What the coordinator sees, with the email they typed taken out (and the CSRF tokens, whose
    timestamp changes by the second)."""
    page = without_csrf_tokens(response.data).decode()
    return response.status_code, response.headers.get("Location"), page.replace(email, "EMAIL")


@pytest.mark.parametrize("foreign", [THEIR_OFFICER, THEIR_NOMINEE])
def test_the_form_answers_alike_for_an_unknown_email_and_another_agencys(client, agencies, foreign):
    refused = [seen(nominate(client, email, years="1"), email) for email in (UNKNOWN, foreign)]
    assert refused[0] == refused[1] and refused[0][0] == 200  # re-rendered for the experience only
    accepted = [seen(nominate(client, email), email) for email in (UNKNOWN, foreign)]
    assert accepted[0] == accepted[1] and accepted[0][0] == 302
    assert client.get("/agency/nominations/").get_data(as_text=True).count("Lima, Ana") == 2


@pytest.mark.parametrize("foreign", [THEIR_OFFICER, THEIR_NOMINEE])
def test_the_roster_upload_answers_alike_for_an_unknown_email_and_another_agencys(client, agencies, foreign):
    bad_row = f"Al,Smith,al.smith@example.gov,1,Deputy,1,yes,{CHECKED}"
    refused = [seen(upload(client, bad_row, f"Ana,Lima,{email},2,Deputy,5,yes,{CHECKED}"), email)
               for email in (UNKNOWN, foreign)]
    assert refused[0] == refused[1] and refused[0][0] == 422
    assert "Problems found (1)" in refused[0][2]  # only the experience of line 2
    accepted = [seen(upload(client, f"Ana,Lima,{email},2,Deputy,5,yes,{CHECKED}"), email) for email in (UNKNOWN, foreign)]
    assert accepted[0] == accepted[1] and accepted[0][0] == 302


def test_the_administrator_sees_the_conflict_on_review_and_approval_still_refuses(app, client, make, agencies):
    mine, theirs = agencies
    assert nominate(client, THEIR_OFFICER).status_code == 302
    assert nominate(client, THEIR_NOMINEE).status_code == 302
    ours = {n.email: n for n in db.session.scalars(sa.select(Nomination).where(Nomination.agency_id == mine.id))}
    admin = app.test_client()
    admin.post("/login", data={"email": make.user(Role.ADMIN).email, "password": make.PASSWORD})

    page = admin.get(f"/admin/nominations/{ours[THEIR_OFFICER].id}").get_data(as_text=True)
    assert "An account with this email already exists: Bea Other, Officer, Agency B Sheriff&#39;s Office." in page
    refused = admin.post(f"/admin/nominations/{ours[THEIR_OFFICER].id}",
                         data={"decision": "approve", "verified_on": today().isoformat()})
    assert refused.status_code == 200 and "an account with this email already exists in the portal" in refused.get_data(as_text=True)

    page = admin.get(f"/admin/nominations/{ours[THEIR_NOMINEE].id}").get_data(as_text=True)
    assert "Ned Nominee is also nominated by Agency B Sheriff&#39;s Office (nominated," in page
    theirs_nomination = db.session.scalar(sa.select(Nomination).where(Nomination.email == THEIR_NOMINEE,
                                                                      Nomination.agency_id == theirs.id))
    assert "Ana Lima is also nominated by" in admin.get(f"/admin/nominations/{theirs_nomination.id}").get_data(as_text=True)

    listing = admin.get("/admin/nominations/").get_data(as_text=True)
    flagged = re.findall(r'/admin/nominations/(\d+)">[^<]*</a> <span class="usa-tag portal-flag">Email also elsewhere', listing)
    assert sorted(int(i) for i in flagged) == sorted([ours[THEIR_OFFICER].id, ours[THEIR_NOMINEE].id, theirs_nomination.id])


def test_no_conflict_no_warning(app, client, make, agencies):
    assert nominate(client, UNKNOWN).status_code == 302
    nomination = db.session.scalar(sa.select(Nomination).where(Nomination.email == UNKNOWN))
    admin = app.test_client()
    admin.post("/login", data={"email": make.user(Role.ADMIN).email, "password": make.PASSWORD})
    assert 'id="conflicts"' not in admin.get(f"/admin/nominations/{nomination.id}").get_data(as_text=True)
    assert "Email also elsewhere" not in admin.get("/admin/nominations/").get_data(as_text=True)

