"""Certificates in a real browser, with JavaScript on and off: a coordinator downloads one
certificate and the agency's ZIP; a member of the public verifies codes and sees valid, expired
and revoked (and "not found" for a code no certificate has).

Only the hash of a verification code is stored, so the codes come from where a person reads them:
the holders' own PDFs (downloaded as each holder, read with pypdf). All of this only reads.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_journeys import MODES, mode

pytestmark = pytest.mark.browser

AGENCY = "Mecklenburg County Sheriff's Office"
# Demo holders of a certificate in each state (portal/demo/seed.py, CERTIFIED).
HOLDERS = {"Valid": "m.obrien@example.com", "Expired": "h.price@example.com", "Revoked": "p.murphy@example.com"}
CODE = re.compile(r"\b[0-9A-Z]{4}(?:-[0-9A-Z]{4}){6}\b")


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def download(page, link) -> tuple[str, bytes]:
    with page.expect_download() as caught:
        link.click()
    return caught.value.suggested_filename, Path(caught.value.path()).read_bytes()


def holders_code(new_context, email: str) -> str:
    """The holder signs in, downloads their certificate and reads the code printed on it."""
    page = new_context().new_page()
    sign_in(page, email)
    page.get_by_role("navigation", name="Primary navigation").get_by_role("link", name="My certificates").click()
    _name, data = download(page, page.get_by_role("link", name=re.compile("^Download PDF of ")).first)
    codes = CODE.findall(pdf_text(data))
    assert codes, f"no verification code printed on {email}'s certificate"
    page.context.close()
    return codes[0]


@pytest.mark.parametrize("javascript", MODES)
def test_coordinator_downloads_a_certificate_and_the_agency_zip(new_context, javascript):
    page = new_context(javascript).new_page()
    sign_in(page, "coordinator@example.com")
    page.get_by_role("navigation", name="Primary navigation").get_by_role("link", name="Certificates").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Certificates of {AGENCY}")
    table = page.get_by_role("table", name="Certificates issued to your agency's officers")
    serials = table.get_by_role("rowheader").all_inner_texts()
    assert len(serials) >= 3, serials

    first = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name=serials[0]))
    officer = first.get_by_role("cell").first.inner_text()
    filename, data = download(page, first.get_by_role("link", name=f"Download PDF of {serials[0]}"))
    assert filename == f"{serials[0]}.pdf"
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert serials[0] in text and officer in text and CODE.search(text)

    filename, data = download(page, page.get_by_role("link", name=f"All certificates of {AGENCY} (ZIP)"))
    assert re.fullmatch(r"certificates-agency-\d+-\d{4}-\d{2}-\d{2}\.zip", filename), filename
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        manifest = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))))
        assert sorted(row["serial"] for row in manifest) == sorted(serials)
        assert {row["agency"] for row in manifest} == {AGENCY}
        for row in manifest:
            pdf = archive.read(row["file"])
            assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == row["sha256"]
        assert sorted(archive.namelist()) == sorted([row["file"] for row in manifest] + ["manifest.csv"])
    screenshot(page, f"coordinator-certificates-{mode(javascript)}")


@pytest.mark.parametrize("javascript", MODES)
def test_public_verifies_valid_expired_and_revoked_codes(new_context, javascript):
    codes = {state: holders_code(new_context, email) for state, email in HOLDERS.items()}
    page = new_context(javascript).new_page()  # a member of the public: never signed in
    page.goto("/")
    page.get_by_role("contentinfo").get_by_role("link", name="Verify a certificate").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Verify a certificate")

    for state, code in codes.items():
        # Typed the way people copy from paper: lower case, spaces for dashes.
        page.get_by_label("Verification code").fill(code.lower().replace("-", " ") if state == "Valid" else code)
        page.get_by_role("button", name="Verify", exact=True).click()
        result = page.get_by_role("status").filter(has=page.get_by_role("heading", name=state, exact=True))
        expect(result).to_be_visible()
        expect(page).to_have_title(re.compile(rf"^Certificate 287G-\d{{4}}-\d+: {state} \|"))
        expect(page.get_by_role("table", name="Details as printed on the certificate")).to_contain_text(state)
        if state == "Revoked":
            screenshot(page, f"public-verifies-revoked-{mode(javascript)}")
        page.get_by_role("link", name="Verify another certificate").click()

    page.get_by_label("Verification code").fill("0000-0000-0000-0000-0000-0000-0000")
    page.get_by_role("button", name="Verify", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Certificate not found")
    expect(page.get_by_role("alert")).to_contain_text(
        "No certificate issued by the 287(g) Training Portal has this verification code."
    )
    expect(page.get_by_label("Verification code")).to_be_visible()  # try again from here
    screenshot(page, f"public-verifies-unknown-{mode(javascript)}")
