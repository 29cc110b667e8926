"""Request parameters: PostgreSQL refuses NUL characters in text, so the portal drops them from
every request parameter and refuses uploaded text holding one; ids are parsed by one parser
(portal.ids); a Host header that cannot be bound still gets the error page."""
import io

import pytest
import sqlalchemy as sa

from portal.agencies.models import Agency
from portal.auth.roles import Role
from portal.classes.models import Enrollment
from portal.extensions import db
from portal.form_fields import BIGINT_MAX
from portal.ids import parse_id
from portal.quizzes.models import Question
from tests.factories import PASSWORD
from tests.security.support import BAD_HOSTS, NOT_IDS


@pytest.fixture
def admin(make, login):
    login(make.user(Role.ADMIN))


@pytest.mark.parametrize("url", ["/admin/users/?q=%00", "/admin/agencies/?q=a%00b", "/admin/audit/?actor=%00&target_id=%00"])
def test_nul_in_a_search_is_ignored_not_a_500(client, admin, url):
    assert client.get(url).status_code == 200


def test_nul_in_a_form_field_is_dropped_before_saving(client, admin):
    response = client.post(
        "/admin/agencies/new", data={"name": "Gaston\x00 County Sheriff's Office", "kind": "county", "state": "NC"}
    )
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Agency.name)) == "Gaston County Sheriff's Office"


# --- ids: one parser (portal.ids) -----------------------------------------------------------------

@pytest.mark.parametrize("value", NOT_IDS)
def test_a_question_export_by_a_category_that_is_no_id_is_a_404(client, make, admin, value):
    course = make.course()
    make.question(course)
    response = client.get(f"/bank/courses/{course.id}/export", query_string={"category": value})
    assert response.status_code == 404
    assert client.get(f"/bank/courses/{course.id}/", query_string={"category": value}).status_code == 404


def test_a_question_export_by_its_category_still_works(client, make, admin):
    course = make.course()
    question = make.question(course, name="Only question")
    response = client.get(f"/bank/courses/{course.id}/export", query_string={"category": question.category_id})
    assert response.status_code == 200 and b"Only question" in response.data


@pytest.mark.parametrize("value", NOT_IDS)
def test_officer_ids_that_are_no_ids_are_a_field_error(client, make, admin, value):
    tc = make.training_class()
    officer = make.user(Role.OFFICER)
    response = client.post(f"/admin/classes/{tc.id}", data={"officer_ids": [str(officer.id), value]})
    assert response.status_code == 200 and b"usa-error-message" in response.data
    assert db.session.scalar(sa.select(sa.func.count(Enrollment.id))) == 0


@pytest.mark.parametrize("value,expected", [("1", 1), ("0", None), (str(BIGINT_MAX), BIGINT_MAX),
                                            (str(BIGINT_MAX + 1), None), ("²", None), ("١٢", None), ("1_0", None),
                                            (" 1", None), ("", None), (None, None), (7, 7), (-7, None), (True, None)])
def test_parse_id_takes_ascii_digits_within_bigint_only(value, expected):
    assert parse_id(value) == expected


# --- Host headers Werkzeug cannot bind to ---------------------------------------------------------

@pytest.mark.parametrize("host", BAD_HOSTS)
def test_a_host_header_that_cannot_be_bound_is_a_400_page_not_a_500(app, make, monkeypatch, host):
    """Without SERVER_NAME (production may set only PORTAL_BASE_URL), Werkzeug refuses such a host
    (BadHost, 400) before routing; the error page must still render (its links by path)."""
    monkeypatch.setitem(app.config, "SERVER_NAME", None)
    officer = make.user(Role.OFFICER)
    signed_in = app.test_client()
    assert signed_in.post("/login", data={"email": officer.email, "password": PASSWORD}).status_code == 302
    for client in (app.test_client(), signed_in):
        response = client.get("/dashboard", environ_overrides={"HTTP_HOST": host})
        assert response.status_code == 400
        assert b"Bad request" in response.data and b'href="/static/' in response.data
        assert host.encode() not in response.data


# --- NUL in uploaded text -------------------------------------------------------------------------

def test_a_nul_in_an_uploaded_question_file_is_a_field_error_and_imports_nothing(client, make, admin):
    """PostgreSQL refuses NUL in text: a GIFT file holding one answered 500 there."""
    course = make.course()
    gift = b"::Q1:: What is 2+2? {=four ~five}\n\n::Q2:: Te\x00xt {T}\n"
    response = client.post(f"/bank/courses/{course.id}/import", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(gift), "questions.gift"), "file_format": ""})
    assert response.status_code == 200
    assert "Nothing was imported. line 3: the file contains a NUL character" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Question.id))) == 0


def test_a_nul_in_an_uploaded_moodle_xml_file_imports_nothing(client, make, admin):
    course = make.course()
    xml = (b'<?xml version="1.0"?><quiz><question type="truefalse"><name><text>A\x00B</text></name>'
           b'<questiontext format="html"><text>Text</text></questiontext><answer fraction="100"><text>true</text>'
           b'</answer><answer fraction="0"><text>false</text></answer></question></quiz>')
    response = client.post(f"/bank/courses/{course.id}/import", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(xml), "questions.xml"), "file_format": ""})
    assert response.status_code == 200 and b"Nothing was imported." in response.data
    assert db.session.scalar(sa.select(sa.func.count(Question.id))) == 0
