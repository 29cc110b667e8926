"""Agreement dates are bounded (1990 to 2099): a date near year 9999 overflowed the three-year term
computed from it (a 500). Pinned at the boundary: the last day allowed, the first day refused."""
import pytest
import sqlalchemy as sa

from portal.agencies.models import Agreement, AgreementStatus
from portal.auth.roles import Role
from portal.extensions import db

REFUSED = "Enter a date from January 1, 1990 to December 31, 2099."


@pytest.fixture
def admin(make, login):
    login(make.user(Role.ADMIN))


def agreement_data(signed: str, **extra) -> dict:
    return {"kind": "MOA", "model": "JEM", "status": "active", "applied_on": "2025-10-01", "signed_on": signed,
            "ends_on": "", "notes": "", "comment": "Signed.", **extra}


def agreements(agency) -> list[Agreement]:
    return db.session.scalars(sa.select(Agreement).where(Agreement.agency_id == agency.id)).all()


@pytest.mark.parametrize("signed", ["9999-01-01", "9999-12-31", "2100-01-01"])
def test_an_agreement_signed_past_2099_is_a_field_error(client, make, admin, signed):
    agency = make.agency(status=None)
    response = client.post(f"/admin/agencies/{agency.id}/agreements/new", data=agreement_data(signed))
    assert response.status_code == 200 and REFUSED in response.get_data(as_text=True)
    assert agreements(agency) == []


def test_an_agreement_signed_on_the_last_day_allowed_runs_three_years(client, make, admin):
    agency = make.agency(status=None)
    response = client.post(f"/admin/agencies/{agency.id}/agreements/new", data=agreement_data("2099-12-31"))
    assert response.status_code == 302
    [agreement] = agreements(agency)
    assert (agreement.signed_on.isoformat(), agreement.ends_on.isoformat()) == ("2099-12-31", "2102-12-31")


@pytest.mark.parametrize("field", ["applied_on", "ends_on"])
@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "1989-12-31"])
def test_every_agreement_date_is_bounded(client, make, admin, field, value):
    agency = make.agency(status=None)
    response = client.post(f"/admin/agencies/{agency.id}/agreements/new", data=agreement_data("2025-11-01", **{field: value}))
    assert response.status_code == 200 and REFUSED in response.get_data(as_text=True)
    assert agreements(agency) == []


@pytest.mark.parametrize("effective_on,refused", [("9999-01-01", True), ("2100-01-01", True), ("2099-12-31", False)])
def test_a_signature_dated_by_a_status_change_is_bounded(client, make, admin, effective_on, refused):
    agreement = make.agency(status=AgreementStatus.UNDER_REVIEW).current_agreement
    response = client.post(f"/admin/agreements/{agreement.id}/status",
                           data={"status": "active", "effective_on": effective_on, "comment": "Signed."})
    db.session.refresh(agreement)
    if refused:
        assert response.status_code == 200 and REFUSED in response.get_data(as_text=True)
        assert agreement.status == AgreementStatus.UNDER_REVIEW and agreement.signed_on is None
    else:
        assert response.status_code == 302 and agreement.ends_on.isoformat() == "2102-12-31"
