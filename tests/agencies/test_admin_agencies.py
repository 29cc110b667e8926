import pytest
import sqlalchemy as sa

from portal.agencies.models import Agency, AgreementStatus
from portal.auth.roles import Role
from portal.extensions import db


@pytest.fixture
def admin(make, login):
    user = make.user(Role.ADMIN)
    login(user)
    return user


AGENCY = {"name": "Gaston County Sheriff's Office", "kind": "county", "state": "NC",
          "contact_name": "Lt. Ana Ruiz", "contact_email": "ruiz@gaston.example.gov", "contact_phone": "555-0101"}


def test_admin_creates_agency_and_rejects_duplicate_name(client, admin):
    response = client.post("/admin/agencies/new", data=AGENCY)
    assert response.status_code == 302
    agency = db.session.scalar(sa.select(Agency).where(Agency.name == AGENCY["name"]))
    assert agency.state == "NC" and agency.current_agreement is None
    again = client.post("/admin/agencies/new", data=AGENCY)
    assert again.status_code == 200 and b"An agency with this name already exists." in again.data


def test_bad_agency_input_rerenders_with_errors_and_saves_nothing(client, admin):
    response = client.post("/admin/agencies/new", data={**AGENCY, "name": "", "state": "ZZ", "contact_email": "not-an-email"})
    assert response.status_code == 200
    assert b"There are 3 problems with this form" in response.data
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Agency)) == 0


def agreement_data(status, signed="2026-01-15", **extra):
    return {
        "kind": "MOA",
        "model": "JEM",
        "status": status,
        "applied_on": "2025-10-01",
        "signed_on": signed,
        "ends_on": "",
        "notes": "",
        "comment": f"Moved to {status}.",
        **extra,
    }


def test_agreement_lifecycle_moves_and_three_year_term(client, make, admin):
    agency = make.agency(status=None)
    assert (
        client.post(f"/admin/agencies/{agency.id}/agreements/new", data=agreement_data("applied", signed="")).status_code == 302
    )
    agreement = agency.current_agreement
    assert agreement.status == AgreementStatus.APPLIED
    # applied cannot jump to suspended
    jump = client.post(f"/admin/agreements/{agreement.id}/edit", data=agreement_data("suspended"))
    assert jump.status_code == 200 and b"Not a valid choice" in jump.data
    client.post(f"/admin/agreements/{agreement.id}/edit", data=agreement_data("under_review", signed=""))
    needs_date = client.post(f"/admin/agreements/{agreement.id}/edit", data=agreement_data("active", signed=""))
    assert b"needs its signature date" in needs_date.data
    client.post(f"/admin/agreements/{agreement.id}/edit", data=agreement_data("active"))
    db.session.refresh(agreement)
    assert agreement.status == AgreementStatus.ACTIVE and str(agreement.ends_on) == "2029-01-15"
    client.post(f"/admin/agreements/{agreement.id}/edit", data=agreement_data("suspended"))
    client.post(f"/admin/agreements/{agreement.id}/edit", data=agreement_data("active"))
    client.post(f"/admin/agreements/{agreement.id}/edit", data=agreement_data("terminated"))
    db.session.refresh(agreement)
    assert agreement.status == AgreementStatus.TERMINATED
    back = client.post(f"/admin/agreements/{agreement.id}/edit", data=agreement_data("active"))
    assert back.status_code == 200
    db.session.refresh(agreement)
    assert agreement.status == AgreementStatus.TERMINATED


def test_agency_search_and_pagination(client, make, admin):
    for n in range(30):
        make.agency(name=f"Search Agency {n:02d}")
    make.agency(name="100% Unique Office")
    first = client.get("/admin/agencies/").get_data(as_text=True)
    assert "31 in all, page 1 of 2" in first
    assert "Search Agency 29" not in first
    assert "Search Agency 29" in client.get("/admin/agencies/?page=2").get_data(as_text=True)
    assert "Search Agency 29" in client.get("/admin/agencies/?page=999").get_data(as_text=True)
    assert client.get("/admin/agencies/?page=abc").status_code == 200
    only = client.get("/admin/agencies/?q=100%25").get_data(as_text=True)
    assert "100% Unique Office" in only and "Search Agency" not in only


def test_agency_people_are_listed_a_page_at_a_time(client, make, admin):
    """An agency of hundreds of officers: its page lists 25 people at a time, by name."""
    agency = make.agency()
    for n in range(30):
        make.user(Role.OFFICER, agency=agency, last=f"Roster{n:02d}")
    other = make.user(Role.OFFICER, last="Elsewhere")  # another agency's officer is never listed
    first = client.get(f"/admin/agencies/{agency.id}").get_data(as_text=True)
    assert "30 in all, page 1 of 2" in first
    assert "Roster00" in first and "Roster24" in first and "Roster25" not in first
    assert f'href="/admin/agencies/{agency.id}?page=2#people"' in first
    second = client.get(f"/admin/agencies/{agency.id}?page=2").get_data(as_text=True)
    assert "Roster25" in second and "Roster29" in second and "Roster24" not in second
    assert "Agreements" in second  # the rest of the agency page is still there
    for bad in ("abc", "-1", "0", "999", "1e9", "99999999999999999999"):
        response = client.get(f"/admin/agencies/{agency.id}?page={bad}")
        assert response.status_code == 200, bad
        assert "Roster" in response.get_data(as_text=True) and other.last_name not in response.get_data(as_text=True)


def test_agency_without_people_says_so(client, make, admin):
    agency = make.agency()
    page = client.get(f"/admin/agencies/{agency.id}?page=3").get_data(as_text=True)
    assert "No accounts for this agency yet." in page and "0 in all" in page
