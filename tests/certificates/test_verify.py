"""Public verification: every status, forgiving code input, one answer for unknown and malformed
codes, uploaded files, rate limiting."""
import io
from datetime import timedelta

import pytest
from markupsafe import escape as escape_html
from pypdf import PdfReader, PdfWriter

from portal.auth.roles import Role
from portal.certificates import codes, services
from portal.certificates.models import RevocationReason
from portal.extensions import db, limiter
from portal.timeutil import today
from tests.certificates.conftest import printed_code


def verify_page(client, code):
    return client.get(f"/verify/{code}")


def test_every_status_with_the_details_to_compare_and_no_more(client, make):
    officer = make.user(first="Rosa", last="Núñez", email="rosa.private@example.test")
    valid = make.certificate(make.enrollment(officer))
    expired = make.certificate(issued_on=today() - timedelta(days=400))
    code = valid.issued_code

    page = verify_page(client, code)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Valid" in html
    for shown in ["Rosa Núñez", str(escape_html(valid.agency_name)), valid.course_title, valid.course_code, valid.serial,
                  f"{valid.issued_on:%B %-d, %Y}", f"{valid.expires_on:%B %-d, %Y}"]:
        assert shown in html, shown
    assert "rosa.private@example.test" not in html  # no other personal data
    assert page.headers["X-Robots-Tag"].startswith("noindex")

    response = verify_page(client, expired.issued_code)
    assert response.status_code == 200 and "Expired" in response.get_data(as_text=True)

    services.revoke(valid, RevocationReason.MISCONDUCT, "Internal affairs case 2026-114 (private)")
    db.session.commit()
    revoked = verify_page(client, code).get_data(as_text=True)
    assert "Revoked" in revoked and f"{today():%B %-d, %Y}" in revoked
    assert RevocationReason.MISCONDUCT.label in revoked
    assert "Internal affairs" not in revoked  # the free-text reason stays private

    replacement = services.reissue(expired, "Agency name corrected")
    db.session.commit()
    superseded = verify_page(client, expired.issued_code).get_data(as_text=True)
    assert "Superseded" in superseded and replacement.serial in superseded
    assert "Expired" in verify_page(client, replacement.issued_code).get_data(as_text=True)


def test_codes_are_accepted_as_people_type_them(client, make):
    certificate = make.certificate()
    code = certificate.issued_code
    grouped = codes.grouped(code)
    confusable = grouped.lower().replace("0", "o").replace("1", "l")
    for typed in [code, grouped, grouped.lower(), f"  {grouped} ", grouped.replace("-", " "), confusable,
                  code.replace("1", "I")]:
        assert client.get("/verify", query_string={"code": typed}).status_code == 200, typed
    assert verify_page(client, grouped.lower()).status_code == 200
    assert printed_code(certificate.pdf) == grouped


def test_normalising_codes():
    code = codes.new_code()
    assert len(code) == 28 and set(code) <= set(codes.ALPHABET)
    assert codes.grouped(code).count("-") == 6
    assert codes.normalise("oil0-" + "1" * 24) == "0110" + "1" * 24
    for bad in ["", None, "U" * 28, "0" * 27, "0" * 29, "0" * 27 + "*", "0" * 500]:
        assert codes.normalise(bad) is None, bad


def test_unknown_and_malformed_codes_get_the_same_not_found_answer(client):
    answers = [verify_page(client, "0" * 28), verify_page(client, "not-a-code"),
               verify_page(client, "<script>alert(1)</script>"), verify_page(client, "U" * 28),
               client.get("/verify", query_string={"code": "ZZZZ"}),
               client.get("/verify", query_string={"code": "x" * 5000})]
    assert {a.status_code for a in answers} == {404}
    assert len({a.data for a in answers}) == 1
    assert b"No certificate issued by the 287(g) Training Portal has this verification code" in answers[0].data


def test_the_form_page_needs_no_sign_in(client):
    page = client.get("/verify")
    assert page.status_code == 200
    assert b'name="code"' in page.data and b'type="file"' in page.data


def test_an_uploaded_pdf_is_recognised_only_if_unchanged(client, make):
    certificate = make.certificate()
    original = client.post("/verify", data={"pdf": (io.BytesIO(certificate.pdf), "cert.pdf")},
                           content_type="multipart/form-data")
    assert original.status_code == 200
    assert certificate.serial.encode() in original.data and b"identical to the one the portal issued" in original.data

    # A plausible forgery: the same document with its metadata changed and saved again.
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(certificate.pdf)))
    writer.add_metadata({"/Subject": "Certificate of Completion awarded to Someone Else"})
    buffer = io.BytesIO()
    writer.write(buffer)
    edited = buffer.getvalue()
    assert PdfReader(io.BytesIO(edited)).metadata.subject.endswith("Someone Else")
    forged = client.post("/verify", data={"pdf": (io.BytesIO(edited), "cert.pdf")},
                         content_type="multipart/form-data")
    assert forged.status_code == 404
    assert b"does not match any certificate issued by the 287(g) Training Portal" in forged.data
    assert certificate.serial.encode() not in forged.data

    missing = client.post("/verify", data={}, content_type="multipart/form-data")
    assert missing.status_code == 400 and b"Choose the PDF file to check." in missing.data
    assert b"<title>Error: Verify a certificate |" in missing.data  # a screen reader hears it first


def test_upload_needs_a_csrf_token(app, client, make):
    certificate = make.certificate()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/verify", data={"pdf": (io.BytesIO(certificate.pdf), "cert.pdf")},
                               content_type="multipart/form-data")
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400 and certificate.serial.encode() not in response.data


@pytest.fixture
def verify_limit(app, monkeypatch):
    monkeypatch.setitem(app.config, "VERIFY_RATE_LIMIT_ENABLED", True)
    monkeypatch.setitem(app.config, "VERIFY_RATE_LIMIT", "3 per minute")
    limiter.reset()
    yield
    limiter.reset()


def test_verification_is_rate_limited_with_the_error_page(app, client, verify_limit):
    statuses = [verify_page(client, "0" * 28).status_code for _ in range(3)]
    assert statuses == [404, 404, 404]
    limited = client.get("/verify")
    assert limited.status_code == 429
    assert b"Too many requests" in limited.data
    other_client = client.post("/verify", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other_client.status_code != 429  # counted per client address


def test_signed_in_users_verify_too(client, login, make):
    certificate = make.certificate()
    login(make.user(Role.INSTRUCTOR))
    assert verify_page(client, certificate.issued_code).status_code == 200
