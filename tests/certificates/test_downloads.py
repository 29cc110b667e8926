"""Who may download what (every download x every role), the ZIPs and their manifest, the CLI."""
import csv
import hashlib
import io
import zipfile
import zlib

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.auth.roles import Role
from portal.certificates import services, zips
from portal.certificates.models import Certificate, CertificateStatus, RevocationReason
from portal.extensions import db
from tests import factories

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def seeded_two_agencies(seed):
    """The agencies below and their two certificates (rendered, signed PDFs), built once for the
    module: each test that uses them runs on a copy of the database holding them, rolled back afterwards."""
    with seed(lambda app: build_two_agencies(factories)) as seeded:
        yield seeded


@pytest.fixture
def two_agencies(seeded_two_agencies):
    return seeded_two_agencies.load()


def build_two_agencies(make):
    """One class with an officer of agency A and one of agency B, each with a certificate, and
    a second class that only agency B's officer took."""
    agency_a, agency_b = make.agency(name="Agency A County"), make.agency(name="Agency B County")
    course = make.course(weeks=1, modules_per_week=1, lessons_per_module=1)
    shared = make.training_class(course, instructors=[make.user(Role.INSTRUCTOR)])
    only_b = make.training_class(course)
    officer_a = make.user(Role.OFFICER, agency=agency_a, first="Ana", last="Alvarez")
    officer_b = make.user(Role.OFFICER, agency=agency_b, first="Ben", last="Brown")
    cert_a = make.certificate(make.enrollment(officer_a, shared))
    cert_b = make.certificate(make.enrollment(officer_b, shared))
    make.enrollment(officer_b, only_b)
    users = {
        "officer_a": officer_a, "officer_b": officer_b,
        "coordinator_a": make.user(Role.COORDINATOR, agency=agency_a),
        "coordinator_b": make.user(Role.COORDINATOR, agency=agency_b),
        "instructor": make.user(Role.INSTRUCTOR), "admin": make.user(Role.ADMIN),
    }
    return dict(a=agency_a, b=agency_b, shared=shared, only_b=only_b, cert_a=cert_a, cert_b=cert_b, users=users)


def client_for(app, user):
    client = app.test_client()
    if user is not None:
        assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return client


def test_every_download_for_every_role(app, two_agencies):
    w = two_agencies
    urls = {
        "pdf_a": f"/certificates/{w['cert_a'].id}/download",
        "pdf_b": f"/certificates/{w['cert_b'].id}/download",
        "pdf_missing": "/certificates/999999/download",
        "zip_agency_a": f"/certificates/agencies/{w['a'].id}/certificates.zip",
        "zip_agency_b": f"/certificates/agencies/{w['b'].id}/certificates.zip",
        "zip_class_shared": f"/certificates/classes/{w['shared'].id}/certificates.zip",
        "zip_class_only_b": f"/certificates/classes/{w['only_b'].id}/certificates.zip",
        "zip_class_missing": "/certificates/classes/999999/certificates.zip",
        "mine": "/certificates/mine",
        "agency_page": "/agency/certificates",
        "admin_list": "/admin/certificates/",
        "admin_show": f"/admin/certificates/{w['cert_a'].id}",
    }
    ok, hidden, refused = 200, 404, 403
    expected = {
        "officer_a": dict(pdf_a=ok, pdf_b=hidden, pdf_missing=hidden, zip_agency_a=refused, zip_agency_b=refused,
                          zip_class_shared=refused, zip_class_only_b=refused, zip_class_missing=refused,
                          mine=ok, agency_page=refused, admin_list=refused, admin_show=refused),
        "officer_b": dict(pdf_a=hidden, pdf_b=ok, pdf_missing=hidden, zip_agency_a=refused, zip_agency_b=refused,
                          zip_class_shared=refused, zip_class_only_b=refused, zip_class_missing=refused,
                          mine=ok, agency_page=refused, admin_list=refused, admin_show=refused),
        "coordinator_a": dict(pdf_a=ok, pdf_b=hidden, pdf_missing=hidden, zip_agency_a=ok, zip_agency_b=hidden,
                              zip_class_shared=ok, zip_class_only_b=hidden, zip_class_missing=hidden,
                              mine=refused, agency_page=ok, admin_list=refused, admin_show=refused),
        "coordinator_b": dict(pdf_a=hidden, pdf_b=ok, pdf_missing=hidden, zip_agency_a=hidden, zip_agency_b=ok,
                              zip_class_shared=ok, zip_class_only_b=ok, zip_class_missing=hidden,
                              mine=refused, agency_page=ok, admin_list=refused, admin_show=refused),
        "instructor": dict(pdf_a=refused, pdf_b=refused, pdf_missing=refused, zip_agency_a=refused,
                           zip_agency_b=refused, zip_class_shared=refused, zip_class_only_b=refused,
                           zip_class_missing=refused, mine=refused, agency_page=refused, admin_list=refused,
                           admin_show=refused),
        "admin": dict(pdf_a=ok, pdf_b=ok, pdf_missing=hidden, zip_agency_a=ok, zip_agency_b=ok,
                      zip_class_shared=ok, zip_class_only_b=ok, zip_class_missing=hidden,
                      mine=refused, agency_page=refused, admin_list=ok, admin_show=ok),
    }
    problems = []
    anonymous = client_for(app, None)
    for name, url in urls.items():
        response = anonymous.get(url)
        if not (response.status_code == 302 and "/login" in response.headers["Location"]):
            problems.append(f"anonymous {name}: {response.status_code}")
    for who, outcomes in expected.items():
        client = client_for(app, w["users"][who])
        for name, status in outcomes.items():
            response = client.get(urls[name])
            if response.status_code != status:
                problems.append(f"{who} {name}: expected {status}, got {response.status_code}")
            elif name == "mine" and status == ok:
                own, other = ("cert_a", "cert_b") if who == "officer_a" else ("cert_b", "cert_a")
                assert w[own].serial.encode() in response.data and w[other].serial.encode() not in response.data
            elif status == ok and name.startswith(("pdf", "zip")):
                assert response.headers["Cache-Control"] == "no-store"
                assert response.headers["Content-Disposition"].startswith("attachment;")
    assert problems == []


def read_zip(response) -> tuple[zipfile.ZipFile, list[dict]]:
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert archive.testzip() is None
    manifest = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))))
    return archive, manifest


def test_zips_and_their_manifest(app, two_agencies):
    w = two_agencies
    response = client_for(app, w["users"]["coordinator_a"]).get(
        f"/certificates/classes/{w['shared'].id}/certificates.zip")
    assert response.mimetype == "application/zip"
    archive, manifest = read_zip(response)
    cert = w["cert_a"]
    assert [row["serial"] for row in manifest] == [cert.serial]
    row = manifest[0]
    assert row["officer_name"] == "Ana Alvarez" and row["course_code"] == cert.course_code
    assert (row["issued_on"], row["expires_on"], row["status"]) == (
        cert.issued_on.isoformat(), cert.expires_on.isoformat(), "valid")
    assert row["sha256"] == cert.pdf_sha256
    info = archive.getinfo(row["file"])
    assert info.compress_type == zipfile.ZIP_STORED
    assert archive.read(row["file"]) == cert.pdf
    assert hashlib.sha256(archive.read(row["file"])).hexdigest() == row["sha256"]
    assert sorted(archive.namelist()) == sorted([row["file"], "manifest.csv"])
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "certificates_zip_downloaded"))

    # The admin's ZIP of the same class holds both agencies' certificates, whatever their status.
    services.revoke(w["cert_b"], RevocationReason.ISSUED_IN_ERROR, "Duplicate record")
    db.session.commit()
    response = client_for(app, w["users"]["admin"]).get(f"/certificates/classes/{w['shared'].id}/certificates.zip")
    archive, manifest = read_zip(response)
    statuses = {row["serial"]: row["status"] for row in manifest}
    assert statuses == {w["cert_a"].serial: "valid", w["cert_b"].serial: "revoked"}
    for row in manifest:
        assert hashlib.sha256(archive.read(row["file"])).hexdigest() == row["sha256"]

    # It is streamed, never more than about one PDF per chunk, and announces its exact length
    # (browsers then show the download's progress).
    client = client_for(app, w["users"]["admin"])
    response = client.get(f"/certificates/agencies/{w['a'].id}/certificates.zip", buffered=False)
    assert response.is_streamed
    chunks = list(response.response)
    assert max(len(c) for c in chunks) < w["cert_a"].pdf_size + 4096
    assert int(response.headers["Content-Length"]) == len(b"".join(chunks))
    assert zipfile.ZipFile(io.BytesIO(b"".join(chunks))).testzip() is None


def test_a_zip_holds_what_was_planned_when_its_download_started(app, two_agencies, make):
    """A certificate issued, and one revoked, after the download started (its size already sent)
    change nothing in it: the archive still matches its Content-Length and its manifest."""
    w = two_agencies
    response = client_for(app, w["users"]["admin"]).get(f"/certificates/classes/{w['shared'].id}/certificates.zip",
                                                        buffered=False)
    late = make.certificate(make.enrollment(make.user(Role.OFFICER, agency=w["a"]), w["shared"]))
    services.revoke(w["cert_b"], RevocationReason.ISSUED_IN_ERROR, "Duplicate record")
    db.session.commit()
    body = b"".join(response.response)
    assert int(response.headers["Content-Length"]) == len(body)
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert archive.testzip() is None
    manifest = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))))
    assert {row["serial"]: row["status"] for row in manifest} == {w["cert_a"].serial: "valid", w["cert_b"].serial: "valid"}
    assert late.serial not in " ".join(archive.namelist())


@pytest.mark.parametrize("count, rendered", [(2 * zips.BATCH + 3, True), (zips.ROW_BATCH + 2, False)],
                         ids=["past-pdf-batches", "past-row-batches"])
def test_a_class_zip_larger_than_one_batch(app, make, count, rendered):
    """Rows are read ROW_BATCH and PDFs BATCH at a time: every PDF still lands in its own entry, in
    serial order, byte for byte, with the CRC-32 kept at issue time. (Past ROW_BATCH the copies are
    of a stand-in PDF, so the test stays small.)"""
    agency = make.agency()
    tc = make.training_class(make.course(weeks=1, modules_per_week=1, lessons_per_module=1))
    issue = make.certificate if rendered else make.certificate_record
    real = issue(make.enrollment(make.user(Role.OFFICER, agency=agency), tc))
    copied = {column: getattr(real, column) for column in (
        "enrollment_id", "officer_id", "agency_id", "class_id", "course_id", "officer_name", "agency_name",
        "course_title", "course_code", "hours", "instructor_name", "issued_on", "expires_on")}
    rows = []
    for n in reversed(range(count)):  # inserted against serial order
        pdf = real.pdf + f"\n% copy {n}\n".encode()
        rows.append(dict(copied, serial=f"{real.serial}-{n:03d}", code_sha256=hashlib.sha256(b"%d" % n).hexdigest(),
                         pdf=pdf, pdf_sha256=hashlib.sha256(pdf).hexdigest(), pdf_size=len(pdf),
                         pdf_crc32=zlib.crc32(pdf), superseded_at=real.created_at, supersede_reason="test copy"))
    db.session.execute(sa.insert(Certificate), rows)
    db.session.commit()

    response = client_for(app, make.user(Role.ADMIN)).get(f"/certificates/classes/{tc.id}/certificates.zip")
    archive, manifest = read_zip(response)
    stored = {c.serial: c for c in db.session.scalars(sa.select(Certificate).where(Certificate.class_id == tc.id))}
    assert [row["serial"] for row in manifest] == sorted(stored) and len(stored) == count + 1
    assert archive.namelist() == [row["file"] for row in manifest] + ["manifest.csv"]
    for row in manifest:
        certificate, info = stored[row["serial"]], archive.getinfo(row["file"])
        assert archive.read(info) == certificate.pdf
        assert info.CRC == certificate.pdf_crc32 == zlib.crc32(certificate.pdf)
        assert row["sha256"] == hashlib.sha256(certificate.pdf).hexdigest()


def test_cli_export_and_revoke(app, two_agencies, tmp_path):
    w = two_agencies
    runner = app.test_cli_runner()
    result = runner.invoke(args=["certificates", "export", "--out", str(tmp_path / "out"), "--agency", "agency b county"])
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    manifest = list(csv.DictReader(io.StringIO((tmp_path / "out" / "manifest.csv").read_text("utf-8-sig"))))
    assert [r["serial"] for r in manifest] == [w["cert_b"].serial]
    assert files == sorted([manifest[0]["file"], "manifest.csv"])
    assert (tmp_path / "out" / manifest[0]["file"]).read_bytes() == w["cert_b"].pdf

    result = runner.invoke(args=["certificates", "export", "--out", str(tmp_path / "cls"), "--class", str(w["shared"].id)])
    assert result.exit_code == 0 and "Wrote 2 certificate(s)" in result.output

    for args, reason in [(["--agency", "Nowhere County"], "No agency is named 'Nowhere County'."),
                         (["--class", "999999"], "No class has id 999999.")]:
        result = runner.invoke(args=["certificates", "export", "--out", str(tmp_path / "x"), *args])
        assert result.exit_code != 0
        assert result.output.strip().splitlines() == [f"Error: {reason}"]

    result = runner.invoke(args=["certificates", "revoke", w["cert_a"].serial, "--reason", "Officer resigned",
                                 "--category", "left_agency"])
    assert result.exit_code == 0, result.output
    cert = db.session.get(Certificate, w["cert_a"].id)
    assert cert.status == CertificateStatus.REVOKED and cert.revocation_reason == "Officer resigned"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "certificate_revoked"))
    assert event.details["via"] == "cli" and event.details["serial"] == cert.serial

    again = runner.invoke(args=["certificates", "revoke", cert.serial, "--reason", "x"])
    assert again.exit_code != 0 and "already revoked" in again.output
    unknown = runner.invoke(args=["certificates", "revoke", "287G-1999-000001", "--reason", "x"])
    assert unknown.exit_code != 0 and "No certificate has serial" in unknown.output
    missing_reason = runner.invoke(args=["certificates", "revoke", w["cert_b"].serial])
    assert missing_reason.exit_code != 0


def test_admin_revokes_with_confirmation_and_lists_by_status(app, two_agencies, make):
    w = two_agencies
    admin = client_for(app, w["users"]["admin"])
    cert = w["cert_a"]
    form = admin.get(f"/admin/certificates/{cert.id}/revoke")
    assert form.status_code == 200 and b"cannot be undone" in form.data
    bad = admin.post(f"/admin/certificates/{cert.id}/revoke", data={"category": "nonsense", "reason": "x"})
    assert bad.status_code == 200 and b"There are" in bad.data
    assert db.session.get(Certificate, cert.id).revoked_at is None
    done = admin.post(f"/admin/certificates/{cert.id}/revoke",
                      data={"category": "misconduct", "reason": "Case 12", "confirm": "y"})
    assert done.status_code == 302
    assert db.session.get(Certificate, cert.id).status == CertificateStatus.REVOKED

    revoked = admin.get("/admin/certificates/", query_string={"status": "revoked"}).data
    assert cert.serial.encode() in revoked and w["cert_b"].serial.encode() not in revoked
    by_agency = admin.get("/admin/certificates/", query_string={"agency_id": w["b"].id}).data
    assert w["cert_b"].serial.encode() in by_agency and cert.serial.encode() not in by_agency
    assert f"/certificates/agencies/{w['b'].id}/certificates.zip".encode() in by_agency
    nonsense = admin.get("/admin/certificates/", query_string={"status": "bogus", "agency_id": "x", "page": "-3"})
    assert nonsense.status_code == 200
