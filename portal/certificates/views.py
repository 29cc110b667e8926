import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import Session

from portal.access import public, roles
from portal.agencies.models import Agency
from portal.audit.services import record
from portal.auth.roles import Role
from portal.certificates import codes, credentials, services, zips
from portal.certificates.files import PdfFiles
from portal.certificates.forms import (CertificateFilterForm, ReissueForm, RevokeForm, VerifyCodeForm,
                                       VerifyCredentialForm, VerifyUploadForm)
from portal.certificates.models import Certificate, CertificateStatus, RevocationReason, status_clause
from portal.classes.models import Enrollment, TrainingClass
from portal.auth.models import User
from portal.extensions import db, limit_from_config, limiter
from portal.ids import parse_id
from portal.pagination import paginate
from portal.timeutil import today

bp = Blueprint("certificates", __name__, template_folder="templates")

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
NO_INDEX = {"X-Robots-Tag": "noindex, nofollow"}


# --- public verification ----------------------------------------------------------------------

def verification_page(certificate: Certificate | None, *, uploaded: bool = False, signature=None,
                      code: str | None = None, credential: credentials.CredentialCheck | None = None):
    """The result page of a code lookup, an uploaded PDF or a checked credential. `signature` is
    what an uploaded file's signature says; otherwise the page tells who signed at issue (never
    reading the PDF). Certificates issued before signing show as unsigned. `code` (a code lookup)
    offers the digital credential's download."""
    if certificate is None:
        if credential is not None:
            return render_template("certificates/verify_credential_unknown.html"), 404, NO_INDEX
        if uploaded:
            return render_template("certificates/verify_upload_unknown.html", form=VerifyUploadForm()), 404, NO_INDEX
        # Unknown and malformed codes: the same status and the same body (the code is not echoed).
        return render_template("certificates/verify_not_found.html", code_form=VerifyCodeForm(formdata=None)), 404, NO_INDEX
    return render_template("certificates/verify_result.html", certificate=certificate,
                           status=credential.status if credential else certificate.status,
                           successor=certificate.superseded_by, uploaded=uploaded, credential=credential,
                           code=code, signature=signature), 200, NO_INDEX


# One budget per client address for both verification pages (codes are unguessable; this slows scraping).
verify_throttle = limiter.shared_limit(**limit_from_config("VERIFY_RATE_LIMIT"), scope="verify")


@bp.route("/verify", methods=["GET", "POST"])
@public
@verify_throttle
def verify():
    upload_form = VerifyUploadForm()
    if request.method == "POST":
        if upload_form.validate_on_submit():
            data = upload_form.pdf.data.read(MAX_UPLOAD_BYTES + 1)
            if len(data) > MAX_UPLOAD_BYTES:
                upload_form.pdf.errors.append("The file is larger than any certificate the portal issues.")
            else:
                certificate, signature = services.find_issued_pdf(data) or (None, None)
                return verification_page(certificate, uploaded=True, signature=signature)
        return verify_form_page(upload_form=upload_form)
    if "code" in request.args:
        code = request.args.get("code", "")
        return verification_page(services.find_by_code(code), code=codes.normalise(code))
    return verify_form_page()


def verify_form_page(upload_form=None, credential_form=None):
    """The three ways to verify; 400 when the submitted one has errors (`form=`: the layout's title
    then starts with "Error: ")."""
    submitted = upload_form or credential_form
    return render_template(
        "certificates/verify_form.html", code_form=VerifyCodeForm(formdata=None), form=submitted,
        upload_form=upload_form or VerifyUploadForm(formdata=None),
        credential_form=credential_form or VerifyCredentialForm(formdata=None),
    ), 400 if submitted else 200, NO_INDEX


@bp.get("/verify/<path:code>")  # path: a code with a slash is "not found" like any other
@public
@verify_throttle
def verify_code(code: str):
    return verification_page(services.find_by_code(code), code=codes.normalise(code))


# --- digital credentials (Open Badges 3.0, see credentials.py) ------------------------------------

def credential_response(certificate: Certificate) -> Response:
    return Response(credentials.issue(certificate), mimetype=credentials.MEDIA_TYPE, headers={
        "Content-Disposition": f'attachment; filename="{certificate.serial}.jwt"',
        "Cache-Control": "no-store", **NO_INDEX,
    })


@bp.get("/verify/<code>/credential")
@public
@verify_throttle
def verify_code_credential(code: str):
    certificate = services.find_by_code(code)
    return verification_page(None) if certificate is None else credential_response(certificate)


@bp.get("/certificates/<int:certificate_id>/credential")
@roles(Role.OFFICER, Role.COORDINATOR, Role.ADMIN)
def credential_download(certificate_id: int):
    return credential_response(visible_certificate(certificate_id))


@bp.get("/.well-known/jwks.json")
@public
def jwks():
    """The public keys credentials are signed with (current and previous), by kid."""
    return jsonify(credentials.keys_of_app().jwks()), 200, {"Cache-Control": "public, max-age=300"}


@bp.get("/credentials/status/revocation")
@public
def credential_status_list():
    """The revocation list every credential's credentialStatus points at."""
    return Response(credentials.status_list(), mimetype=credentials.MEDIA_TYPE,
                    headers={"Cache-Control": "public, max-age=300"})


@bp.post("/verify/credential")
@public
@verify_throttle
def verify_credential():
    form = VerifyCredentialForm()
    if not form.validate_on_submit():
        return verify_form_page(credential_form=form)
    token = form.credential.data or ""
    if form.credential_file.data:
        token = form.credential_file.data.read(credentials.MAX_TOKEN_CHARS + 1).decode("utf-8", "replace")
    result = credentials.check(token)
    return verification_page(result.certificate, credential=result)


# --- downloads ----------------------------------------------------------------------------------

def visible_certificate(certificate_id: int) -> Certificate:
    """Officers see their own, coordinators their agency's, admins all; anything else is a 404."""
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None:
        abort(404)
    if current_user.role == Role.OFFICER and certificate.officer_id != current_user.id:
        abort(404)
    if current_user.role == Role.COORDINATOR and (
        current_user.agency_id is None or certificate.agency_id != current_user.agency_id
    ):
        abort(404)
    return certificate


def pdf_response(certificate: Certificate) -> Response:
    return Response(certificate.pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{certificate.download_name}"',
        "Cache-Control": "no-store",
        "Content-Length": str(certificate.pdf_size),
    })


@bp.get("/certificates/<int:certificate_id>/download")
@roles(Role.OFFICER, Role.COORDINATOR, Role.ADMIN)
def download(certificate_id: int):
    return pdf_response(visible_certificate(certificate_id))


def zip_response(filename: str, *conditions) -> Response:
    """Plan the ZIP now (its rows, not its PDFs: see ZipDownload) and stream it. The stream runs
    after the view has returned, so it reads the PDFs through a database session of its own (not
    tied to the request's application context)."""
    download = zips.ZipDownload(zips.rows(*conditions, connection=db.session.connection()))
    bind, files = db.engine, PdfFiles.of_app()

    def generate():
        # Nothing is opened until the server asks for the body past this first, empty chunk
        # (servers skip empty chunks; a test client that reads only the headers stops here).
        yield b""
        with Session(bind=bind) as session:
            yield from download.stream(session.connection(), files)

    response = Response(generate(), mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
        "Content-Length": str(download.size),
    })
    response.call_on_close(download.close)
    return response


def coordinator_scope() -> list:
    if current_user.role == Role.COORDINATOR:
        if current_user.agency_id is None:
            abort(404)
        return [Certificate.agency_id == current_user.agency_id]
    return []


@bp.get("/certificates/agencies/<int:agency_id>/certificates.zip")
@roles(Role.COORDINATOR, Role.ADMIN)
def agency_zip(agency_id: int):
    agency = db.session.get(Agency, agency_id)
    if agency is None or (current_user.role == Role.COORDINATOR and agency.id != current_user.agency_id):
        abort(404)
    record("certificates_zip_downloaded", agency, scope="agency")
    db.session.commit()
    return zip_response(f"certificates-agency-{agency.id}-{today().isoformat()}.zip",
                        Certificate.agency_id == agency.id)


@bp.get("/certificates/classes/<int:class_id>/certificates.zip")
@roles(Role.COORDINATOR, Role.ADMIN)
def class_zip(class_id: int):
    training_class = db.session.get(TrainingClass, class_id)
    if training_class is None:
        abort(404)
    scope = coordinator_scope()
    if scope:  # a coordinator: only a class their agency's officers took, and only their certificates
        taken = db.session.scalar(
            sa.select(sa.func.count()).select_from(Enrollment).join(User, Enrollment.officer_id == User.id)
            .where(Enrollment.class_id == class_id, User.agency_id == current_user.agency_id)
        ) or db.session.scalar(sa.select(sa.func.count(Certificate.id)).where(Certificate.class_id == class_id, *scope))
        if not taken:
            abort(404)
    record("certificates_zip_downloaded", training_class, scope="class")
    db.session.commit()
    return zip_response(f"certificates-class-{training_class.id}-{today().isoformat()}.zip",
                        Certificate.class_id == class_id, *scope)


@bp.get("/certificates/mine")
@roles(Role.OFFICER)
def mine():
    certificates = db.session.scalars(
        sa.select(Certificate).where(Certificate.officer_id == current_user.id)
        .order_by(Certificate.issued_on.desc(), Certificate.id.desc())
    ).all()
    return render_template("certificates/mine.html", certificates=certificates)


# --- coordinators -------------------------------------------------------------------------------

@bp.get("/agency/certificates")
@roles(Role.COORDINATOR)
def agency_certificates():
    agency = current_user.agency
    if agency is None:
        abort(404)
    on = today()
    attention = paginate(services.expiring_for_agency_query(agency.id, on), param="attention")
    page = paginate(sa.select(Certificate).where(Certificate.agency_id == agency.id)
                    .order_by(Certificate.officer_name, Certificate.issued_on.desc()))
    classes = db.session.execute(
        sa.select(TrainingClass, sa.func.count(Certificate.id)).join(Certificate, Certificate.class_id == TrainingClass.id)
        .where(Certificate.agency_id == agency.id).group_by(TrainingClass.id)
        .order_by(TrainingClass.start_date.desc())
    ).all()
    return render_template("certificates/agency.html", agency=agency, page=page, attention=attention,
                           classes=classes, on=on)


# --- administration -----------------------------------------------------------------------------

AGENCY_MATCHES_SHOWN = 10  # agencies offered as links under a typed agency name


@bp.get("/admin/certificates/")
@roles(Role.ADMIN)
def admin_list():
    form = CertificateFilterForm(request.args)
    form.class_id.choices = [(0, "Any class")] + [
        (c.id, f"{c.name} ({c.start_date:%b %Y})")
        for c in db.session.scalars(sa.select(TrainingClass).where(
            TrainingClass.id.in_(sa.select(Certificate.class_id))).order_by(TrainingClass.start_date.desc()))]
    form.validate()  # a bad value drops its own filter (and says why), not the others
    status = form.status.data if not form.status.errors and form.status.data else ""
    class_id = form.class_id.data if not form.class_id.errors and form.class_id.data else 0
    agency_search = form.agency.data or ""
    # One agency by id (?agency_id=): the links this page offers, its pages, bookmarks and older links.
    agency_id_arg = (request.args.get("agency_id") or "").strip()
    agency_id = parse_id(agency_id_arg)
    agency = db.session.get(Agency, agency_id) if agency_id else None

    query = sa.select(Certificate).order_by(Certificate.created_at.desc(), Certificate.id.desc())
    if status:
        query = query.where(status_clause(CertificateStatus(status)))
    if agency is not None:
        query = query.where(Certificate.agency_id == agency.id)
    elif agency_id_arg:  # an unknown or malformed id matches no certificate (the page says so)
        query = query.where(sa.false())
    matches = []
    if agency_search:
        named = sa.select(Agency.id).where(Agency.name.icontains(agency_search, autoescape=True))
        query = query.where(Certificate.agency_id.in_(named))
        matches = db.session.execute(
            sa.select(Agency.id, Agency.name).where(Agency.id.in_(named)).order_by(Agency.name)
            .limit(AGENCY_MATCHES_SHOWN + 1)
        ).all()
    if class_id:
        query = query.where(Certificate.class_id == class_id)
    return render_template(
        "certificates/admin_list.html", page=paginate(query), form=form, agency=agency,
        unknown_agency_id=agency_id_arg if agency_id_arg and agency is None else None,
        matches=matches[:AGENCY_MATCHES_SHOWN], more_matches=len(matches) > AGENCY_MATCHES_SHOWN,
        filters={"status": status or None, "agency": agency_search or None,
                 "agency_id": agency.id if agency else None, "class_id": class_id or None})


@bp.get("/admin/certificates/<int:certificate_id>")
@roles(Role.ADMIN)
def admin_show(certificate_id: int):
    certificate = db.get_or_404(Certificate, certificate_id)
    return render_template("certificates/admin_show.html", certificate=certificate,
                           chain=services.history(certificate))


@bp.route("/admin/certificates/<int:certificate_id>/reissue", methods=["GET", "POST"])
@roles(Role.ADMIN)
def admin_reissue(certificate_id: int):
    certificate = db.get_or_404(Certificate, certificate_id)
    form = ReissueForm()
    if form.validate_on_submit():
        try:
            new = services.reissue(certificate, form.reason.data, actor=current_user)
        except services.CertificateError as exc:
            db.session.rollback()
            form.reason.errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"Certificate {new.serial} issued; {certificate.serial} is now superseded.", "success")
            return redirect(url_for("certificates.admin_show", certificate_id=new.id))
    return render_template("certificates/admin_reissue.html", certificate=certificate, form=form,
                           allowed=certificate.is_current)


@bp.route("/admin/certificates/<int:certificate_id>/revoke", methods=["GET", "POST"])
@roles(Role.ADMIN)
def admin_revoke(certificate_id: int):
    certificate = db.get_or_404(Certificate, certificate_id)
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            services.revoke(certificate, RevocationReason(form.category.data), form.reason.data, actor=current_user)
        except services.CertificateError as exc:
            db.session.rollback()
            form.reason.errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"Certificate {certificate.serial} revoked.", "success")
            return redirect(url_for("certificates.admin_show", certificate_id=certificate.id))
    return render_template("certificates/admin_revoke.html", certificate=certificate, form=form,
                           allowed=certificate.is_current)
