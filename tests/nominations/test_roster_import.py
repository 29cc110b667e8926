"""Roster CSV import: all or nothing, every problem reported with line, column and reason."""
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.auth.roles import Role
from portal.extensions import db
from portal.nominations.models import Nomination
from portal.timeutil import today

HEADER = "first_name,last_name,email,badge_number,rank,years_experience,us_citizen,background_check_date"
CHECKED = (today() - timedelta(days=20)).isoformat()


def roster(*lines, header=HEADER, bom=True) -> bytes:
    text = "\r\n".join([header, *lines]) + "\r\n"
    return (("\ufeff" if bom else "") + text).encode("utf-8")


GOOD = [
    f"José,Núñez-García,jose.nunez@example.gov,1001,Deputy,5,yes,{CHECKED}",
    f"Seán,O'Connor,sean.oconnor@example.gov,1002,Sergeant,12,Y,{CHECKED}",
    f"\"Zoë\",\"D'Angelo, Jr.\",zoe.dangelo@example.gov,,Corporal,2.5,true,{CHECKED}",
]


@pytest.fixture
def coordinator(make, login):
    user = make.user(Role.COORDINATOR)
    login(user)
    return user


def counts():
    return (db.session.scalar(sa.select(sa.func.count()).select_from(Nomination)),
            db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action != "login")))


def upload(client, data: bytes, filename="roster.csv"):
    return client.post("/agency/nominations/import", data={"roster": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def test_template_downloads_with_the_header_and_bom(client, coordinator):
    response = client.get("/nominations/roster-template.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf" + HEADER.encode())
    assert "Núñez" in response.data.decode("utf-8-sig")


def test_a_valid_roster_nominates_everyone_with_names_intact(client, coordinator):
    response = upload(client, roster(*GOOD))
    assert response.status_code == 302
    names = sorted((n.first_name, n.last_name) for n in db.session.scalars(sa.select(Nomination)))
    assert names == [("José", "Núñez-García"), ("Seán", "O'Connor"), ("Zoë", "D'Angelo, Jr.")]
    assert all(n.agency_id == coordinator.agency_id and n.source == "csv" for n in db.session.scalars(sa.select(Nomination)))
    zoe = db.session.scalar(sa.select(Nomination).where(Nomination.first_name == "Zoë"))
    assert zoe.years_experience == 2.5 and zoe.badge_number == "" and zoe.us_citizen is True


def test_the_template_itself_imports(client, coordinator):
    template = client.get("/nominations/roster-template.csv").data
    assert upload(client, template).status_code == 302


def test_without_bom_and_with_us_dates_and_blank_lines(client, coordinator):
    us_date = (today() - timedelta(days=20)).strftime("%m/%d/%Y")
    data = roster(f"Ana,Silva,ana.silva@example.gov,7,Officer,3,no,{us_date}".replace(",no,", ",yes,"), "", bom=False)
    assert upload(client, data).status_code == 302
    assert db.session.scalar(sa.select(Nomination)).background_check_date == today() - timedelta(days=20)


BAD_ROWS = [
    (f",Smith,a@example.gov,1,Deputy,5,yes,{CHECKED}", "first_name", "is required"),
    (f"Al,,a@example.gov,1,Deputy,5,yes,{CHECKED}", "last_name", "is required"),
    (f"Al,Smith,not-an-email,1,Deputy,5,yes,{CHECKED}", "email", "is not a valid email address"),
    (f"Al,Smith,,1,Deputy,5,yes,{CHECKED}", "email", "is required"),
    (f"Al,Smith,a@example.gov,1,Deputy,five,yes,{CHECKED}", "years_experience", "is not a number of years"),
    (f"Al,Smith,a@example.gov,1,Deputy,-1,yes,{CHECKED}", "years_experience", "is not a number of years"),
    (f"Al,Smith,a@example.gov,1,Deputy,5,maybe,{CHECKED}", "us_citizen", "must be yes or no"),
    ("Al,Smith,a@example.gov,1,Deputy,5,yes,31/31/2026", "background_check_date", "is not a date"),
    (f"Al,Smith,a@example.gov,1,Deputy,5,no,{CHECKED}", "us_citizen", "must be a US citizen"),
    (
        f"Al,Smith,a@example.gov,1,Deputy,1,yes,{CHECKED}",
        "years_experience",
        "needs 2 years of law-enforcement experience (has 1)",
    ),
    ("Al,Smith,a@example.gov,1,Deputy,5,yes,", "background_check_date", "needs a completed background check"),
    (
        f"Al,Smith,a@example.gov,1,Deputy,5,yes,{(today() + timedelta(days=5)).isoformat()}",
        "background_check_date",
        "is in the future",
    ),
    (f"{'A' * 81},Smith,a@example.gov,1,Deputy,5,yes,{CHECKED}", "first_name", "is longer than 80 characters"),
    ("Al,Smith,a@example.gov,1,Deputy,5", "", "has 6 values; expected 8"),
]


@pytest.mark.parametrize("bad, column, reason", BAD_ROWS)
def test_each_kind_of_bad_row_imports_nothing_and_is_reported(client, coordinator, bad, column, reason):
    before = counts()
    response = upload(client, roster(GOOD[0], bad, GOOD[1]))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nothing was imported" in page
    assert f"<tr><th scope=\"row\">3</th><td>{column or '—'}</td>" in page  # header is line 1, the bad row line 3
    assert reason in page.replace("&#39;", "'")
    assert counts() == before


def test_every_problem_of_the_file_is_listed(client, coordinator):
    response = upload(client, roster(f"Al,Smith,bad,1,Deputy,1,no,{CHECKED}", GOOD[0], "Bo,Li,b@example.gov,2,Deputy,x,yes,"))
    page = response.get_data(as_text=True)
    for fragment in ["<th scope=\"row\">2</th><td>email</td>", "<th scope=\"row\">2</th><td>us_citizen</td>",
                     "<th scope=\"row\">2</th><td>years_experience</td>", "<th scope=\"row\">4</th><td>years_experience</td>"]:
        assert fragment in page
    assert "Problems found (4)" in page


def test_duplicates_in_the_file_and_in_the_agency(client, make, coordinator):
    make.user(Role.OFFICER, email="sean.oconnor@example.gov", agency=coordinator.agency)
    before = counts()
    dup = GOOD[0].replace("José", "Josie")
    page = upload(client, roster(GOOD[0], GOOD[1], dup)).get_data(as_text=True)
    assert "<th scope=\"row\">3</th><td>email</td><td>an account with this email already exists in your agency</td>" in page
    assert "<th scope=\"row\">4</th><td>email</td><td>the same email is already on line 2</td>" in page
    assert counts() == before


def test_wrong_encoding_is_explained(client, coordinator):
    latin1 = (HEADER + "\r\n" + f"José,Núñez,jose@example.gov,1,Deputy,5,yes,{CHECKED}\r\n").encode("latin-1")
    before = counts()
    page = upload(client, latin1).get_data(as_text=True)
    assert "The file is not UTF-8 text (unreadable bytes on line 2)" in page and "CSV UTF-8" in page
    assert counts() == before


@pytest.mark.parametrize("data, filename, message", [
    (b"", "roster.csv", "The file is empty."),
    (b"\xef\xbb\xbf\r\n", "roster.csv", "The file is empty."),
    (roster(), "roster.csv", "The file has a header but no officers."),
    (b"PK\x03\x04binary-xlsx-content", "roster.csv", "is not CSV text"),
    (roster(*GOOD), "roster.xlsx", "“roster.xlsx” is not a CSV file."),
    (roster(GOOD[0], header="name,email"), "roster.csv", "The header is not right: missing column(s) first_name"),
    (roster(GOOD[0], header=HEADER.replace(",", ";")), "roster.csv", "separated by semicolons"),
])
def test_unusable_files_get_a_clear_message(client, coordinator, data, filename, message):
    before = counts()
    response = upload(client, data, filename)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert counts() == before


def test_oversize_file_is_refused(client, app, coordinator):
    before = counts()
    line = f"Al,Smith,a{{}}@example.gov,1,Deputy,5,yes,{CHECKED}"
    big = roster(*(line.format(i) for i in range(12000)))
    assert len(big) > 512 * 1024
    page = upload(client, big).get_data(as_text=True)
    assert "The file is larger than the limit of 512 KB" in page
    assert counts() == before


def test_no_file_chosen(client, coordinator):
    response = client.post("/agency/nominations/import", data={}, content_type="multipart/form-data")
    assert "Choose a CSV file to upload." in response.get_data(as_text=True)


# --- the same through the CLI ------------------------------------------------------------------

def test_cli_imports_and_prints_counts(app, make, tmp_path):
    agency = make.agency(name="Gaston County Sheriff's Office")
    path = tmp_path / "roster.csv"
    path.write_bytes(roster(*GOOD))
    result = app.test_cli_runner().invoke(args=["officers", "import", str(path), "--agency", "gaston county sheriff's office"])
    assert result.exit_code == 0, result.output
    assert "Imported 3 nomination(s) for Gaston County Sheriff's Office; 0 errors." in result.output
    assert {n.source for n in db.session.scalars(sa.select(Nomination).where(Nomination.agency_id == agency.id))} == {"cli"}


def test_cli_refuses_a_bad_file_and_writes_nothing(app, make, tmp_path):
    make.agency(name="Gaston County Sheriff's Office")
    path = tmp_path / "roster.csv"
    path.write_bytes(roster(GOOD[0], f"Al,Smith,a@example.gov,1,Deputy,1,yes,{CHECKED}"))
    before = counts()
    result = app.test_cli_runner().invoke(args=["officers", "import", str(path), "--agency", "Gaston County Sheriff's Office"])
    assert result.exit_code == 1
    assert "Line 3, column years_experience: needs 2 years" in result.output
    assert "Nothing imported: 1 problem(s) in roster.csv." in result.output
    assert counts() == before


@pytest.mark.parametrize("args, message", [
    (["--agency", "Nowhere PD"], "No agency is named “Nowhere PD”."),
])
def test_cli_unknown_agency_or_missing_file(app, make, tmp_path, args, message):
    path = tmp_path / "roster.csv"
    path.write_bytes(roster(*GOOD))
    result = app.test_cli_runner().invoke(args=["officers", "import", str(path), *args])
    assert result.exit_code != 0 and message in result.output
    make.agency(name="Somewhere PD")
    missing = app.test_cli_runner().invoke(args=["officers", "import", str(tmp_path / "nope.csv"), "--agency", "Somewhere PD"])
    assert missing.exit_code != 0 and "Cannot read" in missing.output


def test_an_administrator_imports_a_roster_on_an_agencys_behalf(client, make, login):
    agency = make.agency(name="Wake County Sheriff's Office")
    login(make.user(Role.ADMIN))
    page = client.get(f"/admin/agencies/{agency.id}/roster")
    assert page.status_code == 200 and b"Upload a roster for Wake County Sheriff&#39;s Office" in page.data
    assert f'href="/admin/agencies/{agency.id}/roster"'.encode() in client.get(f"/admin/agencies/{agency.id}").data
    bad = client.post(
        f"/admin/agencies/{agency.id}/roster",
        data={"roster": (io.BytesIO(roster(GOOD[0], "Ana,,x,,,,maybe,")), "r.csv")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422 and b"Nothing was imported" in bad.data and counts()[0] == 0
    done = client.post(f"/admin/agencies/{agency.id}/roster", data={"roster": (io.BytesIO(roster(*GOOD)), "wake.csv")},
                       content_type="multipart/form-data", follow_redirects=True)
    assert b"3 officer(s) of Wake County Sheriff" in done.data
    assert {n.agency_id for n in db.session.scalars(sa.select(Nomination))} == {agency.id}
    assert client.get("/admin/agencies/999999/roster").status_code == 404
