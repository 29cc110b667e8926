"""Applications, the agreement lifecycle with its dated and commented history, and its effect on enrollment."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.agencies.models import Agency, Agreement, AgreementStatus, AgreementStatusChange
from portal.audit.models import AuditEvent
from portal.auth.roles import Role
from portal.classes.models import Enrollment, EnrollmentStatus
from portal.extensions import db
from portal.timeutil import today

APPLICATION = {"name": "Collier County Sheriff's Office", "kind": "county", "state": "FL", "model": "JEM",
               "contact_name": "Capt. María Ibáñez", "contact_email": "M.Ibanez@Collier.example.gov",
               "contact_phone": "555-0199", "comment": "Jail of 1,200 beds."}


@pytest.fixture
def admin(make, login):
    user = make.user(Role.ADMIN)
    login(user)
    return user


def test_public_application_creates_an_applied_agreement_with_history(client):
    page = client.get("/apply")
    assert page.status_code == 200 and b"Apply for a 287(g) agreement" in page.data
    response = client.post("/apply", data=APPLICATION)
    assert response.status_code == 302 and response.headers["Location"].endswith("/apply/received")
    agency = db.session.scalar(sa.select(Agency).where(Agency.name == APPLICATION["name"]))
    agreement = agency.current_agreement
    assert (agreement.status, agreement.model, agreement.applied_on) == (AgreementStatus.APPLIED, "JEM", today())
    assert agency.contact_email == "m.ibanez@collier.example.gov" and agency.contact_name == "Capt. María Ibáñez"
    [change] = agreement.history
    assert change.from_status is None and change.to_status == AgreementStatus.APPLIED
    assert "Capt. María Ibáñez" in change.comment and "1,200 beds" in change.comment
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "agency_applied")) is not None


def test_application_input_errors_and_duplicate_agency(client, make):
    bad = client.post("/apply", data={**APPLICATION, "contact_email": "nope", "model": "XYZ", "name": ""})
    assert bad.status_code == 200 and b"There are 3 problems with this form" in bad.data
    make.agency(name="Collier County Sheriff's Office")
    dup = client.post("/apply", data={**APPLICATION, "name": "collier county  sheriff's office"})
    assert b"already known to the program" in dup.data
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Agency)) == 1


def test_coordinator_applies_for_a_new_agreement_once(client, make, login):
    agency = make.agency(status=AgreementStatus.TERMINATED)
    login(make.user(Role.COORDINATOR, agency=agency))
    assert b"Apply for a new agreement" in client.get("/apply").data
    assert client.post("/apply", data={"model": "TFM", "comment": "Renewal"}).status_code == 302
    db.session.expire_all()
    assert agency.current_agreement.status == AgreementStatus.APPLIED and agency.current_agreement.model == "TFM"
    again = client.get("/apply").get_data(as_text=True)
    assert "is applied" in again
    client.post("/apply", data={"model": "JEM"})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Agreement).where(Agreement.agency_id == agency.id)) == 2


def test_admin_reviews_pending_applications_through_the_lifecycle(client, make, admin):
    client.post("/apply", data=APPLICATION)
    listing = client.get("/admin/applications/").get_data(as_text=True)
    assert "Collier County Sheriff&#39;s Office" in listing and "Capt. María Ibáñez" in listing
    agreement = db.session.scalar(sa.select(Agreement))
    url = f"/admin/agreements/{agreement.id}/status"
    assert b"Say why the status changes." in client.post(url, data={"status": "under_review", "effective_on": "2026-02-01", "comment": ""}).data
    refused = client.post(url, data={"status": "suspended", "effective_on": "2026-02-01", "comment": "x"})
    assert refused.status_code == 200 and b"Not a valid choice" in refused.data
    client.post(url, data={"status": "under_review", "effective_on": "2026-02-01", "comment": "Documents complete."})
    client.post(url, data={"status": "active", "effective_on": "2026-03-10", "comment": "MOA signed by both parties."})
    db.session.refresh(agreement)
    assert agreement.status == AgreementStatus.ACTIVE
    assert (agreement.signed_on, agreement.ends_on) == (date(2026, 3, 10), date(2029, 3, 10))
    history = [(c.from_status, c.to_status, c.effective_on, c.comment, c.actor_id) for c in agreement.history]
    assert history[1:] == [
        (AgreementStatus.APPLIED, AgreementStatus.UNDER_REVIEW, date(2026, 2, 1), "Documents complete.", admin.id),
        (AgreementStatus.UNDER_REVIEW, AgreementStatus.ACTIVE, date(2026, 3, 10), "MOA signed by both parties.", admin.id),
    ]
    shown = client.get(f"/admin/agencies/{agreement.agency_id}").get_data(as_text=True)
    assert "MOA signed by both parties." in shown and "Under review → Active" in shown
    audits = db.session.scalars(sa.select(AuditEvent.details).where(AuditEvent.action == "agreement_saved")).all()
    assert [a["new_status"] for a in audits] == ["under_review", "active"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AgreementStatusChange)) == 3


def test_terminated_agreement_cannot_change_status(client, make, admin):
    agency = make.agency(status=AgreementStatus.TERMINATED)
    page = client.get(f"/admin/agreements/{agency.current_agreement.id}/status").get_data(as_text=True)
    assert "cannot change status any more" in page
    client.post(f"/admin/agreements/{agency.current_agreement.id}/status", data={"status": "active", "effective_on": "2026-01-01", "comment": "x"})
    db.session.refresh(agency.current_agreement)
    assert agency.current_agreement.status == AgreementStatus.TERMINATED


def test_renewal_due_ahead_of_the_end_date(client, make, admin):
    due = make.agency(name="Due Soon County")
    due.current_agreement.ends_on = today() + timedelta(days=90)
    later = make.agency(name="Plenty Of Time County")
    later.current_agreement.ends_on = today() + timedelta(days=400)
    db.session.flush()
    assert due.current_agreement.renewal_due() and not later.current_agreement.renewal_due()
    listing = client.get("/admin/agencies/").get_data(as_text=True)
    assert listing.count("Renewal due") == 1
    assert "Renewal due" in client.get(f"/admin/agencies/{due.id}").get_data(as_text=True)


@pytest.mark.parametrize("status", ["suspended", "terminated"])
def test_suspending_or_terminating_blocks_new_enrollments_keeps_and_flags_existing(client, make, login, admin, status):
    agency = make.agency()
    tc = make.training_class()
    enrolled = make.user(Role.OFFICER, agency=agency, last="Alreadyenrolled")
    make.enrollment(enrolled, tc)
    waiting = make.user(Role.OFFICER, agency=agency, last="Notyetenrolled")
    client.post(f"/admin/agreements/{agency.current_agreement.id}/status",
                data={"status": status, "effective_on": today().isoformat(), "comment": "Compliance review."})
    assert agency.current_agreement.status == status
    refused = client.post(f"/admin/classes/{tc.id}", data={"officer_ids": [waiting.id]})
    assert refused.status_code == 200
    assert db.session.scalar(sa.select(Enrollment).where(Enrollment.officer_id == waiting.id)) is None
    kept = db.session.scalar(sa.select(Enrollment).where(Enrollment.officer_id == enrolled.id))
    assert kept.status == EnrollmentStatus.ENROLLED
    roster = client.get(f"/admin/classes/{tc.id}").get_data(as_text=True)
    assert "Agreement not in force" in roster and "Alreadyenrolled" in roster
    client.post("/logout")
    login(make.user(Role.COORDINATOR, agency=agency))
    dashboard = client.get("/agency/").get_data(as_text=True)
    assert "Agreement not in force" in dashboard and "officers cannot be enrolled in new classes" in dashboard


def test_reinstating_a_suspended_agreement_allows_enrollment_again(client, make, admin):
    agency = make.agency(status=AgreementStatus.SUSPENDED)
    officer = make.user(Role.OFFICER, agency=agency)
    tc = make.training_class()
    client.post(f"/admin/agreements/{agency.current_agreement.id}/status",
                data={"status": "active", "effective_on": today().isoformat(), "comment": "Review closed."})
    assert client.post(f"/admin/classes/{tc.id}", data={"officer_ids": [officer.id]}).status_code == 302


def test_the_confirmation_gives_the_reference_number_once_and_the_office_sees_it(client, make, login):
    client.post("/apply", data=APPLICATION)
    agreement = db.session.scalar(sa.select(Agency).where(Agency.name == APPLICATION["name"])).current_agreement
    reference = f"287G-APP-{today().year}-{agreement.id:06d}"
    assert reference in client.get("/apply/received").data.decode()
    assert reference not in client.get("/apply/received").data.decode()  # a reload no longer shows it
    login(make.user(Role.ADMIN))
    assert reference in client.get("/admin/applications/").data.decode()


@pytest.mark.parametrize("field", ["kind", "state", "model"])
def test_the_application_form_starts_unchosen_and_asks_for_each_choice(client, field):
    page = client.get("/apply").data.decode()
    assert page.count('<option value="">Select…</option>') == 3 and " selected" not in page
    response = client.post("/apply", data={**APPLICATION, field: ""})
    assert response.status_code == 200 and "Choose " in response.data.decode()
    assert db.session.scalar(sa.select(Agency).where(Agency.name == APPLICATION["name"])) is None
