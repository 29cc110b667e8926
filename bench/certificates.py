"""Certificate benchmarks (`make bench`): not tests, figures.

1. Issuing one certificate (snapshot, serial, code, HTML, PDF, signature, hash, INSERT, COMMIT)
   against rendering the same HTML alone with `render_pdf` as the issue calls it (fonts kept from
   the thread's last render): median of N runs each, and their ratio (target <= 1.3), what the
   issue adds to its own render. Also against WeasyPrint's default, a new font configuration per
   document (`render_pdf` with a fetcher of its own: `ratio_vs_bare_weasyprint`); and the PAdES
   signature alone against the render (`sign_vs_render`) and its share of the issue time
   (`sign_share_of_issue`). Each run times the four on the same HTML, one after the other; the
   first run only warms up.
2. A ZIP of 100 and of 1,000 stored certificates, written to a file, three ways: through the
   real download view (admin, class ZIP, test client) reading the PDFs' disk copies (files.py);
   planned and streamed as the view does, without the view; and through the view with the copies
   turned off (every PDF from the database). Median time of BENCH_ZIP_RUNS runs each. Disk-copy
   speed is measured two ways, median of as many runs: `shutil.copyfile` of one file the size of
   the archive, and gathering the same PDF files into one file with sendfile (the same input and
   output as the view, without the archive and the web stack); the ratios to both are given
   (1.0 = that speed). Then the peak Python memory (tracemalloc) of one more run of each way, and
   of a ZIP of 5,000, which should stop growing with the count (it is bounded by the batches and
   the spools). (What the database driver allocates in C is not traced: at most one batch of
   PDFs.) For scale, also the time to only read the same rows and PDFs from the database (no
   archive, no file): the floor of a ZIP made without disk copies.
3. The 1,000-certificate ZIP downloaded from gunicorn over loopback, against a static file of the
   same size from the same server (sent with sendfile): the disk-copy speed of the stack a
   deployment runs (bench/served_app.py).

Each measurement is printed as one JSON line and appended to bench/results.json.
Database: a temporary SQLite file, or BENCH_DATABASE_URL (e.g. a PostgreSQL database to fill;
`make bench` points it at the full-size one). Every run adds its own rows, named apart (RUN), so
the bench can run again on the same database.
The machine may be shared: the load average is recorded at the start and the end.
"""
from __future__ import annotations

import gc
import hashlib
import http.client
import itertools
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
import zlib
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa

from bench import databases
from bench.report import emit, environment, gated, load_average, quiet_start

RUNS = int(os.environ.get("BENCH_RUNS", "10"))
ZIP_RUNS = int(os.environ.get("BENCH_ZIP_RUNS", "5"))
MEMORY_COUNT = 5000  # a third, larger ZIP measured for peak memory only
RUN = secrets.token_hex(2).upper()[:3]  # in this run's names, serials and codes
_numbers = itertools.count(1)


def email(role: str) -> str:
    return f"{role}-{RUN.lower()}-{next(_numbers)}@bench.example.test"  # sign-in looks it up lower-cased


def make_app(url: str, copies: Path):
    databases.migrate(url)  # a no-op on a database bench.generate made
    return databases.bench_app(url, CERTIFICATE_FILES=str(copies))


def bench_issue(app) -> dict:
    from portal.auth.roles import Role
    from portal.certificates import codes, services
    from portal.certificates.pdf import CertificatePdfValues, CertificateUrlFetcher, build_certificate_html, render_pdf
    from portal.classes.models import EnrollmentStatus
    from portal.extensions import db
    from portal.timeutil import utcnow
    from tests import factories

    start = quiet_start()
    with app.app_context():
        course = factories.course(weeks=1, modules_per_week=1, lessons_per_module=1, code=f"BENCH-{RUN}")
        tc = factories.training_class(course, instructors=[factories.user(Role.INSTRUCTOR, email=email("instructor"))])
        agency = factories.agency(name=f"Bench agency {RUN}")
        enrollment_ids = []
        for _ in range(RUNS + 1):
            enrollment = factories.enrollment(factories.user(Role.OFFICER, agency=agency, email=email("officer")), tc,
                                              status=EnrollmentStatus.COMPLETED)
            enrollment.completed_at = utcnow()
            enrollment_ids.append(enrollment.id)
        db.session.commit()

        from portal.certificates.signing import signer_of_app
        from portal.classes.models import Enrollment

        issue_times, render_times, bare_times, sign_times = [], [], [], []
        identical = True
        for index, enrollment_id in enumerate(enrollment_ids):
            enrollment = db.session.get(Enrollment, enrollment_id)
            gc.collect()
            started = time.perf_counter()
            certificate = services.issue(enrollment)
            db.session.commit()
            issued_in = time.perf_counter() - started
            # The same HTML the service rendered, rebuilt from the stored snapshot.
            values = CertificatePdfValues(
                serial=certificate.serial, verification_code=codes.grouped(certificate.issued_code),
                verify_url=services.verify_url(certificate.issued_code), officer_name=certificate.officer_name,
                agency_name=certificate.agency_name, course_title=certificate.course_title,
                course_code=certificate.course_code, hours=certificate.hours,
                instructor_name=certificate.instructor_name, issued_on=certificate.issued_on,
                expires_on=certificate.expires_on,
            )
            html = build_certificate_html(values)
            gc.collect()
            started = time.perf_counter()
            pdf = render_pdf(html)
            rendered_in = time.perf_counter() - started
            gc.collect()
            started = time.perf_counter()
            bare = render_pdf(html, url_fetcher=CertificateUrlFetcher())
            bare_in = time.perf_counter() - started
            # The stored file is the rendered one plus the signature's incremental update.
            identical &= certificate.pdf.startswith(pdf) and bare == pdf
            gc.collect()
            started = time.perf_counter()
            signer_of_app().sign(pdf)
            signed_in = time.perf_counter() - started
            if index == 0:
                continue  # warm-up (fonts, templates, first connection)
            issue_times.append(issued_in)
            render_times.append(rendered_in)
            bare_times.append(bare_in)
            sign_times.append(signed_in)
        db.session.remove()
    issue_median, render_median = statistics.median(issue_times), statistics.median(render_times)
    bare_median, sign_median = statistics.median(bare_times), statistics.median(sign_times)
    return dict(name="issue_vs_bare_render", runs=len(issue_times), issue_median_s=round(issue_median, 4),
                bare_render_median_s=round(bare_median, 4), render_median_s=round(render_median, 4),
                **gated(round(issue_median / render_median, 3), start),
                ratio_vs_bare_weasyprint=gated(round(issue_median / bare_median, 3), start)["ratio"], **start,
                load_average_at_end=load_average(),
                sign_median_s=round(sign_median, 4), sign_vs_render=round(sign_median / render_median, 3),
                sign_share_of_issue=round(sign_median / issue_median, 3),
                target_ratio=1.3, same_bytes_as_stored=identical)


def fill_class(app, count: int, label: str) -> tuple[int, int]:
    """`count` stored certificates in a new class (rows copied from one real PDF, each made
    distinct so the SHA-256 stays unique). Returns (class id, bytes per PDF)."""
    from portal.certificates.models import Certificate
    from portal.classes.models import EnrollmentStatus
    from portal.extensions import db
    from portal.timeutil import utcnow
    from tests import factories

    with app.app_context():
        sample = db.session.scalar(sa.select(Certificate).limit(1))
        pdf, template = sample.pdf, {c: getattr(sample, c) for c in (
            "officer_id", "agency_id", "course_id", "officer_name", "agency_name", "course_title",
            "course_code", "hours", "instructor_name", "issued_on", "expires_on")}
        tc = factories.training_class(sample.enrollment.training_class.course)
        enrollment = factories.enrollment(factories.user(agency=sample.officer.agency, email=email("officer")), tc,
                                          status=EnrollmentStatus.COMPLETED)
        db.session.commit()
        rows = []
        for n in range(count):
            body = pdf + f"\n% bench {RUN} {label} {n}\n".encode()
            rows.append(dict(template, serial=f"287G-1990-{RUN}{label}{n:05d}",
                             code_sha256=hashlib.sha256(f"{RUN}{label}{n}".encode()).hexdigest(),
                             enrollment_id=enrollment.id, class_id=tc.id, pdf=body,
                             pdf_sha256=hashlib.sha256(body).hexdigest(), pdf_size=len(body),
                             pdf_crc32=zlib.crc32(body),
                             created_at=utcnow(), superseded_at=utcnow(), supersede_reason="bench",
                             revocation_reason=""))
            if len(rows) == 200:
                db.session.execute(sa.insert(Certificate), rows)
                rows = []
        if rows:
            db.session.execute(sa.insert(Certificate), rows)
        db.session.commit()
        return tc.id, len(pdf)


def new_admin(app) -> str:
    """A new administrator (password factories.PASSWORD); returns the email."""
    from portal.auth.roles import Role
    from portal.extensions import db
    from tests import factories

    with app.app_context():
        admin = factories.user(Role.ADMIN, email=email("admin"))
        db.session.commit()
        return admin.email


def admin_client(app):
    from tests import factories

    client = app.test_client()
    assert client.post("/login", data={"email": new_admin(app), "password": factories.PASSWORD}).status_code == 302
    return client


def view_download(app, client, class_id: int):
    """The class ZIP through the real view, as the chunks the response body yields."""
    response = client.get(f"/certificates/classes/{class_id}/certificates.zip", buffered=False)
    assert response.status_code == 200
    try:
        yield from response.response
    finally:
        response.close()


def class_entries(app, class_id: int):
    """The class's certificates as the ZIP reads them, on a session of its own (as the view's)."""
    from sqlalchemy.orm import Session

    from portal.certificates import zips
    from portal.certificates.files import PdfFiles
    from portal.certificates.models import Certificate
    from portal.extensions import db

    with app.app_context():
        bind, files = db.engine, PdfFiles.of_app()
    with Session(bind=bind) as session:
        yield from zips.entries(Certificate.class_id == class_id, session=session, files=files)


def class_pdf_copies(app, class_id: int) -> list[str]:
    from portal.certificates.files import PdfFiles
    from portal.certificates.models import Certificate
    from portal.extensions import db

    with app.app_context():
        files = PdfFiles.of_app()
        digests = db.session.scalars(sa.select(Certificate.pdf_sha256).where(Certificate.class_id == class_id)
                                     .order_by(Certificate.serial)).all()
        db.session.remove()
    return [files.path(digest) for digest in digests]


@contextmanager
def copies_off(app):
    kept = app.config["CERTIFICATE_FILES"]
    app.config["CERTIFICATE_FILES"] = ""
    try:
        yield
    finally:
        app.config["CERTIFICATE_FILES"] = kept


def view_download_from_database(app, client, class_id: int):
    with copies_off(app):
        yield from view_download(app, client, class_id)


def raw_generator(app, client, class_id: int):
    """The same archive planned and streamed as the view does, without the view."""
    from sqlalchemy.orm import Session

    from portal.certificates import zips
    from portal.certificates.files import PdfFiles
    from portal.certificates.models import Certificate
    from portal.extensions import db

    with app.app_context():
        bind, files = db.engine, PdfFiles.of_app()
    with Session(bind=bind) as session:
        download = zips.ZipDownload(zips.rows(Certificate.class_id == class_id, connection=session.connection()))
        try:
            yield from download.stream(session.connection(), files)
        finally:
            download.close()


def median_read_time(app, class_id: int) -> float:
    times = []
    with copies_off(app):
        for _ in range(ZIP_RUNS + 1):
            gc.collect()
            started = time.perf_counter()
            for _entry in class_entries(app, class_id):
                pass
            times.append(time.perf_counter() - started)
    return statistics.median(times[1:])  # the first warms up


def write_out(chunks, out: Path) -> tuple[float, int]:
    """Write `chunks` into a new file `out`; returns (seconds, bytes)."""
    out.unlink(missing_ok=True)
    gc.collect()
    started = time.perf_counter()
    size = 0
    with out.open("wb") as sink:
        for chunk in chunks:
            sink.write(chunk)
            size += len(chunk)
    return time.perf_counter() - started, size


def peak_traced_memory(chunks, out: Path) -> int:
    """Peak traced Python bytes while writing one archive."""
    out.unlink(missing_ok=True)
    gc.collect()
    tracemalloc.start()
    write_out(chunks, out)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def median_copy_time(copy, target: Path) -> float:
    times = []
    for _ in range(ZIP_RUNS):
        target.unlink(missing_ok=True)
        gc.collect()
        started = time.perf_counter()
        copy(target)
        times.append(time.perf_counter() - started)
    target.unlink(missing_ok=True)
    return statistics.median(times)


def gather(sources: list[str], target: Path) -> None:
    """The files one after the other into `target`, copied by the kernel."""
    with target.open("wb") as out:
        for source in sources:
            with open(source, "rb") as pdf:
                size, sent = os.fstat(pdf.fileno()).st_size, 0
                while sent < size:
                    sent += os.sendfile(out.fileno(), pdf.fileno(), sent, size - sent)


def bench_zip(app, workdir: Path) -> list[dict]:
    client = admin_client(app)
    ways = {"view": view_download, "raw": raw_generator, "view_database": view_download_from_database}
    measured = []
    for count in (100, 1000):
        class_id, pdf_bytes = fill_class(app, count, "A" if count == 100 else "B")
        out = workdir / f"zip-{count}.zip"
        figures = dict(name="zip_stream", certificates=count, pdf_bytes=pdf_bytes, runs=ZIP_RUNS,
                       load_average_1min=round(os.getloadavg()[0], 2))
        for way, chunks in ways.items():
            write_out(chunks(app, client, class_id), out)  # warm-up: page cache, plans
            runs = [write_out(chunks(app, client, class_id), out) for _ in range(ZIP_RUNS)]
            seconds, size = statistics.median(t for t, _ in runs), runs[0][1]
            peak = peak_traced_memory(chunks(app, client, class_id), out)
            figures.update({"zip_bytes": size, f"{way}_median_s": round(seconds, 4),
                            f"{way}_mb_per_s": round(size / seconds / 1e6, 1),
                            f"{way}_peak_traced_mb": round(peak / 1e6, 2)})
        copy_s = median_copy_time(partial(shutil.copyfile, out), workdir / "copy.bin")
        gather_s = median_copy_time(partial(gather, class_pdf_copies(app, class_id)), workdir / "gathered.bin")
        read_s = median_read_time(app, class_id)
        figures.update(read_only_median_s=round(read_s, 4),
                       copy_median_s=round(copy_s, 4), copy_mb_per_s=round(figures["zip_bytes"] / copy_s / 1e6, 1),
                       gather_files_median_s=round(gather_s, 4),
                       **{f"{way}_vs_copy": round(figures[f"{way}_median_s"] / copy_s, 2) for way in ways},
                       **{f"{way}_vs_gather_files": round(figures[f"{way}_median_s"] / gather_s, 2) for way in ways})
        measured.append(figures)
    served_class_id = class_id
    # Memory only, at a larger count: the peak must stop growing once the spools are on disk.
    class_id, _ = fill_class(app, MEMORY_COUNT, "C")
    out = workdir / f"zip-{MEMORY_COUNT}.zip"
    write_out(view_download(app, client, class_id), out)  # writes the disk copies, as a first download does
    largest = {f"{way}_peak_traced_mb": round(peak_traced_memory(chunks(app, client, class_id), out) / 1e6, 2)
               for way, chunks in ways.items()}
    small, large = measured
    measured.append(dict(
        name="zip_memory_vs_count", certificates=[100, 1000, MEMORY_COUNT],
        bytes_ratio_1000_vs_100=round(large["zip_bytes"] / small["zip_bytes"], 2),
        **{key: [small[key], large[key], largest[key]] for key in largest},
    ))
    return measured, served_class_id


def bench_served(url: str, workdir: Path, class_id: int, email: str) -> dict:
    """The 1,000-certificate ZIP downloaded from gunicorn over loopback (an admin's session, the
    whole body read), against a static file of the same size from the same server (sendfile):
    median of BENCH_ZIP_RUNS downloads each, after one of each to warm up."""
    from bench import load
    from tests.factories import PASSWORD

    static = workdir / "static"
    static.mkdir()
    port = load.free_port()
    base = f"http://127.0.0.1:{port}"
    log = workdir / "gunicorn.log"
    server = load.gunicorn("bench.served_app:app", port, log, BENCH_DATABASE_URL=url,
                           BENCH_CERTIFICATE_FILES=str(workdir / "certificate-files"), BENCH_STATIC=str(static))
    try:
        load.wait_until_up(base, server, log)
        # http.client reading into one buffer: the least a client can do, so that the figures are
        # the server's (httpx, say, takes longer than the server to take in a static file).
        login = http.client.HTTPConnection("127.0.0.1", port)
        login.request("POST", "/login", urlencode({"email": email, "password": PASSWORD}),
                      {"Content-Type": "application/x-www-form-urlencoded"})
        response = login.getresponse()
        response.read()
        assert response.status == 302, response.status
        cookie = response.getheader("Set-Cookie").split(";")[0]
        zip_path = f"/certificates/classes/{class_id}/certificates.zip"
        buffer = bytearray(1 << 20)

        def download(path: str) -> tuple[float, int]:
            connection = http.client.HTTPConnection("127.0.0.1", port)
            started = time.perf_counter()
            connection.request("GET", path, headers={"Cookie": cookie})
            response = connection.getresponse()
            assert response.status == 200, (path, response.status)
            received = 0
            while count := response.readinto(buffer):
                received += count
            assert received == int(response.getheader("Content-Length")), path
            connection.close()
            return time.perf_counter() - started, received

        _, size = download(zip_path)
        (static / "same-size.bin").write_bytes(os.urandom(size))
        times = {}
        for name, path in (("zip", zip_path), ("static_file", "/static/same-size.bin")):
            download(path)
            times[name] = statistics.median(download(path)[0] for _ in range(ZIP_RUNS))
    finally:
        load.stop(server)
    return dict(name="zip_served", certificates=1000, zip_bytes=size, runs=ZIP_RUNS,
                server=f"gunicorn {load.WORKERS} workers x {load.THREADS} threads, loopback",
                zip_median_s=round(times["zip"], 4), zip_mb_per_s=round(size / times["zip"] / 1e6, 1),
                static_file_median_s=round(times["static_file"], 4),
                zip_vs_static_file=round(times["zip"] / times["static_file"], 2),
                load_average_1min=round(os.getloadavg()[0], 2))


def main(argv: list[str] | None = None) -> int:
    """`--issue-only`: the first part alone (about a minute less on a shared machine)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as tmp:
        workdir = Path(tmp)
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{workdir / 'bench.db'}"
        app = make_app(url, workdir / "certificate-files")
        emit(name="certificates_environment", **environment(url.split(":", 1)[0]))
        emit(**bench_issue(app))
        if "--issue-only" in (argv or []):
            return 0
        measured, served_class_id = bench_zip(app, workdir)
        for measurement in measured:
            emit(**measurement)
        emit(**bench_served(url, workdir, served_class_id, new_admin(app)))
        emit(name="load_average_at_end", load_average=list(os.getloadavg()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
