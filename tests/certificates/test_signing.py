"""PAdES signatures on certificate PDFs: validated by pyHanko against the exported chain, broken
by one changed byte, shown on the verify page; keys from PEM or PKCS#12; B-T with a real TSA."""
import hashlib
import http.server
import io
import socket
import threading
from datetime import UTC, datetime, timedelta

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from portal import create_app
from portal.certificates.pdf import build_certificate_html, render_pdf
from portal.certificates.signing import CertificateSigner, write_demo_material
from portal.config import ConfigError, load_config
from portal.extensions import db
from tests.certificates.conftest import pdf_text
from tests.conftest import TEST_CONFIG


def exported_chain(app, tmp_path) -> list:
    out = tmp_path / "chain.pem"
    result = app.test_cli_runner().invoke(args=["certificates", "signing-cert", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "2 certificates" in result.output
    return list(load_certs_from_pemder_data(out.read_bytes()))


def validate(pdf: bytes, trust_roots: list):
    [signature] = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    return signature, validate_pdf_signature(signature, ValidationContext(trust_roots=trust_roots))


def test_an_issued_certificate_validates_against_the_exported_chain(app, make, tmp_path):
    certificate = make.certificate()
    chain = exported_chain(app, tmp_path)
    signature, status = validate(certificate.pdf, [chain[-1]])  # the root: what a records office trusts
    assert (status.intact, status.valid, status.trusted) == (True, True, True)
    assert status.bottom_line
    assert status.coverage.name == "ENTIRE_FILE"
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    assert status.signing_cert.subject == chain[0].subject
    assert status.timestamp_validity is None  # B-B: no TSA configured
    # Signed by an incremental update: the rendered PDF/A-3 is its first revision, untouched.
    reader = PdfReader(io.BytesIO(certificate.pdf))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b'pdfaid:part="3"' in xmp and b'pdfuaid:part="1"' in xmp
    assert "/OutputIntents" in reader.trailer["/Root"]
    assert certificate.pdf.count(b"%%EOF") == 2
    assert certificate.serial in pdf_text(certificate.pdf)


def test_one_changed_byte_breaks_the_signature_and_the_portal_disowns_the_file(app, client, make, tmp_path):
    certificate = make.certificate()
    chain = exported_chain(app, tmp_path)
    changed = bytearray(certificate.pdf)
    changed[len(changed) // 3] ^= 0x01  # inside the signed byte range
    _, status = validate(bytes(changed), [chain[-1]])
    assert not status.intact and not status.bottom_line

    response = client.post("/verify", data={"pdf": (io.BytesIO(bytes(changed)), "cert.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 404
    assert b"does not match any certificate issued by the 287(g) Training Portal" in response.data


def test_a_stored_pdf_whose_signature_no_longer_holds_is_not_issued_here(client, make):
    """The stored bytes themselves tampered with (a database edit): the hash matches, the signature
    does not, and the page says so rather than vouching for them."""
    certificate = make.certificate()
    changed = bytearray(certificate.pdf)
    changed[len(changed) // 3] ^= 0x01
    certificate.pdf, certificate.pdf_sha256 = bytes(changed), hashlib.sha256(changed).hexdigest()
    db.session.flush()
    response = client.post("/verify", data={"pdf": (io.BytesIO(bytes(changed)), "cert.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 404 and certificate.serial.encode() not in response.data


def test_the_verify_page_says_who_signed_and_when(client, make):
    certificate = make.certificate()
    uploaded = client.post("/verify", data={"pdf": (io.BytesIO(certificate.pdf), "c.pdf")},
                           content_type="multipart/form-data")
    looked_up = client.get(f"/verify/{certificate.issued_code}")  # from the record: the PDF is not read
    for response in (uploaded, looked_up):
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        assert "signed by <strong>287(g) Training Portal certificate signing (demo)</strong>" in text
        assert f"on {datetime.now(UTC):%B %-d, %Y} at " in text
    assert "The signature is intact and made with the portal" in uploaded.get_data(as_text=True)
    assert (certificate.signed_by, certificate.signed_at.date()) == (
        "287(g) Training Portal certificate signing (demo)", datetime.now(UTC).date())


def test_certificates_issued_before_signing_stay_valid_and_show_as_unsigned(client, make):
    certificate = make.certificate()
    # A certificate from before this change: its PDF as rendered, never signed.
    unsigned = render_pdf(build_certificate_html_for(certificate))
    certificate.pdf, certificate.pdf_sha256, certificate.pdf_size = unsigned, hashlib.sha256(unsigned).hexdigest(), len(unsigned)
    certificate.signed_by, certificate.signed_at = "", None  # as the migration leaves earlier rows
    db.session.flush()
    for response in (client.post("/verify", data={"pdf": (io.BytesIO(unsigned), "c.pdf")},
                                 content_type="multipart/form-data"),
                     client.get(f"/verify/{certificate.issued_code}")):
        assert response.status_code == 200
        assert b"<h2 class=\"usa-alert__heading\">Valid</h2>" in response.data
        assert b"the PDF carries no\ndigital signature" in response.data


def build_certificate_html_for(certificate) -> str:
    from portal.certificates.pdf import CertificatePdfValues

    return build_certificate_html(CertificatePdfValues(
        serial=certificate.serial, verification_code="OLD0-0000", verify_url="https://portal.test/verify/OLD",
        officer_name=certificate.officer_name, agency_name=certificate.agency_name,
        course_title=certificate.course_title, course_code=certificate.course_code, hours=certificate.hours,
        instructor_name=certificate.instructor_name, issued_on=certificate.issued_on,
        expires_on=certificate.expires_on))


# --- configuration --------------------------------------------------------------------------

def test_development_generates_a_root_and_signing_certificate_once_into_instance(tmp_path):
    first = load_config(tmp_path, {})
    key, chain = first["CERTIFICATE_SIGNING_KEY"], first["CERTIFICATE_SIGNING_CERT"]
    assert key.startswith(str(tmp_path / "certificate-signing"))
    assert (tmp_path / "certificate-signing" / "signing-key.pem").stat().st_mode & 0o077 == 0
    again = load_config(tmp_path, {})
    assert (again["CERTIFICATE_SIGNING_KEY"], again["CERTIFICATE_SIGNING_CERT"]) == (key, chain)
    leaf, root = x509.load_pem_x509_certificates(open(chain, "rb").read())
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert leaf.issuer == root.subject
    assert leaf.extensions.get_extension_for_class(x509.KeyUsage).value.content_commitment  # non-repudiation


PRODUCTION = {"PORTAL_ENV": "production", "SECRET_KEY": "p" * 40, "PORTAL_BASE_URL": "https://training.example.gov"}


def test_production_refuses_to_start_without_a_signing_key(tmp_path):
    config = load_config(tmp_path, PRODUCTION)
    assert not (tmp_path / "certificate-signing").exists()  # nothing generated in production
    with pytest.raises(ConfigError, match="CERTIFICATE_SIGNING_KEY and CERTIFICATE_SIGNING_CERT"):
        create_app(TEST_CONFIG, **{k: v for k, v in config.items() if k.startswith(("CERTIFICATE_SIGNING", "PORTAL"))})


def test_an_unreadable_key_stops_the_start_with_the_setting_named(tmp_path):
    key, chain = write_demo_material(tmp_path)
    with pytest.raises(ConfigError, match=r"^CERTIFICATE_SIGNING_CERT: cannot read"):
        create_app(TEST_CONFIG, CERTIFICATE_SIGNING_KEY=str(key), CERTIFICATE_SIGNING_CERT=str(tmp_path / "nope.pem"))
    with pytest.raises(ConfigError, match=r"^CERTIFICATE_SIGNING_KEY: cannot load the private key"):
        create_app(TEST_CONFIG, CERTIFICATE_SIGNING_KEY=str(chain), CERTIFICATE_SIGNING_CERT=str(chain))


def test_a_pkcs12_file_with_its_password_signs_too(tmp_path):
    key_path, chain_path = write_demo_material(tmp_path)
    key = serialization.load_pem_private_key(key_path.read_bytes(), None)
    leaf, root = x509.load_pem_x509_certificates(chain_path.read_bytes())
    p12 = tmp_path / "signing.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(
        b"portal", key, leaf, [root], serialization.BestAvailableEncryption(b"correct horse")))

    signer = CertificateSigner({"CERTIFICATE_SIGNING_PKCS12": str(p12), "CERTIFICATE_SIGNING_PASSWORD": "correct horse"})
    signed = signer.sign(render_pdf("<html lang='en'><title>t</title><p>x</p></html>"))
    check = signer.check(signed)
    assert check.valid and check.signed_by == "287(g) Training Portal certificate signing (demo)"
    assert signer.chain_pem().count(b"BEGIN CERTIFICATE") == 2
    with pytest.raises(ConfigError, match=r"^CERTIFICATE_SIGNING_PKCS12: cannot open the file"):
        create_app(TEST_CONFIG, CERTIFICATE_SIGNING_PKCS12=str(p12), CERTIFICATE_SIGNING_PASSWORD="wrong")


# --- B-T: a timestamp from an RFC 3161 authority ----------------------------------------------

def tsa_material():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # pyHanko's test TSA is RSA-only
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test timestamp authority")])
    now = datetime.now(UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
                   .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
                   .sign(key, hashes.SHA256()))
    der_key = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return (asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER)),
            asn1_keys.PrivateKeyInfo.load(der_key))


@pytest.fixture
def tsa_url():
    """An RFC 3161 timestamp authority answering over HTTP on 127.0.0.1."""
    tsa_cert, tsa_key = tsa_material()
    stamper = DummyTimeStamper(tsa_cert=tsa_cert, tsa_key=tsa_key)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            request = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
            body = stamper.request_tsa_response(request).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/", tsa_cert
    server.shutdown()
    server.server_close()


def test_with_a_tsa_the_signature_carries_an_rfc3161_timestamp(app, make, tmp_path, tsa_url):
    url, tsa_cert = tsa_url
    app.config["CERTIFICATE_TSA_URL"] = url
    try:
        certificate = make.certificate()
    finally:
        app.config["CERTIFICATE_TSA_URL"] = ""
    chain = exported_chain(app, tmp_path)
    _, status = validate(certificate.pdf, [chain[-1], tsa_cert])
    assert status.bottom_line
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted  # PAdES B-T


def test_a_tsa_that_does_not_answer_costs_the_timestamp_not_the_certificate(app, make, tmp_path, caplog):
    with socket.socket() as unused:  # a port nothing listens on
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    app.config["CERTIFICATE_TSA_URL"] = f"http://127.0.0.1:{port}/"
    try:
        certificate = make.certificate()
    finally:
        app.config["CERTIFICATE_TSA_URL"] = ""
    _, status = validate(certificate.pdf, [exported_chain(app, tmp_path)[-1]])
    assert status.bottom_line and status.timestamp_validity is None  # B-B
    assert "Timestamp authority unavailable" in caplog.text
