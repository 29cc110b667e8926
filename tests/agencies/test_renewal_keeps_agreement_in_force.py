"""A renewal applied for while an agreement runs does not displace it: the agency keeps enrolling
officers until the running agreement ends (the day after its end date), whatever is pending."""
from datetime import timedelta

import pytest

from portal.agencies.models import AgreementModel, AgreementStatus
from portal.agencies.services import apply_for_renewal
from portal.auth.roles import Role
from portal.classes.services import EnrollmentError, eligible_officers, enroll
from portal.reports.queries import agencies_by_status
from portal.timeutil import today


@pytest.fixture
def renewing(make):
    agency = make.agency(status=AgreementStatus.ACTIVE)
    running = agency.agreements[0]
    renewal = apply_for_renewal(agency, AgreementModel.JEM, "Renewal for 2027.")
    return agency, running, renewal


@pytest.mark.parametrize(("ends_in_days", "in_force"), [(0, True), (1, True), (-1, False)],
                         ids=["ends-today", "ends-tomorrow", "ended-yesterday"])
def test_a_pending_renewal_keeps_the_running_agreement_current(make, renewing, ends_in_days, in_force):
    agency, running, renewal = renewing
    running.ends_on = today() + timedelta(days=ends_in_days)
    assert renewal.status == AgreementStatus.APPLIED
    assert agency.has_active_agreement is in_force
    assert agency.current_agreement is (running if in_force else renewal)
    officer = make.user(Role.OFFICER, agency=agency)
    training_class = make.training_class()
    assert (officer in eligible_officers(training_class)) is in_force
    if in_force:
        assert [e.officer for e in enroll([officer], training_class)] == [officer]
    else:
        with pytest.raises(EnrollmentError, match="has no active 287\\(g\\) agreement"):
            enroll([officer], training_class)


def test_the_program_report_counts_the_renewing_agency_as_active(renewing):
    rows = dict(agencies_by_status().rows)
    assert rows["Active"] >= 1 and rows["Applied"] == 0


def test_the_coordinator_sees_no_agreement_warning_while_the_renewal_is_pending(client, login, make, renewing):
    agency, _running, _renewal = renewing
    login(make.user(Role.COORDINATOR, agency=agency))
    page = client.get("/agency/").data.decode()
    assert "Your agency has no active agreement" not in page
