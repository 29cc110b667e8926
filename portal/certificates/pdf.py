"""Certificate of Completion as a tagged (accessible) PDF/A-3a document.

Three steps, each usable on its own:

* :class:`CertificatePdfValues` - the plain values printed on a certificate
  (no ORM objects, so rendering never touches the database);
* :func:`build_certificate_html` - renders ``certificates/pdf.html`` with a
  standalone, autoescaping Jinja environment (no Flask app needed);
* :func:`render_pdf` - the ONE place WeasyPrint is called. Every resource it
  asks for goes through :class:`CertificateUrlFetcher`, which serves only
  ``data:`` URLs and files strictly inside ``static/certificates/`` named with
  the private ``portal-static:`` scheme. Nothing is ever fetched from the
  network or from elsewhere on disk.

The output is reproducible: the PDF creation/modification dates are the
certificate's issue date, the PDF file identifier is a hash of the HTML (which
carries the serial), and the fonts are embedded from TTF files as they are, so
the same values give the same bytes.
"""
from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
import threading
import time
import unicodedata
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote
from urllib.request import DataHandler, Request

import jinja2
import segno
from markupsafe import Markup
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

__all__ = [
    "STATIC_BASE_URL",
    "STATIC_DIR",
    "STATIC_SCHEME",
    "CertificatePdfValues",
    "CertificateUrlFetcher",
    "RefusedURLError",
    "build_certificate_html",
    "qr_svg",
    "render_certificate_pdf",
    "render_pdf",
]

LOGGER = logging.getLogger(__name__)

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "certificates/pdf.html"

#: Root of the only files the PDF renderer may read (fonts, seal artwork).
STATIC_DIR = Path(__file__).resolve().parents[2] / "static" / "certificates"
#: Private URL scheme for those files: ``portal-static:fonts/Merriweather_700Bold.ttf``.
STATIC_SCHEME = "portal-static"
STATIC_BASE_URL = f"{STATIC_SCHEME}:"

#: File types the fetcher serves from STATIC_DIR, with their MIME types.
_ALLOWED_SUFFIXES = {
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".css": "text/css",
}
_MAX_STATIC_BYTES = 4 * 1024 * 1024
_SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9.+-]*):")

#: PDF/A-3 level A: tagged (structure tree, /MarkInfo, /Lang, alternative text) as well as
#: archivable. WeasyPrint writes the tags; `_identify_pdf_ua` adds the PDF/UA-1 identification.
PDF_VARIANT = "pdf/a-3a"

#: PDF/UA-1 identification in the XMP, with the extension schema PDF/A asks for a property
#: outside its predefined schemas.
_PDF_UA_XMP = (
    b'<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"'
    b' xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"'
    b' xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">'
    b'<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">'
    b'<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>'
    b'<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>'
    b'<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>'
    b'<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">'
    b'<pdfaProperty:name>part</pdfaProperty:name><pdfaProperty:valueType>Integer</pdfaProperty:valueType>'
    b'<pdfaProperty:category>internal</pdfaProperty:category>'
    b'<pdfaProperty:description>Part of ISO 14289 the document conforms to</pdfaProperty:description>'
    b'</rdf:li></rdf:Seq></pdfaSchema:property></rdf:li></rdf:Bag></pdfaExtension:schemas></rdf:Description>'
    b'<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/" pdfuaid:part="1"/>'
)


# --------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True, slots=True)
class CertificatePdfValues:
    """Everything printed on one certificate, as plain values."""

    serial: str  # e.g. "287G-2026-000123"
    verification_code: str  # display form, grouped: "7KQ4-M2XD-..."
    verify_url: str  # absolute URL of the public verification page
    officer_name: str
    agency_name: str
    course_title: str
    course_code: str
    hours: int
    instructor_name: str
    issued_on: date
    expires_on: date | None = None
    program_name: str = "Section 287(g) Program"

    def __post_init__(self) -> None:
        for field in ("serial", "verification_code", "verify_url", "officer_name",
                      "agency_name", "course_title", "course_code",
                      "instructor_name", "program_name"):
            value = getattr(self, field)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{field} must be a non-empty string")
        if not self.verify_url.startswith(("https://", "http://")):
            raise ValueError("verify_url must be an absolute http(s) URL")
        if isinstance(self.hours, bool) or not isinstance(self.hours, int) or self.hours < 0:
            raise ValueError("hours must be a non-negative int")
        for field in ("issued_on", "expires_on"):
            value = getattr(self, field)
            if value is None and field == "expires_on":
                continue
            if not isinstance(value, date) or isinstance(value, datetime):
                raise ValueError(f"{field} must be a datetime.date")
        if self.expires_on is not None and self.expires_on < self.issued_on:
            raise ValueError("expires_on is before issued_on")


# --------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------

_ENV = jinja2.Environment(
    autoescape=True,
    loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


_SUBSECTION_RE = re.compile(r"(\([a-z0-9]{1,4}\))")


def statute_upper(text: str) -> str:
    """Upper-case ``text`` but keep statute subsections as written.

    "Section 287(g) Program" -> "SECTION 287(g) PROGRAM" (CSS text-transform
    would print "287(G)", which is not the program's name).
    """
    parts = _SUBSECTION_RE.split(text)
    return "".join(part if i % 2 else part.upper() for i, part in enumerate(parts))


_ENV.filters["statute_upper"] = statute_upper


_MONTHS = ("January", "February", "March", "April", "May", "June", "July",
           "August", "September", "October", "November", "December")


def _long_date(value: date) -> str:
    """"March 14, 2026" whatever the process locale (strftime's %B is not)."""
    return f"{_MONTHS[value.month - 1]} {value.day}, {value.year}"


def qr_svg(url: str) -> str:
    """The QR code of ``url`` as an inline ``<svg>`` element (no XML declaration).

    Sized by CSS (``omitsize``); quiet zone kept (border=4 modules) so phones
    can read it off paper. Its ``<title>`` is the figure's alternative text in the
    tagged PDF.
    """
    qr = segno.make(url, error="m", micro=False)
    return qr.svg_inline(
        scale=1, border=4, dark="#14213d", light="#ffffff", omitsize=True,
        svgclass="qr-code", lineclass=None, title=f"QR code of the verification address {url}",
    )


def build_certificate_html(values: CertificatePdfValues) -> str:
    """Render the certificate as a self-contained HTML document (a string)."""
    # NFC: a name typed as "n" + U+0303 prints as the precomposed "ñ" the
    # vendored fonts have, and reads back from the PDF as the same text.
    normalized: dict[str, Any] = {
        f.name: unicodedata.normalize("NFC", getattr(values, f.name))
        for f in dataclasses.fields(values) if isinstance(getattr(values, f.name), str)
    }
    values = dataclasses.replace(values, **normalized)
    template = _ENV.get_template(TEMPLATE_NAME)
    return template.render(
        v=values,
        issued_long=_long_date(values.issued_on),
        expires_long=_long_date(values.expires_on) if values.expires_on else None,
        # W3C date for <meta name=dcterms.created>: fixed, so output is reproducible.
        created_w3c=values.issued_on.isoformat(),
        # segno output is generated markup (the URL is encoded in modules, not as text).
        qr=Markup(qr_svg(values.verify_url)),
        static=STATIC_BASE_URL,
    )


# --------------------------------------------------------------------------
# URL fetcher
# --------------------------------------------------------------------------

class RefusedURLError(ValueError):
    """The certificate renderer refused to fetch a URL."""

    def __init__(self, url: str, reason: str):
        shown = url if len(url) <= 120 else url[:117] + "..."
        super().__init__(f"refused to fetch {shown!r}: {reason}")
        self.url = url
        self.reason = reason


class CertificateUrlFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that never leaves ``static_dir``.

    Serves:

    * ``data:`` URLs (decoded locally, no I/O);
    * ``portal-static:<relative path>`` - a regular file whose real path
      (after resolving ``..`` and symlinks) is strictly inside ``static_dir``
      and whose suffix is a known font/image/CSS type.

    Everything else (``file:``, ``http:``, ``https:``, ``ftp:``, unknown
    schemes, relative references) raises :class:`RefusedURLError`. The
    parent class's network/file handlers are never reached: :meth:`fetch`
    does not call ``super().fetch``.

    Refused URLs are kept in :attr:`refused` so callers can inspect them.
    """

    def __init__(self, static_dir: Path | str = STATIC_DIR):
        super().__init__(timeout=1, allowed_protocols={"data", STATIC_SCHEME},
                         allow_redirects=False, fail_on_errors=False)
        self.static_dir = Path(static_dir).resolve(strict=True)
        self.refused: list[str] = []

    def fetch(self, url, headers=None):  # noqa: ARG002 - signature of URLFetcher.fetch
        try:
            return self._fetch(url)
        except RefusedURLError as exc:
            self.refused.append(url)
            LOGGER.warning("certificate PDF: %s", exc)
            raise

    # The parent's urllib entry points must not be usable as a side door.
    def open(self, url, data=None, timeout=None):
        if isinstance(url, Request):
            url = url.full_url
        return self.fetch(url)

    def __call__(self, url):
        return self.fetch(url)

    def _fetch(self, url) -> URLFetcherResponse:
        if not isinstance(url, str):
            raise RefusedURLError(repr(url), "not a string")
        match = _SCHEME_RE.match(url)
        if not match:
            raise RefusedURLError(url, "not an absolute URL")
        scheme = match[1].lower()
        if scheme == "data":
            return self._fetch_data(url)
        if scheme == STATIC_SCHEME:
            return self._fetch_static(url, url[match.end():])
        raise RefusedURLError(url, f"scheme {scheme!r} is not allowed")

    @staticmethod
    def _fetch_data(url: str) -> URLFetcherResponse:
        try:
            response = DataHandler().data_open(Request(url))
        except Exception as exc:  # malformed data: URL
            raise RefusedURLError(url, f"malformed data: URL ({exc})") from None
        return URLFetcherResponse(url, response.read(), dict(response.headers.items()))

    def _fetch_static(self, url: str, rest: str) -> URLFetcherResponse:
        rest = rest.split("#", 1)[0].split("?", 1)[0]
        if rest.startswith("//"):
            raise RefusedURLError(url, "no host allowed in portal-static: URLs")
        relative = unquote(rest).lstrip("/")
        if not relative or "\\" in relative or "\x00" in relative:
            raise RefusedURLError(url, "invalid path")
        root = self.static_dir
        try:
            path = (root / relative).resolve(strict=True)
        except (OSError, RuntimeError):
            raise RefusedURLError(url, "no such file") from None
        if path == root or not path.is_relative_to(root):
            raise RefusedURLError(url, "path escapes the certificate static directory")
        if not path.is_file():
            raise RefusedURLError(url, "not a regular file")
        content_type = _ALLOWED_SUFFIXES.get(path.suffix.lower())
        if content_type is None:
            raise RefusedURLError(url, f"file type {path.suffix!r} is not served")
        if path.stat().st_size > _MAX_STATIC_BYTES:
            raise RefusedURLError(url, "file too large")
        body = path.read_bytes()
        headers = {"Content-Type": content_type}
        if content_type.startswith("text/") or content_type == "image/svg+xml":
            headers["Content-Type"] += "; charset=utf-8"
        return URLFetcherResponse(url, body, headers)


# --------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------

def _identifier(html: str) -> bytes:
    """A stable PDF file identifier (first half of /ID)."""
    return hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode("ascii")


def _identify_pdf_ua(document, pdf) -> None:  # noqa: ARG001 - WeasyPrint's finisher signature
    """Add the PDF/UA-1 identification to the XMP WeasyPrint wrote (it writes one per PDF)."""
    metadata = pdf.objects[int(pdf.catalog["Metadata"].split()[0])]
    metadata.stream = [b"".join(metadata.stream).replace(b"</rdf:RDF>", _PDF_UA_XMP + b"</rdf:RDF>", 1)]


#: How long a thread keeps its font configuration: well under any /tmp cleaner's age, so the
#: font files WeasyPrint wrote for it are never removed under it.
FONTS_KEPT_SECONDS = 3600
_fonts = threading.local()


def _font_config() -> FontConfiguration:
    """This thread's WeasyPrint font configuration, kept between renders.

    A new one (WeasyPrint's default, one per document) loads Fontconfig's configuration and then
    fetches, writes to a temporary folder and registers every @font-face font of the certificate
    again: a sixth of a render. Kept, each font is loaded once (WeasyPrint skips a face it has)
    and the PDF is the same, byte for byte. One per thread: a Pango font map is not shared
    between threads.
    """
    kept = getattr(_fonts, "kept", None)
    if kept is None or time.monotonic() - kept[0] > FONTS_KEPT_SECONDS:
        kept = _fonts.kept = (time.monotonic(), FontConfiguration())
    return kept[1]


def render_pdf(html: str, *, base_url: str = STATIC_BASE_URL,
               url_fetcher: CertificateUrlFetcher | None = None) -> bytes:
    """Render ``html`` to tagged PDF/A-3a (and PDF/UA-1) bytes. The only WeasyPrint call in the portal.

    Document metadata comes from the HTML: ``<title>`` -> /Title,
    ``<meta name=author>`` -> /Author, ``<meta name=description>`` -> /Subject,
    ``<meta name=dcterms.created|modified>`` -> /CreationDate, /ModDate and
    the XMP dates. Without the dcterms dates WeasyPrint writes none, so the
    output is reproducible either way; the /ID is derived from the HTML.

    Fonts loaded through the default fetcher are kept for the next render (`_font_config`); a
    caller's own fetcher gets a font configuration of its own, so that no font it served is
    used for another document.
    """
    fetcher = url_fetcher if url_fetcher is not None else CertificateUrlFetcher()
    document = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
    return document.write_pdf(
        pdf_variant=PDF_VARIANT,
        pdf_identifier=_identifier(html),
        uncompressed_pdf=False,
        finisher=_identify_pdf_ua,
        font_config=_font_config() if url_fetcher is None else None,
    )


def render_certificate_pdf(values: CertificatePdfValues) -> bytes:
    """Certificate of Completion for ``values`` as tagged PDF/A-3a bytes (unsigned)."""
    return render_pdf(build_certificate_html(values))
