"""PAdES signatures on certificate PDFs, with pyHanko.

Every certificate PDF is signed once, when it is issued, by an incremental update (the PDF/A
output intent, XMP and tags WeasyPrint wrote stay as they are): PAdES baseline B-B, or B-T with an
RFC 3161 timestamp when CERTIFICATE_TSA_URL is set. The signed bytes are the stored bytes.

The key and certificate chain come from configuration: CERTIFICATE_SIGNING_KEY (PEM private key)
with CERTIFICATE_SIGNING_CERT (PEM chain, signing certificate first), or CERTIFICATE_SIGNING_PKCS12
(a .p12/.pfx file); CERTIFICATE_SIGNING_PASSWORD unlocks an encrypted key or the PKCS#12 file.
Development and demo installations get a local root and signing certificate generated into
instance/ on first run (`write_demo_material`); production refuses to start without its own.
"""
from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from flask import current_app
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

log = logging.getLogger(__name__)

SIGNATURE_FIELD = "PortalSignature"
SIGNATURE_REASON = "Certificate of completion issued by the 287(g) Training Portal"
DEMO_KEY_FILE = "signing-key.pem"
DEMO_CHAIN_FILE = "signing-chain.pem"
SETTINGS = ("CERTIFICATE_SIGNING_KEY", "CERTIFICATE_SIGNING_CERT", "CERTIFICATE_SIGNING_PKCS12",
            "CERTIFICATE_SIGNING_PASSWORD", "CERTIFICATE_TSA_URL")


class SigningConfigError(RuntimeError):
    """The signing key or chain cannot be used; the message says which setting and why."""


# --------------------------------------------------------------------------------------------
# Demo material
# --------------------------------------------------------------------------------------------

def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Section 287(g) Program (demo)")])


def write_demo_material(directory: Path) -> tuple[Path, Path]:
    """A local root CA and a signing certificate issued by it, written once into `directory`:
    (private key PEM, chain PEM with the signing certificate first). The root's key is not kept.
    ECDSA P-256: generated in milliseconds, and read by Adobe Reader, pyHanko and OpenSSL."""
    key_path, chain_path = directory / DEMO_KEY_FILE, directory / DEMO_CHAIN_FILE
    if key_path.exists() and chain_path.exists():
        return key_path, chain_path
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC).replace(microsecond=0)
    root_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    root_name = _name("287(g) Training Portal demo root")
    root = (x509.CertificateBuilder().subject_name(root_name).issuer_name(root_name)
            .public_key(root_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=20 * 365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder().subject_name(_name("287(g) Training Portal certificate signing (demo)"))
            .issuer_name(root_name).public_key(leaf_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=10 * 365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256()))
    key_pem = leaf_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption())
    descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(key_pem)
    chain_path.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (leaf, root)))
    return key_path, chain_path


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------

def _read(setting: str, path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise SigningConfigError(f"{setting}: cannot read {path}: {exc.strerror or exc}") from None


def _pem_certificates(data: bytes, setting: str) -> list[asn1_x509.Certificate]:
    if not asn1_pem.detect(data):
        raise SigningConfigError(f"{setting}: not a PEM file")
    certificates = [asn1_x509.Certificate.load(der) for kind, _, der in asn1_pem.unarmor(data, multiple=True)
                    if kind == "CERTIFICATE"]
    if not certificates:
        raise SigningConfigError(f"{setting}: no certificate in the file")
    return certificates


def _load_pem(config: dict, password: bytes | None) -> tuple[signers.SimpleSigner, list]:
    key_data = _read("CERTIFICATE_SIGNING_KEY", config["CERTIFICATE_SIGNING_KEY"])
    chain = _pem_certificates(_read("CERTIFICATE_SIGNING_CERT", config["CERTIFICATE_SIGNING_CERT"]),
                              "CERTIFICATE_SIGNING_CERT")
    try:
        key = serialization.load_pem_private_key(key_data, password=password)
    except (ValueError, TypeError) as exc:
        raise SigningConfigError(f"CERTIFICATE_SIGNING_KEY: cannot load the private key ({exc})") from None
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    signer = signers.SimpleSigner(signing_cert=chain[0], signing_key=asn1_keys.PrivateKeyInfo.load(der),
                                  cert_registry=SimpleCertificateStore.from_certs(chain))
    return signer, chain


def _load_pkcs12(config: dict, password: bytes | None) -> tuple[signers.SimpleSigner, list]:
    data = _read("CERTIFICATE_SIGNING_PKCS12", config["CERTIFICATE_SIGNING_PKCS12"])
    try:
        key, certificate, others = pkcs12.load_key_and_certificates(data, password)
    except (ValueError, TypeError) as exc:
        raise SigningConfigError(f"CERTIFICATE_SIGNING_PKCS12: cannot open the file ({exc})") from None
    if key is None or certificate is None:
        raise SigningConfigError("CERTIFICATE_SIGNING_PKCS12: the file holds no key and certificate")
    chain = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in [certificate, *others]]
    signer = signers.SimpleSigner.load_pkcs12_data(data, other_certs=[], passphrase=password)
    return signer, chain


def _common_name(certificate: asn1_x509.Certificate) -> str:
    return certificate.subject.native.get("common_name") or certificate.subject.human_friendly


@dataclass(frozen=True)
class SignatureCheck:
    """What an uploaded PDF's signature says, checked against the portal's own chain."""

    signed_by: str
    signed_at: datetime | None
    timestamped: bool
    intact: bool  # the signed bytes are unchanged and the signature covers the whole file
    trusted: bool  # made by a certificate that chains to the portal's root

    @property
    def valid(self) -> bool:
        return self.intact and self.trusted


class CertificateSigner:
    """The portal's signing key, chain and (optional) timestamp authority."""

    def __init__(self, config: dict):
        password = (config.get("CERTIFICATE_SIGNING_PASSWORD") or "").encode() or None
        if config.get("CERTIFICATE_SIGNING_PKCS12"):
            self.signer, self.chain = _load_pkcs12(config, password)
        elif config.get("CERTIFICATE_SIGNING_KEY") and config.get("CERTIFICATE_SIGNING_CERT"):
            self.signer, self.chain = _load_pem(config, password)
        else:
            raise SigningConfigError("Set CERTIFICATE_SIGNING_KEY and CERTIFICATE_SIGNING_CERT "
                                     "(or CERTIFICATE_SIGNING_PKCS12) to sign certificates.")
        tsa = (config.get("CERTIFICATE_TSA_URL") or "").strip()
        self.timestamper = timestamps.HTTPTimeStamper(tsa, timeout=10) if tsa else None
        # The top of the chain is what a records office trusts (a lone certificate trusts itself).
        self.trust_roots = [self.chain[-1]]
        self._reserved: int | None = None

    def sign(self, pdf: bytes) -> bytes:
        """`pdf` signed by an incremental update: PAdES B-T with a TSA, else B-B. A TSA that does
        not answer costs the timestamp (logged), not the certificate: issuing runs inside the
        transaction that completes the officer's course."""
        if self.timestamper is not None:
            try:
                return self._sign(pdf, self.timestamper)
            except TimestampRequestError as exc:
                log.warning("Timestamp authority unavailable, certificate signed without a timestamp: %s", exc)
        return self._sign(pdf, None)

    def _sign(self, pdf: bytes, timestamper) -> bytes:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        metadata = signers.PdfSignatureMetadata(
            field_name=SIGNATURE_FIELD, reason=SIGNATURE_REASON, md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
        )
        # With a TSA, pyHanko sizes the room for the timestamp token it will receive, per PDF.
        reserved = self.signature_room() if timestamper is None else None
        out = signers.sign_pdf(writer, metadata, signer=self.signer, timestamper=timestamper,
                               new_field_spec=fields.SigFieldSpec(SIGNATURE_FIELD), bytes_reserved=reserved)
        return out.getvalue()

    def signature_room(self) -> int:
        """The room (hex digits) a B-B signature gets in the PDF, as pyHanko estimates it when not
        told: the size of a dry-run signature, plus half. It depends on the key and the chain only,
        so it is worked out once: pyHanko's dry run on every PDF was a third of the signing time."""
        if self._reserved is None:
            dry_run = asyncio.run(self.signer.async_sign(
                hashlib.sha256().digest(), "sha256", dry_run=True, use_pades=True,
                signed_attr_settings=PdfCMSSignedAttributes(signing_time=datetime.now(UTC)),
            ))
            hex_digits = len(dry_run.dump()) * 2
            self._reserved = hex_digits + 2 * (hex_digits // 4)
        return self._reserved

    @property
    def signer_name(self) -> str:
        """The signing certificate's common name, as the verify page shows it."""
        return _common_name(self.chain[0])

    def chain_pem(self) -> bytes:
        """The chain a records office adds to its trust list, signing certificate first."""
        return b"".join(asn1_pem.armor("CERTIFICATE", c.dump()) for c in self.chain)

    def check(self, pdf: bytes) -> SignatureCheck | None:
        """The last signature of `pdf` checked against this chain; None for an unsigned PDF."""
        try:
            signatures = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
        except Exception:  # noqa: BLE001 - any unreadable file is simply not signed by us
            return None
        if not signatures:
            return None
        signature = signatures[-1]
        context = ValidationContext(trust_roots=self.trust_roots, allow_fetching=False)
        try:
            status = validate_pdf_signature(signature, context)
        except Exception:  # noqa: BLE001 - a signature that cannot be parsed is not intact
            return SignatureCheck(signed_by="", signed_at=None, timestamped=False, intact=False, trusted=False)
        stamp = status.timestamp_validity
        signed_at = stamp.timestamp if stamp is not None else status.signer_reported_dt
        whole = status.coverage is not None and status.coverage.name == "ENTIRE_FILE"
        return SignatureCheck(
            signed_by=_common_name(status.signing_cert),
            signed_at=signed_at, timestamped=stamp is not None,
            intact=bool(status.intact and status.valid and whole), trusted=bool(status.trusted),
        )


def signer_of_app() -> CertificateSigner:
    """The app's signer, loaded once per set of settings."""
    config = current_app.config
    key = tuple(config.get(name) for name in SETTINGS)
    cached = current_app.extensions.get("certificate_signer")
    if cached is None or cached[0] != key:
        cached = (key, CertificateSigner(config))
        current_app.extensions["certificate_signer"] = cached
    return cached[1]
