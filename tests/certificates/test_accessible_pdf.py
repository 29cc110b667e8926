"""The certificate as an accessible (tagged) PDF: PDF/A-3a with PDF/UA-1 identification, a structure
tree read in the visual order, alternative text for the seal and the QR code, and text that
extracts as words (pypdf and poppler's pdftotext)."""
import io
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest
from pypdf import PdfReader

from portal.certificates.pdf import render_certificate_pdf
from tests.certificates.test_pdf import make_values

RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
PDFAID = "{http://www.aiim.org/pdfa/ns/id/}"
PDFUAID = "{http://www.aiim.org/pdfua/ns/id/}"
URL = "https://training.example.gov/verify/7KQ4M2XD9HPA3TRW"


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return render_certificate_pdf(make_values())


def reading_order(data: bytes) -> list[str]:
    """The text of the structure tree in its order (what a screen reader reads): each marked-content
    id's text from the page's content stream, figures as their alternative text."""
    reader = PdfReader(io.BytesIO(data))
    texts: dict[int, str] = {}
    open_ids: list[int | None] = []

    def before(operator, operands, *_):
        if operator == b"BDC":
            properties = operands[1] if len(operands) > 1 else {}
            open_ids.append(properties.get("/MCID") if hasattr(properties, "get") else None)
        elif operator == b"BMC":
            open_ids.append(None)
        elif operator == b"EMC" and open_ids:
            open_ids.pop()

    def text(chunk, *_):
        mcid = next((m for m in reversed(open_ids) if m is not None), None)
        if mcid is not None:
            texts[mcid] = texts.get(mcid, "") + chunk

    reader.pages[0].extract_text(visitor_operand_before=before, visitor_text=text)
    order: list[str] = []

    def walk(element):
        element = element.get_object()
        if isinstance(element, int):
            order.append(texts.get(element, "").strip())
            return
        if element.get("/S") == "/Figure":
            order.append(f"[{element.get('/Alt', 'NO ALT TEXT')}]")
            return
        kids = element.get("/K", [])
        for kid in kids if isinstance(kids, list) else [kids]:
            walk(kid)

    walk(reader.trailer["/Root"]["/StructTreeRoot"]["/K"][0])
    return [t for t in order if t]


def test_tagged_with_language_title_and_marked_content(pdf):
    root = PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"].value is True
    assert root["/Lang"] == "en"
    assert root["/StructTreeRoot"]["/K"][0].get_object()["/S"] == "/Document"
    assert root["/ViewerPreferences"]["/DisplayDocTitle"].value is True  # readers show the title, not the file name
    assert PdfReader(io.BytesIO(pdf)).metadata.title.startswith("Certificate of Completion 287G-2026-000123")


def test_identified_as_pdf_a_3a_and_pdf_ua_1(pdf):
    xmp = PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/Metadata"].get_object().get_data()
    rdf = ET.fromstring(xmp[xmp.index(b"<rdf:RDF"):xmp.index(b"</rdf:RDF>") + len(b"</rdf:RDF>")])
    descriptions = list(rdf.iter(f"{RDF}Description"))
    [pdfa] = [d for d in descriptions if f"{PDFAID}part" in d.attrib]
    assert (pdfa.attrib[f"{PDFAID}part"], pdfa.attrib[f"{PDFAID}conformance"]) == ("3", "A")
    [pdfua] = [d for d in descriptions if f"{PDFUAID}part" in d.attrib]
    assert pdfua.attrib[f"{PDFUAID}part"] == "1"
    assert b"<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>" in xmp  # PDF/A's extension schema for it


def test_the_structure_reads_in_the_visual_order_with_alternative_text(pdf):
    assert reading_order(pdf) == [
        "SECTION 287(g) PROGRAM", "Certificate of Completion", "This is to certify that",
        "María Ñúñez-O'Brien", "Harris County Sheriff's Office", "has successfully completed the course",
        "Immigration Law and Civil Rights for Jail Enforcement Officers", "Course JEM-101", "•",
        "40 instructional hours",
        "Sgt. Daniel R. Whitfield", "Instructor of record",
        "[Seal of the Section 287(g) Program]",
        "March 14, 2026", "Date of issue", "Valid through March 14, 2028",
        "Certificate number", "287G-2026-000123", "Verification code", "7KQ4-M2XD-9HPA-3TRW",
        "Verify at", URL, f"[QR code of the verification address {URL}]",
    ]


def test_pypdf_extracts_words_not_spaced_letters(pdf):
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    for words in ("SECTION 287(g) PROGRAM", "Instructor of record", "March 14, 2026\nDate of issue",
                  "María Ñúñez-O'Brien", "Certificate number 287G-2026-000123",
                  "Verification code 7KQ4-M2XD-9HPA-3TRW", f"Verify at {URL}"):
        assert words in text, words


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")
def test_pdftotext_extracts_words_not_spaced_letters(pdf, tmp_path):
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True,
                          text=True).stdout
    for words in ("SECTION 287(g) PROGRAM", "Date of issue", "Instructor of record", "María Ñúñez-O'Brien",
                  "Certificate number 287G-2026-000123", "7KQ4-M2XD-9HPA-3TRW", URL):
        assert words in text, words
    assert "D AT E" not in text and "I S S U E" not in text


def test_an_issued_signed_certificate_keeps_its_tags(make):
    certificate = make.certificate()
    order = reading_order(certificate.pdf)
    assert certificate.officer_name in order and certificate.serial in order and "Date of issue" in order
    assert PdfReader(io.BytesIO(certificate.pdf)).trailer["/Root"]["/MarkInfo"]["/Marked"].value is True
