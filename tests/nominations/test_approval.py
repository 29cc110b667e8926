"""The administrator decides; an approved officer gets an account and an invitation that works."""
import re

import pytest
import sqlalchemy as sa

from portal.auth.models import User
from portal.auth.roles import Role
from portal.extensions import db
from portal.nominations.models import Nomination
from portal.notifications.models import OutboxMessage
from portal.timeutil import today


@pytest.fixture
def admin(make, login):
    user = make.user(Role.ADMIN)
    login(user)
    return user


def test_admin_sees_pending_nominations_with_eligibility(client, make, admin):
    make.nomination(first="Rosa", last="Núñez", years=7)
    make.nomination(last="Decided", status="rejected")
    page = client.get("/admin/nominations/").get_data(as_text=True)
    assert "Núñez, Rosa" in page and "7 years of law-enforcement experience" in page
    assert "Decided" not in page
    assert "Decided" in client.get("/admin/nominations/?status=all").get_data(as_text=True)


def test_approval_opens_an_account_and_the_invitation_link_sets_a_password(app, client, make, admin):
    nomination = make.nomination(first="Rosa", last="Núñez", email="rosa.nunez@example.gov")
    response = client.post(f"/admin/nominations/{nomination.id}",
                           data={"decision": "approve", "verified_on": today().isoformat(), "note": "FBI check cleared"})
    assert response.status_code == 302
    db.session.refresh(nomination)
    user = nomination.user
    assert nomination.status == "approved" and nomination.background_check_verified_on == today()
    assert nomination.decided_by_id == admin.id
    assert (user.role, user.agency_id, user.password_hash, user.last_name) == (Role.OFFICER, nomination.agency_id, None, "Núñez")
    message = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.user_id == user.id))
    assert message.kind == "invitation" and message.to_address == "rosa.nunez@example.gov"
    link = re.search(r"http://portal\.test(/set-password/\S+)", message.body).group(1)

    officer_client = app.test_client()
    assert officer_client.get(link).status_code == 200
    new_password = "a long and private passphrase 42"
    done = officer_client.post(link, data={"new_password": new_password, "confirm": new_password})
    assert done.status_code == 302, done.get_data(as_text=True)
    signed_in = officer_client.post("/login", data={"email": "rosa.nunez@example.gov", "password": new_password})
    assert signed_in.headers["Location"].endswith("/dashboard")
    assert officer_client.get(link).status_code == 400  # single use


def test_approved_officer_can_be_enrolled_and_is_told(client, make, admin):
    nomination = make.nomination(last="Approvedofficer")
    client.post(f"/admin/nominations/{nomination.id}", data={"decision": "approve", "verified_on": today().isoformat()})
    db.session.refresh(nomination)
    tc = make.training_class()
    assert "Approvedofficer" in client.get(f"/admin/classes/{tc.id}").get_data(as_text=True)
    assert client.post(f"/admin/classes/{tc.id}", data={"officer_ids": [nomination.user_id]}).status_code == 302
    kinds = db.session.scalars(sa.select(OutboxMessage.kind).where(OutboxMessage.user_id == nomination.user_id)).all()
    assert sorted(kinds) == ["enrollment", "invitation"]


def test_nominees_without_approval_are_not_offered_for_enrollment(client, make, admin):
    nomination = make.nomination(last="Waitingapproval")
    tc = make.training_class()
    assert "Waitingapproval" not in client.get(f"/admin/classes/{tc.id}").get_data(as_text=True)
    assert db.session.scalar(sa.select(User).where(User.email == nomination.email)) is None


def test_rejection_needs_a_reason_and_decisions_are_final(client, make, admin):
    nomination = make.nomination()
    page = client.post(f"/admin/nominations/{nomination.id}", data={"decision": "reject", "note": ""}).get_data(as_text=True)
    assert "Say why the nomination is rejected." in page
    no_date = client.post(f"/admin/nominations/{nomination.id}", data={"decision": "approve", "verified_on": ""})
    assert b"Give the date the background check was verified." in no_date.data
    client.post(f"/admin/nominations/{nomination.id}", data={"decision": "reject", "note": "Background check failed"})
    db.session.refresh(nomination)
    assert nomination.status == "rejected" and nomination.user_id is None
    again = client.post(f"/admin/nominations/{nomination.id}", data={"decision": "approve", "verified_on": today().isoformat()})
    assert again.status_code == 200
    db.session.refresh(nomination)
    assert nomination.status == "rejected"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_approval_refused_when_the_email_got_an_account_meanwhile(client, make, admin):
    nomination = make.nomination(email="late@example.gov")
    make.user(Role.OFFICER, email="late@example.gov")
    page = client.post(f"/admin/nominations/{nomination.id}",
                       data={"decision": "approve", "verified_on": today().isoformat()}).get_data(as_text=True)
    assert "an account with this email already exists in the portal" in page
    db.session.refresh(nomination)
    assert nomination.status == "nominated"


def test_coordinators_see_only_their_agencys_nominations(client, make, login):
    mine, theirs = make.agency(), make.agency()
    make.nomination(agency=mine, last="Minenominee")
    make.nomination(agency=theirs, last="Theirnominee")
    login(make.user(Role.COORDINATOR, agency=mine))
    page = client.get("/agency/nominations/").get_data(as_text=True)
    assert "Minenominee" in page and "Theirnominee" not in page
    assert client.get("/admin/nominations/").status_code == 403
    other = db.session.scalar(sa.select(Nomination).where(Nomination.last_name == "Theirnominee"))
    assert client.get(f"/admin/nominations/{other.id}").status_code == 403


def test_unknown_nomination_is_404(client, admin):
    assert client.get("/admin/nominations/999999").status_code == 404
