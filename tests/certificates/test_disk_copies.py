"""Disk copies of the certificate PDFs (files.py): written at issue and on the first bulk read,
then read instead of the database; a missing or truncated copy falls back to the database, an
altered one fails the archive's CRC check, an unwritable directory only costs speed."""
import hashlib
import io
import logging
import zipfile
from pathlib import Path

import sqlalchemy as sa

from portal.auth.roles import Role
from portal.certificates.files import PdfFiles
from portal.certificates.models import Certificate
from portal.extensions import db

PASSWORD = "correct horse battery staple"


def admin_client(app, make):
    client = app.test_client()
    admin = make.user(Role.ADMIN)
    assert client.post("/login", data={"email": admin.email, "password": PASSWORD}).status_code == 302
    return client


def class_with_certificates(make, count=3):
    tc = make.training_class(make.course(weeks=1, modules_per_week=1, lessons_per_module=1))
    agency = make.agency()
    return tc, [make.certificate_record(make.enrollment(make.user(Role.OFFICER, agency=agency), tc))
                for _ in range(count)]


def download_zip(client, tc) -> zipfile.ZipFile:
    response = client.get(f"/certificates/classes/{tc.id}/certificates.zip")
    assert response.status_code == 200
    return zipfile.ZipFile(io.BytesIO(response.data))


def replace_stored_pdfs(certificates) -> dict[str, bytes]:
    """Overwrite the PDFs in the database with other bytes of the same size (the CRC-32 is kept), so
    a ZIP shows where it read them: the originals (returned by serial) can then only come from the
    disk copies, and a member read from the database fails its CRC check."""
    originals = {c.serial: c.pdf for c in certificates}
    for certificate in certificates:
        db.session.execute(sa.update(Certificate).where(Certificate.id == certificate.id)
                           .values(pdf=bytes(reversed(originals[certificate.serial]))))
    db.session.commit()
    return originals


def members_by_serial(archive: zipfile.ZipFile) -> dict[str, str]:
    return {name.split("_")[0]: name for name in archive.namelist() if name.endswith(".pdf")}


def member_bytes(archive: zipfile.ZipFile) -> dict[str, bytes]:
    return {name: archive.read(name) for name in archive.namelist() if name.endswith(".pdf")}


def test_issuing_keeps_a_copy_named_by_its_hash(app, make):
    certificate = make.certificate()
    copy = Path(PdfFiles(app.config["CERTIFICATE_FILES"]).path(certificate.pdf_sha256))
    assert copy.read_bytes() == certificate.pdf
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == certificate.pdf_sha256


def test_a_zip_reads_the_copies_once_they_exist(app, make):
    tc, certificates = class_with_certificates(make)
    files = PdfFiles(app.config["CERTIFICATE_FILES"])
    assert not any(Path(files.path(c.pdf_sha256)).exists() for c in certificates)
    client = admin_client(app, make)

    first = download_zip(client, tc)
    assert first.testzip() is None
    assert all(Path(files.path(c.pdf_sha256)).read_bytes() == c.pdf for c in certificates)

    originals = replace_stored_pdfs(certificates)
    second = download_zip(client, tc)
    assert second.testzip() is None
    assert {serial: second.read(name) for serial, name in members_by_serial(second).items()} == originals
    assert member_bytes(second) == member_bytes(first)


def test_a_truncated_copy_is_replaced_and_an_altered_one_fails_the_crc(app, make):
    tc, (truncated, altered, intact) = class_with_certificates(make)
    client = admin_client(app, make)
    download_zip(client, tc)  # writes the copies
    files = PdfFiles(app.config["CERTIFICATE_FILES"])
    Path(files.path(truncated.pdf_sha256)).write_bytes(truncated.pdf[:5])
    Path(files.path(altered.pdf_sha256)).write_bytes(bytes(reversed(altered.pdf)))  # same size

    archive = download_zip(client, tc)
    named = members_by_serial(archive)
    assert archive.read(named[truncated.serial]) == truncated.pdf
    assert Path(files.path(truncated.pdf_sha256)).read_bytes() == truncated.pdf
    assert archive.read(named[intact.serial]) == intact.pdf
    # The CRC-32 in the archive comes from the database: extracting the altered copy fails.
    assert archive.testzip() == named[altered.serial]


def test_an_unwritable_directory_only_costs_speed(app, make, tmp_path, monkeypatch, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setitem(app.config, "CERTIFICATE_FILES", str(blocker / "copies"))
    tc, certificates = class_with_certificates(make, count=2)
    client = admin_client(app, make)
    with caplog.at_level(logging.WARNING, logger="portal.certificates.files"):
        archive = download_zip(client, tc)
    assert archive.testzip() is None
    assert sorted(member_bytes(archive).values()) == sorted(c.pdf for c in certificates)
    assert "Cannot keep a disk copy" in caplog.text


def test_with_copies_off_every_zip_reads_the_database(app, make, monkeypatch):
    monkeypatch.setitem(app.config, "CERTIFICATE_FILES", "")
    tc, certificates = class_with_certificates(make, count=2)
    client = admin_client(app, make)
    assert download_zip(client, tc).testzip() is None
    replace_stored_pdfs(certificates)
    assert download_zip(client, tc).testzip() is not None


def test_the_cli_export_copies_the_disk_copies(app, make, tmp_path):
    tc, certificates = class_with_certificates(make, count=2)
    download_zip(admin_client(app, make), tc)
    originals = replace_stored_pdfs(certificates)
    result = app.test_cli_runner().invoke(args=["certificates", "export", "--out", str(tmp_path / "out"),
                                                "--class", str(tc.id)])
    assert result.exit_code == 0, result.output
    exported = sorted(p.read_bytes() for p in (tmp_path / "out").glob("*.pdf"))
    assert exported == sorted(originals.values())
