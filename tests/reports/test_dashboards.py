"""The program and agency figures against a hand-counted world, their charts and CSV exports."""
import csv
import io
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest

from portal.agencies.models import Agreement, AgreementModel, AgreementStatus
from portal.auth.roles import Role
from portal.certificates.models import RevocationReason
from portal.certificates.services import reissue, revoke
from portal.classes.models import EnrollmentStatus as ES
from portal.extensions import db
from portal.quizzes.models import Attempt, AttemptStatus
from portal.reports.charts import bar_chart
from portal.timeutil import today, utcnow
from tests import factories

THIS_MONTH = today().replace(day=1)
LAST_MONTH = (THIS_MONTH - timedelta(days=1)).replace(day=1)
TWO_MONTHS_AGO = (LAST_MONTH - timedelta(days=1)).replace(day=1)


@pytest.fixture(scope="module")
def seeded_world(seed):
    """The world below, built once for the module (it renders five certificate PDFs): each test
    that uses it runs on a copy of the database holding it, rolled back afterwards."""
    with seed(lambda app: build_world(factories)) as seeded:
        yield seeded


@pytest.fixture
def world(seeded_world):
    return seeded_world.load()


def build_world(make):
    a = make.agency(name="Alpha County", state="NC", model=AgreementModel.JEM)
    b = make.agency(name="Bravo County", state="NC", model=AgreementModel.TFM, status=AgreementStatus.SUSPENDED)
    c = make.agency(name="Charlie City", state="TX", model=AgreementModel.WSO, status=AgreementStatus.APPLIED)
    make.agency(name="Delta City", state="TX", model=AgreementModel.JEM, status=AgreementStatus.UNDER_REVIEW)
    make.agency(name="Echo Town", state="FL", status=None)
    f = make.agency(name="Foxtrot Patrol", state="FL", model=AgreementModel.TFM, status=AgreementStatus.TERMINATED)
    f.agreements.append(
        Agreement(
            model=AgreementModel.TFM,
            status=AgreementStatus.ACTIVE,
            signed_on=a.current_agreement.signed_on,
            ends_on=a.current_agreement.ends_on,
        )
    )
    db.session.flush()
    db.session.expire(f, ["agreements"])
    tc, later = make.training_class(make.course(code="RPT-JEM")), make.training_class(make.course(code="RPT-TFM"))
    old_course = make.course(code="RPT-OLD")
    old_course.certificate_validity_days = 30
    old = make.training_class(old_course, start=TWO_MONTHS_AGO - timedelta(days=60))
    officers, enrollments = {}, {}
    for key, agency, statuses in [
        ("o1", a, [ES.COMPLETED]), ("o2", a, [ES.IN_PROGRESS]), ("o3", a, [ES.DISQUALIFIED]), ("o4", a, [ES.WITHDRAWN]),
        ("o5", a, []), ("o6", b, [ES.ENROLLED]), ("o7", f, [ES.WITHDRAWN, ES.COMPLETED]),
    ]:
        officer = make.user(Role.OFFICER, agency=agency, first=key.upper(), last=f"Officer{key[1]}")
        officers[key] = officer
        for status, training_class in zip(statuses, [tc, later], strict=False):  # up to two enrollments
            enrollments[key] = make.enrollment(officer, training_class, status=status)
    make.nomination(agency=a, first="Nina", last="=HYPERLINK(\"http://x\")")
    make.nomination(agency=a, first="Rex", last="Rejected", status="rejected")
    make.nomination(agency=c, first="Cal", last="Charlie")

    # Certificates, issued through the service. Certified (valid today): o1 only.
    reissue(make.certificate(enrollments["o1"], issued_on=today()), "Name corrected")  # this month, counted once
    make.certificate(make.enrollment(officers["o3"], old, status=ES.COMPLETED), issued_on=TWO_MONTHS_AGO)  # expired
    replaced = reissue(make.certificate(enrollments["o7"], issued_on=LAST_MONTH), "Name corrected")
    revoke(replaced, RevocationReason.ISSUED_IN_ERROR, "Training record invalidated")  # superseded + revoked

    # Graded attempts (others pending or in progress do not count).
    week1, final = (make.quiz(tc.course, [make.question(tc.course)], title=t) for t in ("Week 1 exam", "Final exam"))
    other_week1 = make.quiz(later.course, [make.question(later.course)], title="Week 1 exam")
    for key, quiz, outcomes in [
        ("o1", week1, [True]), ("o2", week1, [False, True]), ("o3", week1, [False, False]), ("o6", week1, [True]),
        ("o1", final, [True]), ("o6", final, [None]), ("o2", final, ["open"]), ("o7", other_week1, [False]),
    ]:
        for number, passed in enumerate(outcomes, start=1):
            db.session.add(attempt_row(quiz, enrollments[key], number, passed))
    db.session.flush()
    return {"a": a, "f": f, "officers": officers}


def attempt_row(quiz, enrollment, number, passed):
    """passed: True/False for a graded attempt, None for one pending grading, "open" for one in progress."""
    status = {None: AttemptStatus.PENDING_GRADING, "open": AttemptStatus.IN_PROGRESS}.get(passed, AttemptStatus.GRADED)
    graded = status == AttemptStatus.GRADED
    return Attempt(quiz=quiz, enrollment=enrollment, number=number, is_retake=number > 1, status=status,
                   submitted_at=utcnow() if passed != "open" else None, graded_at=utcnow() if graded else None,
                   score=(1.0 if passed else 0.0) if graded else None, max_score=1.0, passed=passed if graded else None)


def months_column(counts: dict) -> list[list[str]]:
    """The 12 month rows of "certificates per month", zero except `counts` ({first of month: n})."""
    months, start = [], THIS_MONTH
    for _ in range(12):
        months.insert(0, start)
        start = (start - timedelta(days=1)).replace(day=1)
    return [[m.strftime("%b %Y"), str(counts.get(m, 0))] for m in months]


def rows_of(response):
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


class ReportTables(HTMLParser):
    """The report tables of a page (`section.portal-report`): each one's CSV link and its cells as
    text, header row first, in the order the page shows them."""

    def __init__(self, html: str):
        super().__init__()
        self.tables: list[dict] = []
        self.section_depth = 0  # > 0 inside a report section
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            if self.section_depth:
                self.section_depth += 1
            elif "portal-report" in (attrs.get("class") or "").split():
                self.section_depth = 1
                self.tables.append({"csv": None, "rows": []})
        elif not self.section_depth:
            return
        elif tag == "a" and (attrs.get("href") or "").endswith(".csv"):
            self.tables[-1]["csv"] = attrs["href"]
        elif tag == "tr":
            self.row = []
        elif tag in ("th", "td") and self.row is not None:
            self.cell = []
            if attrs.get("colspan"):  # the "nothing to count yet" row of an empty table
                self.row = None

    def handle_endtag(self, tag):
        if tag == "section" and self.section_depth:
            self.section_depth -= 1
        elif tag in ("th", "td") and self.cell is not None:
            if self.row is not None:
                self.row.append("".join(self.cell).strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.tables[-1]["rows"].append(self.row)
            self.row = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def assert_each_csv_matches_its_table(client, page_url: str, expected_keys: list[str], csv_prefix: str):
    """Every report table of the page links to its CSV, which has the same header row and rows."""
    tables = ReportTables(client.get(page_url).get_data(as_text=True)).tables
    assert [t["csv"] for t in tables] == [f"{csv_prefix}{key}.csv" for key in expected_keys]
    for table in tables:
        response = client.get(table["csv"])
        assert rows_of(response) == table["rows"], table["csv"]
        key = table["csv"].rsplit("/", 1)[1].removesuffix(".csv")
        assert f"-{key}-" in response.headers["Content-Disposition"]
    return tables


@pytest.fixture
def admin(make, login):
    login(make.user(Role.ADMIN))


EXPECTED_PROGRAM = {
    "agencies-by-status": [["Status", "Agencies"], ["Applied", "1"], ["Under review", "1"], ["Active", "2"], ["Suspended", "1"],
                           ["Terminated", "0"], ["Expired", "0"], ["No agreement", "1"]],
    "agencies-by-model": [["Model", "Agencies", "Agreement in force"], ["JEM — Jail Enforcement Model", "2", "1"],
                          ["TFM — Task Force Model", "2", "1"], ["WSO — Warrant Service Officer", "1", "0"]],
    "pending-applications": [["Status", "Applications"], ["Applied", "1"], ["Under review", "1"]],
    "officers": [["Stage", "Officers"], ["Nominated", "3"], ["Enrolled", "5"], ["Completed", "3"],
                 ["Certified", "1"], ["Disqualified", "1"]],
    "by-state": [["State", "Agencies", "Agreement in force", "Officers", "Officers who completed"],
                 ["FL", "2", "1", "1", "1"], ["NC", "2", "1", "6", "2"], ["TX", "2", "0", "0", "0"]],
    "certificates-per-month": [["Month", "Certificates"], *months_column({THIS_MONTH: 1, LAST_MONTH: 1, TWO_MONTHS_AGO: 1})],
    "pass-rate": [["Exam", "Pass rate (%)", "Attempts graded", "Passed"], ["RPT-JEM: Final exam", "100.0", "1", "1"],
                  ["RPT-JEM: Week 1 exam", "50.0", "6", "3"], ["RPT-TFM: Week 1 exam", "0.0", "1", "0"]],
}


def test_program_figures_match_the_hand_count(client, world, admin):
    # One world for every figure: building it renders five certificate PDFs.
    assert {key: rows_of(client.get(f"/admin/reports/{key}.csv")) for key in EXPECTED_PROGRAM} == EXPECTED_PROGRAM


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
    assert '<th scope="row">Completed</th><td>3</td>' in page
    assert '<th scope="row">RPT-JEM: Week 1 exam</th><td>50.0</td><td>6</td><td>3</td>' in page
    assert "Certified counts officers holding a valid certificate today (not expired, revoked or replaced)." in page
    assert "/admin/reports/by-state.csv" in page
    assert "not available" not in page


def test_unknown_tables_404(client, admin):
    assert client.get("/admin/reports/nope.csv").status_code == 404


PROGRAM_KEYS = ["agencies-by-status", "agencies-by-model", "pending-applications", "officers", "certificates-per-month",
                "pass-rate", "by-state"]  # in the order the page shows them


def test_each_program_table_downloads_as_the_same_csv(client, world, admin):
    tables = assert_each_csv_matches_its_table(client, "/admin/reports/", PROGRAM_KEYS, "/admin/reports/")
    assert {t["csv"].rsplit("/", 1)[1][:-4]: t["rows"] for t in tables} == EXPECTED_PROGRAM


def test_each_program_table_of_an_empty_program_downloads_as_the_same_csv(client, admin):
    tables = assert_each_csv_matches_its_table(client, "/admin/reports/", PROGRAM_KEYS, "/admin/reports/")
    pass_rate = next(t for t in tables if t["csv"].endswith("/pass-rate.csv"))
    assert pass_rate["rows"] == [["Exam", "Pass rate (%)", "Attempts graded", "Passed"]]


@pytest.mark.parametrize("key", ["nope", "officer-status", "Officers", "officers.csv", "find", "__class__", "program_tables"])
def test_unknown_program_tables_404(client, admin, key):
    assert client.get(f"/admin/reports/{key}.csv").status_code == 404


@pytest.mark.parametrize("key", ["nope", "by-state", "agencies-by-status", "pending-applications", "__class__"])
def test_unknown_agency_tables_404(client, make, login, key):
    login(make.user(Role.COORDINATOR, agency=make.agency()))
    assert client.get(f"/agency/reports/{key}.csv").status_code == 404


def test_each_agency_table_downloads_as_the_same_csv_with_its_own_figures(client, make, login, world):
    keys = ["officers", "certificates-per-month", "pass-rate"]
    login(make.user(Role.COORDINATOR, agency=world["a"]))
    alpha = assert_each_csv_matches_its_table(client, "/agency/", keys, "/agency/reports/")
    assert alpha[0]["rows"][1:] == [["Nominated", "2"], ["Enrolled", "3"], ["Completed", "2"], ["Certified", "1"],
                                    ["Disqualified", "1"]]
    page = client.get("/agency/").get_data(as_text=True)
    assert 'href="/agency/reports/officer-status.csv"' in page
    names = [row[0] for row in rows_of(client.get("/agency/reports/officer-status.csv"))[1:]]
    assert "Officer1, O1" in names and "Officer6, O6" not in names and "Officer7, O7" not in names
    assert "Charlie, Cal" not in names  # another agency's nominee

    client.post("/logout")
    login(make.user(Role.COORDINATOR, agency=world["f"]))
    foxtrot = assert_each_csv_matches_its_table(client, "/agency/", keys, "/agency/reports/")
    assert foxtrot != alpha
    assert foxtrot[2]["rows"][1:] == [["RPT-TFM: Week 1 exam", "0.0", "1", "0"]]
    names = [row[0] for row in rows_of(client.get("/agency/reports/officer-status.csv"))[1:]]
    assert names == ["Officer7, O7"]


def test_agency_dashboard_shows_its_own_figures_and_each_officers_status(client, make, login, world):
    login(make.user(Role.COORDINATOR, agency=world["a"]))
    page = client.get("/agency/").get_data(as_text=True)
    assert '<th scope="row">Enrolled</th><td>3</td>' in page and "Bravo" not in page and "Officer6" not in page
    funnel = rows_of(client.get("/agency/reports/officers.csv"))
    assert funnel == [["Stage", "Officers"], ["Nominated", "2"], ["Enrolled", "3"], ["Completed", "2"],
                      ["Certified", "1"], ["Disqualified", "1"]]
    # Their own certificates only (o7's, of another agency, last month, is not counted).
    assert rows_of(client.get("/agency/reports/certificates-per-month.csv"))[1:] == months_column(
        {THIS_MONTH: 1, TWO_MONTHS_AGO: 1}
    )
    # Their officers' attempts only: no RPT-TFM row, and o6's pass (another agency) not counted.
    assert rows_of(client.get("/agency/reports/pass-rate.csv"))[1:] == [["RPT-JEM: Final exam", "100.0", "1", "1"],
                                                                        ["RPT-JEM: Week 1 exam", "40.0", "5", "2"]]
    statuses = {row[0]: row[2] for row in rows_of(client.get("/agency/reports/officer-status.csv"))[1:]}
    assert statuses == {
        "Officer1, O1": "Certified", "Officer2, O2": "In progress", "Officer3, O3": "Disqualified",
        "Officer4, O4": "Withdrawn", "Officer5, O5": "Approved, not enrolled",
        "Rejected, Rex": "Rejected", "'=HYPERLINK(\"http://x\"), Nina": "Nominated",
    }
    assert client.get("/agency/reports/by-state.csv").status_code == 404  # program-only figure
    assert client.get("/admin/reports/officers.csv").status_code == 403

    # Another agency's coordinator: o7 completed, but the certificate was replaced and then revoked.
    client.post("/logout")
    login(make.user(Role.COORDINATOR, agency=world["f"]))
    funnel = dict(rows_of(client.get("/agency/reports/officers.csv"))[1:])
    assert funnel["Completed"] == "1" and funnel["Certified"] == "0"
    assert rows_of(client.get("/agency/reports/certificates-per-month.csv"))[1:] == months_column({LAST_MONTH: 1})
    assert rows_of(client.get("/agency/reports/pass-rate.csv"))[1:] == [["RPT-TFM: Week 1 exam", "0.0", "1", "0"]]


def test_chart_escapes_labels_and_draws_proportional_bars():
    svg = str(bar_chart("t", "A <title>", [("<script>", 10), ("Half", 5), ("Zero", 0)]))
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "A &lt;title&gt;" in svg
    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([0-9.]+)"', svg)]
    assert widths[0] == 2 * widths[1] and widths[2] == 0
    assert "style" not in svg
