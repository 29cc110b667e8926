"""The program and agency figures against a hand-counted world, their charts and CSV exports."""
import csv
import io
import re

import pytest

from portal.agencies.models import Agreement, AgreementModel, AgreementStatus
from portal.auth.roles import Role
from portal.classes.models import EnrollmentStatus as ES
from portal.extensions import db
from portal.reports.charts import bar_chart


@pytest.fixture
def world(make):
    a = make.agency(name="Alpha County", state="NC", model=AgreementModel.JEM)
    b = make.agency(name="Bravo County", state="NC", model=AgreementModel.TFM, status=AgreementStatus.SUSPENDED)
    c = make.agency(name="Charlie City", state="TX", model=AgreementModel.WSO, status=AgreementStatus.APPLIED)
    d = make.agency(name="Delta City", state="TX", model=AgreementModel.JEM, status=AgreementStatus.UNDER_REVIEW)
    make.agency(name="Echo Town", state="FL", status=None)
    f = make.agency(name="Foxtrot Patrol", state="FL", model=AgreementModel.TFM, status=AgreementStatus.TERMINATED)
    f.agreements.append(Agreement(model=AgreementModel.TFM, status=AgreementStatus.ACTIVE, signed_on=a.current_agreement.signed_on,
                                  ends_on=a.current_agreement.ends_on))
    db.session.flush()
    db.session.expire(f, ["agreements"])
    tc, later = make.training_class(), make.training_class()
    officers = {}
    for key, agency, statuses in [
        ("o1", a, [ES.COMPLETED]), ("o2", a, [ES.IN_PROGRESS]), ("o3", a, [ES.DISQUALIFIED]), ("o4", a, [ES.WITHDRAWN]),
        ("o5", a, []), ("o6", b, [ES.ENROLLED]), ("o7", f, [ES.WITHDRAWN, ES.COMPLETED]),
    ]:
        officer = make.user(Role.OFFICER, agency=agency, first=key.upper(), last=f"Officer{key[1]}")
        officers[key] = officer
        for status, training_class in zip(statuses, [tc, later]):
            make.enrollment(officer, training_class, status=status)
    make.nomination(agency=a, first="Nina", last="=HYPERLINK(\"http://x\")")
    make.nomination(agency=a, first="Rex", last="Rejected", status="rejected")
    make.nomination(agency=c, first="Cal", last="Charlie")
    return {"a": a, "officers": officers}


def rows_of(response):
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


@pytest.fixture
def admin(make, login):
    login(make.user(Role.ADMIN))


EXPECTED_PROGRAM = {
    "agencies-by-status": [["Status", "Agencies"], ["Applied", "1"], ["Under review", "1"], ["Active", "2"], ["Suspended", "1"],
                           ["Terminated", "0"], ["Expired", "0"], ["No agreement", "1"]],
    "agencies-by-model": [["Model", "Agencies", "Agreement in force"], ["JEM — Jail Enforcement Model", "2", "1"],
                          ["TFM — Task Force Model", "2", "1"], ["WSO — Warrant Service Officer", "1", "0"]],
    "pending-applications": [["Status", "Applications"], ["Applied", "1"], ["Under review", "1"]],
    "officers": [["Stage", "Officers"], ["Nominated", "3"], ["Enrolled", "5"], ["Completed", "2"],
                 ["Certified", "0"], ["Disqualified", "1"]],
    "by-state": [["State", "Agencies", "Agreement in force", "Officers", "Officers who completed"],
                 ["FL", "2", "1", "1", "1"], ["NC", "2", "1", "6", "1"], ["TX", "2", "0", "0", "0"]],
}


@pytest.mark.parametrize("key", EXPECTED_PROGRAM)
def test_program_figures_match_the_hand_count(client, world, admin, key):
    assert rows_of(client.get(f"/admin/reports/{key}.csv")) == EXPECTED_PROGRAM[key]


def test_program_dashboard_shows_accessible_charts_and_tables(client, world, admin):
    page = client.get("/admin/reports/").get_data(as_text=True)
    assert page.count("<h1>") == 1
    svgs = re.findall(r"<svg[^>]*>", page)
    assert len(svgs) == 7
    for svg in svgs:
        assert 'role="img"' in svg
        title_id, desc_id = re.search(r'aria-labelledby="([^" ]+) ([^"]+)"', svg).groups()
        assert f'<title id="{title_id}">' in page and f'<desc id="{desc_id}">' in page
    assert "style=" not in page
    assert "<desc id=\"chart-agencies-by-status-desc\">Applied: 1; Under review: 1; Active: 2; Suspended: 1;" in page
    assert "Pass rate per exam (graded attempts)" in page
    assert '<th scope="row">Completed</th><td>2</td>' in page
    assert "/admin/reports/by-state.csv" in page


def test_certificates_per_month_covers_twelve_months_and_unknown_tables_404(client, world, admin):
    rows = rows_of(client.get("/admin/reports/certificates-per-month.csv"))
    assert rows[0] == ["Month", "Certificates"] and len(rows) == 13 and all(r[1] == "0" for r in rows[1:])
    assert client.get("/admin/reports/nope.csv").status_code == 404


def test_agency_dashboard_shows_its_own_figures_and_each_officers_status(client, make, login, world):
    login(make.user(Role.COORDINATOR, agency=world["a"]))
    page = client.get("/agency/").get_data(as_text=True)
    assert '<th scope="row">Enrolled</th><td>3</td>' in page and "Bravo" not in page and "Officer6" not in page
    funnel = rows_of(client.get("/agency/reports/officers.csv"))
    assert funnel == [["Stage", "Officers"], ["Nominated", "2"], ["Enrolled", "3"], ["Completed", "1"],
                      ["Certified", "0"], ["Disqualified", "1"]]
    statuses = {row[0]: row[2] for row in rows_of(client.get("/agency/reports/officer-status.csv"))[1:]}
    assert statuses == {
        "Officer1, O1": "Completed", "Officer2, O2": "In progress", "Officer3, O3": "Disqualified",
        "Officer4, O4": "Withdrawn", "Officer5, O5": "Approved, not enrolled",
        "Rejected, Rex": "Rejected", "'=HYPERLINK(\"http://x\"), Nina": "Nominated",
    }
    assert client.get("/agency/reports/by-state.csv").status_code == 404  # program-only figure
    assert client.get("/admin/reports/officers.csv").status_code == 403


def test_chart_escapes_labels_and_draws_proportional_bars():
    svg = str(bar_chart("t", "A <title>", [("<script>", 10), ("Half", 5), ("Zero", 0)]))
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "A &lt;title&gt;" in svg
    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([0-9.]+)"', svg)]
    assert widths[0] == 2 * widths[1] and widths[2] == 0
    assert "style" not in svg
