"""The certificate PDF renderer: content, PDF/A metadata, fonts, URL fetcher, reproducibility.

Run: cd /work/main && .venv/bin/python -m pytest tests/certificates/test_pdf.py -q
"""
from __future__ import annotations

import dataclasses
import io
import re
import socket
import struct
import time
import urllib.request
import xml.etree.ElementTree as ET
import zlib
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from portal.certificates import pdf as certpdf
from portal.certificates.pdf import (
    STATIC_DIR,
    CertificatePdfValues,
    CertificateUrlFetcher,
    RefusedURLError,
    build_certificate_html,
    render_certificate_pdf,
    render_pdf,
)

RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
PDFAID = "{http://www.aiim.org/pdfa/ns/id/}"


def make_values(**changes) -> CertificatePdfValues:
    values = CertificatePdfValues(
        serial="287G-2026-000123",
        verification_code="7KQ4-M2XD-9HPA-3TRW",
        verify_url="https://training.example.gov/verify/7KQ4M2XD9HPA3TRW",
        officer_name="María Ñúñez-O'Brien",
        agency_name="Harris County Sheriff's Office",
        course_title="Immigration Law and Civil Rights for Jail Enforcement Officers",
        course_code="JEM-101",
        hours=40,
        instructor_name="Sgt. Daniel R. Whitfield",
        issued_on=date(2026, 3, 14),
        expires_on=date(2028, 3, 14),
    )
    return dataclasses.replace(values, **changes)


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any attempt to open a socket or use urllib fails the test.

    Attempts are recorded and checked at teardown: WeasyPrint catches and logs
    exceptions raised while fetching, so raising alone would go unnoticed.
    """
    attempts: list = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network access attempted in a test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setattr(urllib.request.OpenerDirector, "open", refuse)
    yield
    assert attempts == [], f"network access attempted: {attempts!r}"


@pytest.fixture(scope="module")
def sample_pdf() -> bytes:
    return render_certificate_pdf(make_values())


@pytest.fixture(scope="module")
def reader(sample_pdf) -> PdfReader:
    return PdfReader(io.BytesIO(sample_pdf))


@pytest.fixture(scope="module")
def text(reader) -> str:
    return reader.pages[0].extract_text()


def page_fonts(reader: PdfReader) -> dict[str, dict]:
    fonts = {}
    for ref in reader.pages[0]["/Resources"]["/Font"].values():
        font = ref.get_object()
        descendant = font["/DescendantFonts"][0].get_object()
        fonts[str(font["/BaseFont"])] = descendant["/FontDescriptor"].get_object()
    return fonts


def page_images(reader: PdfReader) -> list:
    xobjects = reader.pages[0]["/Resources"].get("/XObject")
    if not xobjects:
        return []
    found = []

    def walk(xobjs):
        for ref in xobjs.get_object().values():
            obj = ref.get_object()
            if obj.get("/Subtype") == "/Image":
                found.append(obj)
            elif obj.get("/Subtype") == "/Form" and "/Resources" in obj:
                inner = obj["/Resources"].get_object().get("/XObject")
                if inner:
                    walk(inner)

    walk(xobjects)
    return found


def tiny_png() -> bytes:
    """A valid 2x2 red PNG, written by hand (no imaging library needed)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def minimal_html(body: str, head: str = "") -> str:
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>t</title>{head}</head><body>{body}<p>ok</p></body></html>")


# ---------------------------------------------------------------- values


def test_values_are_frozen_plain_values():
    values = make_values()
    with pytest.raises(dataclasses.FrozenInstanceError):
        values.officer_name = "Someone Else"  # type: ignore[misc]
    assert values.program_name == "Section 287(g) Program"
    assert make_values(expires_on=None).expires_on is None


@pytest.mark.parametrize("changes", [
    {"hours": "40"},
    {"hours": -1},
    {"hours": True},
    {"officer_name": "   "},
    {"verify_url": "/verify/abc"},
    {"verify_url": "javascript:alert(1)"},
    {"issued_on": "2026-03-14"},
    {"expires_on": date(2025, 1, 1)},
])
def test_values_reject_bad_input(changes):
    with pytest.raises(ValueError):
        make_values(**changes)


# ---------------------------------------------------------------- HTML


def test_html_escapes_values_and_needs_no_flask_app():
    html = build_certificate_html(make_values(
        officer_name="<script>alert(1)</script>", agency_name="A & B <b>County</b>"))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "A &amp; B &lt;b&gt;County&lt;/b&gt;" in html
    assert "Ñúñez" not in html  # the default name was replaced
    assert re.search(r'<svg viewBox="0 0 \d+ \d+" class="qr-code">', html)
    assert "<?xml" not in html  # inline SVG, no XML declaration
    assert 'content="2026-03-14"' in html  # dcterms.created = issued_on


def test_html_prints_statute_name_and_nfc_names():
    html = build_certificate_html(make_values(officer_name="N\u0303un\u0303ez"))
    assert "SECTION 287(g) PROGRAM" in html
    assert "Ñuñez" in html  # combining tildes normalised to precomposed letters
    assert certpdf.statute_upper("Section 287(g) Program") == "SECTION 287(g) PROGRAM"


def test_html_references_only_portal_static_resources():
    html = build_certificate_html(make_values())
    urls = re.findall(r'(?:src|href)\s*=\s*"([^"]+)"|url\("([^"]+)"\)', html)
    flat = [a or b for a, b in urls]
    assert flat, "expected fonts and the seal to be referenced"
    assert all(u.startswith("portal-static:") for u in flat), flat
    assert not re.search(r"https?://(?!training\.example\.gov)", html)


# ---------------------------------------------------------------- PDF structure


def test_one_landscape_letter_page(reader):
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == (792.0, 612.0)


def test_pdfa_3a_identification_in_xmp(reader):
    stream = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    start, end = stream.index(b"<rdf:RDF"), stream.index(b"</rdf:RDF>") + len(b"</rdf:RDF>")
    rdf = ET.fromstring(stream[start:end])
    ident = [d for d in rdf.iter(f"{RDF}Description") if f"{PDFAID}part" in d.attrib]
    assert len(ident) == 1
    assert ident[0].attrib[f"{PDFAID}part"] == "3"
    assert ident[0].attrib[f"{PDFAID}conformance"] == "A"  # tagged: see test_accessible_pdf.py
    assert "/OutputIntents" in reader.trailer["/Root"]  # sRGB output intent, required by PDF/A


def test_document_info(reader):
    info = reader.metadata
    assert info.title == ("Certificate of Completion 287G-2026-000123: "
                          "Immigration Law and Civil Rights for Jail Enforcement Officers")
    assert info.author == "Section 287(g) Program"
    assert "María Ñúñez-O'Brien" in info.subject
    assert "7KQ4-M2XD-9HPA-3TRW" in info.subject
    assert info["/CreationDate"] == "D:20260314"
    assert info["/ModDate"] == "D:20260314"


def test_text_layer_has_name_ids_and_url(text):
    for expected in ["Certificate of Completion", "María Ñúñez-O'Brien",
                     "Harris County Sheriff's Office",
                     "Immigration Law and Civil Rights for Jail Enforcement Officers",
                     "JEM-101", "40 instructional hours", "Sgt. Daniel R. Whitfield",
                     "Instructor of record", "March 14, 2026", "Date of issue",
                     "Valid through March 14, 2028", "287G-2026-000123",
                     "7KQ4-M2XD-9HPA-3TRW",
                     "https://training.example.gov/verify/7KQ4M2XD9HPA3TRW"]:
        assert expected in text, expected


def test_no_expiry_line_without_expiry_date():
    reader = PdfReader(io.BytesIO(render_certificate_pdf(make_values(expires_on=None))))
    assert "Valid through" not in reader.pages[0].extract_text()


def test_script_tags_print_as_text():
    values = make_values(officer_name="<script>alert(1)</script>",
                         agency_name="<b>Bold</b> & Co")
    text = PdfReader(io.BytesIO(render_certificate_pdf(values))).pages[0].extract_text()
    assert "<script>alert(1)</script>" in text
    assert "<b>Bold</b> & Co" in text


def test_vendored_fonts_embedded(reader):
    fonts = page_fonts(reader)
    names = " ".join(fonts)
    assert "Merriweather" in names
    assert "Source-Sans-3" in names
    for name, descriptor in fonts.items():
        # Only the vendored families: no system fallback font was needed.
        assert re.search(r"\+(Merriweather|Source-Sans-3)", name), name
        assert "/FontFile2" in descriptor, f"{name} is not embedded"


def test_latin_extended_names_use_vendored_fonts():
    values = make_values(officer_name="Łukasz Nguyễn Šimůnek-Østergaard")
    reader = PdfReader(io.BytesIO(render_certificate_pdf(values)))
    assert "Łukasz Nguyễn Šimůnek-Østergaard" in reader.pages[0].extract_text()
    for name in page_fonts(reader):
        assert re.search(r"\+(Merriweather|Source-Sans-3)", name), name


def test_qr_and_seal_are_vector(reader):
    # The QR code (inline SVG) and the seal (SVG) are drawn as paths, no bitmaps.
    assert page_images(reader) == []


def test_vendored_font_licences_present():
    fonts = STATIC_DIR / "fonts"
    ttfs = sorted(p.name for p in fonts.glob("*.ttf"))
    assert ttfs and all(n.startswith(("Merriweather_", "SourceSans3_")) for n in ttfs)
    for licence in ("OFL-Merriweather.txt", "OFL-SourceSans3.txt"):
        assert "SIL Open Font License" in (fonts / licence).read_text()
    assert (STATIC_DIR / "seal.svg").read_text().lstrip().startswith("<svg")


# ---------------------------------------------------------------- reproducibility


def test_same_values_give_identical_bytes(sample_pdf, monkeypatch):
    # A year later on the clock: nothing time-dependent may leak into the file
    # (WeasyPrint would otherwise stamp fonts it re-saves with the current time).
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 400 * 86400)
    again = render_certificate_pdf(make_values())
    assert again == sample_pdf


def test_different_certificates_differ_in_id(reader):
    other = PdfReader(io.BytesIO(render_certificate_pdf(make_values(serial="287G-2026-000124"))))
    assert other.trailer["/ID"][0] != reader.trailer["/ID"][0]


# ---------------------------------------------------------------- URL fetcher


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "FILE:///etc/passwd",
    "file://localhost/etc/passwd",
    "http://example.com/x.png",
    "https://example.com/x.png",
    "ftp://example.com/x.png",
    "//example.com/x.png",
    "gopher://example.com/",
    "javascript:alert(1)",
    "seal.svg",
    "../seal.svg",
    "portal-static:../../etc/passwd",
    "portal-static:../../../../../../../etc/passwd",
    "portal-static:fonts/../../../pyproject.toml",
    "portal-static:%2e%2e/%2e%2e/pyproject.toml",
    "portal-static:/etc/passwd",
    "portal-static://example.com/seal.svg",
    "portal-static:..\\..\\pyproject.toml",
    "portal-static:fonts/OFL-Merriweather.txt",  # exists, but not a served type
    "portal-static:fonts",
    "portal-static:",
    "portal-static:missing.svg",
])
def test_fetcher_refuses(url):
    fetcher = CertificateUrlFetcher()
    with pytest.raises(RefusedURLError):
        fetcher.fetch(url)
    with pytest.raises(RefusedURLError):  # the urllib-style entry points too
        fetcher(url)
    with pytest.raises(RefusedURLError):
        fetcher.open(urllib.request.Request(url) if "://" in url and not url.startswith("//")
                     else url)
    assert url in fetcher.refused


def test_fetcher_serves_static_and_data_urls():
    fetcher = CertificateUrlFetcher()
    seal = fetcher.fetch("portal-static:seal.svg")
    assert seal.content_type == "image/svg+xml"
    assert seal.read() == (STATIC_DIR / "seal.svg").read_bytes()
    font = fetcher.fetch("portal-static:fonts/../fonts/Merriweather_700Bold.ttf")
    assert font.read()[:4] == b"\x00\x01\x00\x00"
    data = fetcher.fetch("data:text/plain;base64,aGVsbG8=")
    assert data.read() == b"hello"
    assert fetcher.refused == []


def test_fetcher_refuses_symlinks_leaving_the_static_dir(tmp_path):
    static = tmp_path / "static"
    (static / "fonts").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (static / "inside.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (static / "evil.svg").symlink_to(outside / "secret.svg")
    (static / "fonts" / "sys").symlink_to(outside, target_is_directory=True)
    (static / "ok.svg").symlink_to(static / "inside.svg")  # stays inside: fine

    fetcher = CertificateUrlFetcher(static)
    for url in ("portal-static:evil.svg", "portal-static:fonts/sys/secret.svg",
                "portal-static:../outside/secret.svg",  # servable type, outside: refused
                "portal-static:fonts/../../outside/secret.svg",
                "portal-static:%2E%2E/outside/secret.svg"):
        with pytest.raises(RefusedURLError, match="escapes"):
            fetcher.fetch(url)
    assert fetcher.fetch("portal-static:ok.svg").read().startswith(b"<svg")


def test_refused_urls_are_skipped_and_not_fetched(tmp_path):
    png = tiny_png()
    outside = tmp_path / "outside.png"
    outside.write_bytes(png)
    static = tmp_path / "static"
    static.mkdir()
    (static / "allowed.png").write_bytes(png)
    nested_svg = ("data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' "
                  "xmlns:xlink='http://www.w3.org/1999/xlink' width='10' height='10'>"
                  "<image width='10' height='10' xlink:href='http://example.com/y.png'/></svg>")
    head = ("<link rel='stylesheet' href='file:///etc/passwd'>"
            "<style>@import url('https://example.com/x.css');"
            "@font-face { font-family: X; src: url('file:///usr/share/fonts/x.ttf'); }"
            "body { background: url('http://example.com/bg.png'); }</style>")
    body = ("<img src='file:///etc/passwd'>"
            f"<img src='{outside.as_uri()}'>"
            "<img src='http://example.com/x.png'>"
            "<img src='portal-static:../outside.png'>"
            f"<img src=\"{nested_svg}\">")

    fetcher = CertificateUrlFetcher(static)
    pdf = render_pdf(minimal_html(body, head), url_fetcher=fetcher)
    reader = PdfReader(io.BytesIO(pdf))
    assert "ok" in reader.pages[0].extract_text()
    assert page_images(reader) == []  # the PNG outside the static dir was not embedded
    assert b"root:" not in pdf
    for url in ("file:///etc/passwd", outside.as_uri(), "http://example.com/x.png",
                "https://example.com/x.css", "http://example.com/bg.png",
                "http://example.com/y.png", "portal-static:../outside.png"):
        assert url in fetcher.refused, url

    # Control: the same PNG inside the static dir IS embedded, so the test above
    # would notice a refused URL that still got fetched.
    control = render_pdf(minimal_html("<img src='portal-static:allowed.png'>"),
                         url_fetcher=CertificateUrlFetcher(static))
    assert len(page_images(PdfReader(io.BytesIO(control)))) == 1


def test_default_render_pdf_uses_the_safe_fetcher():
    # No url_fetcher given: the file: image is still refused (no image embedded).
    pdf = render_pdf(minimal_html("<img src='file:///etc/passwd'>"
                                  "<img src='file:///usr/share/pixmaps/debian-logo.png'>"))
    assert page_images(PdfReader(io.BytesIO(pdf))) == []


def in_new_thread(function):
    """`function()` in a thread of its own, which has not rendered yet (no fonts loaded)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function).result()


def spy_on_fetches(monkeypatch) -> list[str]:
    served: list[str] = []
    original = CertificateUrlFetcher._fetch

    def spy(self, url):
        response = original(self, url)
        served.append(url)
        return response

    monkeypatch.setattr(CertificateUrlFetcher, "_fetch", spy)
    return served


def test_certificate_fetches_only_vendored_files(monkeypatch):
    served = spy_on_fetches(monkeypatch)
    in_new_thread(lambda: render_certificate_pdf(make_values()))
    assert "portal-static:seal.svg" in served
    assert any(u.endswith(".ttf") for u in served)
    assert all(u.startswith("portal-static:") for u in served), served


def test_fonts_are_loaded_once_per_thread_and_change_nothing(monkeypatch, sample_pdf):
    served = spy_on_fetches(monkeypatch)

    def render_twice():
        first = render_certificate_pdf(make_values())
        fetched_first = list(served)
        served.clear()
        return first, fetched_first, render_certificate_pdf(make_values())

    first, fetched_first, second = in_new_thread(render_twice)
    assert sum(u.endswith(".ttf") for u in fetched_first) == 6  # every @font-face, the first time
    assert not any(u.endswith(".ttf") for u in served)  # kept for the second render
    assert "portal-static:seal.svg" in served  # other resources are fetched for every document
    assert first == second == sample_pdf


def test_a_callers_fetcher_gets_no_kept_font(monkeypatch):
    render_certificate_pdf(make_values())  # this thread's fonts are loaded
    served = spy_on_fetches(monkeypatch)
    render_pdf(build_certificate_html(make_values()), url_fetcher=CertificateUrlFetcher())
    assert sum(u.endswith(".ttf") for u in served) == 6  # every font through the caller's fetcher


def test_weasyprint_is_called_only_in_pdf_module():
    portal_dir = Path(certpdf.__file__).resolve().parents[1]
    offenders = [
        str(path.relative_to(portal_dir.parent))
        for path in portal_dir.rglob("*.py")
        if path != Path(certpdf.__file__).resolve()
        and re.search(r"^\s*(from|import)\s+weasyprint", path.read_text(), re.M)
    ]
    assert offenders == []
