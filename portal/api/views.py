"""/api/v1: read-only JSON for agency systems (agency token) and the program office (program token).

Every view is @public for the portal's session-based access rule: a browser's session never
authorizes here; the Bearer token does (`authenticate` below), and the token's scope says which
resources answer."""
from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus

from flask import Flask, current_app, g, request, url_for
from flask_smorest import Api
from flask_smorest import Blueprint as ApiBlueprint
from werkzeug.exceptions import HTTPException

from portal.access import public
from portal.api import problems, resources, schemas, services
from portal.api.problems import Problem
from portal.certificates import services as certificate_services
from portal.certificates.views import pdf_response, verify_throttle
from portal.extensions import db, limit_from_config, limiter

bp = ApiBlueprint("api", __name__, url_prefix="/api/v1", description="The 287(g) Training Portal's records, read only.")

PUBLIC_ENDPOINTS = {"api.verify"}
TOKEN_REFUSALS = {
    "missing": ("missing-token", "Send the token as `Authorization: Bearer <token>`."),
    "invalid": ("invalid-token", "This token is not one the portal gave out."),
    "revoked": ("revoked-token", "This token was revoked."),
    "expired": ("expired-token", "This token has expired."),
}


class PortalApi(Api):
    """flask-smorest, minus what the portal does itself: errors are answered by this blueprint
    (not for the whole app) and documented as problem documents."""

    def _register_error_handlers(self):
        pass

    def _register_responses(self):
        for status in HTTPStatus:
            if status >= 400:
                self.spec.components.response(status.name, error_doc(status.phrase, status), lazy=True)
        self.spec.components.response("DEFAULT_ERROR", error_doc("Error"), lazy=True)


def error_doc(description: str, status: int | None = None) -> dict:
    doc: dict = {"description": description,
                 "content": {problems.MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    if status == 429:
        doc["headers"] = {"Retry-After": {"description": "Seconds to wait before trying again.",
                                          "schema": {"type": "integer"}}}
    return doc


def install(state) -> None:
    """Build the OpenAPI document when the blueprint is registered (BLUEPRINTS in create_app)."""
    app: Flask = state.app
    api = PortalApi(spec_kwargs={
        "title": "287(g) Training Portal API", "version": "1", "openapi_version": "3.0.3",
        "info": {"description": "Read-only records for agencies' systems and the program office. "
                                "See /api/docs."},
    })
    api.init_app(app)
    app.cli.commands.pop("openapi", None)  # flask-smorest's; the document is served at /api/v1/openapi.json
    api.spec.components.schema("Problem", schema=schemas.Problem)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    app.extensions["flask-smorest"]["blp_name_to_api"][bp.name] = api
    bp.register_views_in_doc(api, app, api.spec, name=bp.name, parameters=None)
    app.extensions["portal_api"] = api


def token_key() -> str:
    token = g.get("api_token")
    return f"api-token:{token.id}" if token is not None else f"api-address:{request.remote_addr}"


# One budget per token for every token operation; shared storage with the rest (REDIS_URL).
token_limit = limiter.shared_limit(**limit_from_config("API_RATE_LIMIT"), scope="api", key_func=token_key)


@bp.before_request
def authenticate():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    try:
        token = services.authenticate(raw.strip() if scheme.lower() == "bearer" else None)
    except services.Refused as refused:
        db.session.commit()  # the audit of a revoked or expired token's use
        slug, detail = TOKEN_REFUSALS[refused.reason]
        raise Problem(401, slug, detail) from None
    db.session.commit()  # last_used_at
    g.api_token = token


@bp.errorhandler(HTTPException)
def answer_problem(exc: HTTPException):
    response = problems.from_exception(exc)
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="287g-portal"'
    return response


@bp.after_request
def conditional(response):
    """ETag on every JSON answer; If-None-Match with it answers 304 without the body."""
    if request.method == "GET" and response.status_code == 200 and response.mimetype == "application/json":
        response.headers["Cache-Control"] = "private, no-cache"
        response.add_etag()
        response.make_conditional(request)
    return response


def agency_scope():
    token = g.api_token
    if token.is_program:
        raise Problem(403, "agency-token-needed", "This resource answers an agency's token; this is a program token.")
    return token.agency


def program_scope() -> None:
    if not g.api_token.is_program:
        raise Problem(403, "program-token-needed", "This resource answers a program token; this is an agency's token.")


SECURED: dict[str, list[dict[str, list[str]]]] = {"security": [{"bearerAuth": []}]}


def operation(schema, summary: str, content_type: str | None = None) -> Callable:
    """A token operation: documented with its answers, rate limited per token."""
    def decorate(view: Callable) -> Callable:
        for status in ("UNAUTHORIZED", "FORBIDDEN", "TOO_MANY_REQUESTS"):
            view = bp.alt_response(HTTPStatus[status].value, response=status)(view)
        view = bp.alt_response(304, description="Not modified (If-None-Match named the current ETag).")(view)
        view = bp.doc(summary=summary, **SECURED)(view)
        view = bp.response(200, schema, content_type=content_type)(view)
        return public(token_limit(view))
    return decorate


def listing(listing: resources.Listing, agency, args: dict) -> dict:
    items, after = resources.page(listing, agency, args)
    following = None
    if after is not None:
        query = {k: v for k, v in request.args.items() if k != "cursor"}
        following = url_for(str(request.endpoint), **(request.view_args or {}), **query,
                            cursor=resources.encode_cursor(after), _external=True)
    return {"items": items, "next": following}


# --- agency token ------------------------------------------------------------------------------------

@bp.get("/officers")
@bp.arguments(schemas.ListArgs, location="query")
@operation(schemas.page_of(schemas.Officer), "The agency's officers, with each one's status")
def officers(args):
    return listing(resources.OFFICERS, agency_scope(), args)


@bp.get("/enrollments")
@bp.arguments(schemas.ListArgs, location="query")
@operation(schemas.page_of(schemas.Enrollment),
           "The agency's officers' enrollments: progress per week, each exam's grade that counts")
def enrollments(args):
    return listing(resources.ENROLLMENTS, agency_scope(), args)


@bp.get("/nominations")
@bp.arguments(schemas.ListArgs, location="query")
@operation(schemas.page_of(schemas.Nomination), "The agency's nominations")
def nominations(args):
    return listing(resources.NOMINATIONS, agency_scope(), args)


@bp.get("/certificates")
@bp.arguments(schemas.ListArgs, location="query")
@operation(schemas.page_of(schemas.Certificate), "The agency's certificates")
def certificates(args):
    return listing(resources.CERTIFICATES, agency_scope(), args)


def agency_certificate(serial: str):
    found = resources.agency_certificate(agency_scope(), serial)
    if found is None:
        raise Problem(404, "not-found", "Nothing here matches, or it is outside this token's agency.")
    return found


@bp.get("/certificates/<path:serial>")  # path: a serial with a slash is "not found" like any other
@operation(schemas.Certificate, "One of the agency's certificates")
@bp.alt_response(404, response="NOT_FOUND")
def certificate(serial: str):
    return resources.certificate_item(*agency_certificate(serial))


@bp.get("/certificates/<path:serial>/pdf")
@operation({"type": "string", "format": "binary"}, "The certificate's PDF: exactly the bytes of the portal's download",
           content_type="application/pdf")
@bp.alt_response(404, response="NOT_FOUND")
def certificate_pdf(serial: str):
    return pdf_response(agency_certificate(serial)[0])


# --- agency or program token -------------------------------------------------------------------------

@bp.get("/classes")
@bp.arguments(schemas.ListArgs, location="query")
@operation(schemas.page_of(schemas.TrainingClass),
           "Classes: with an agency's token, those its officers are enrolled in; with a program token, all")
def classes(args):
    return listing(resources.CLASSES, g.api_token.agency, args)


# --- program token ----------------------------------------------------------------------------------

@bp.get("/agencies")
@bp.arguments(schemas.ListArgs, location="query")
@operation(schemas.page_of(schemas.Agency), "Agencies, with their current agreement's status and dates")
def agencies(args):
    program_scope()
    return listing(resources.AGENCIES, None, args)


@bp.get("/applications")
@bp.arguments(schemas.ListArgs, location="query")
@operation(schemas.page_of(schemas.Application), "Every application (agreement), with its status and dates")
def applications(args):
    program_scope()
    return listing(resources.APPLICATIONS, None, args)


@bp.get("/figures")
@operation(schemas.Figures, "The program figures of the reports page")
def figures():
    program_scope()
    return resources.figures()


# --- public -----------------------------------------------------------------------------------------

@bp.get("/verify/<path:code>")
@bp.response(200, schemas.Verification)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(429, response="TOO_MANY_REQUESTS")
@bp.doc(summary="Check a certificate by the code printed on it (no token; the verify page's rate limit)", security=[])
@public
@verify_throttle
def verify(code: str):
    found = certificate_services.find_by_code(code)
    if found is None:
        raise Problem(404, "certificate-not-found", "No certificate has this code.")
    return {"serial": found.serial, "status": found.status.value, "officer_name": found.officer_name,
            "agency_name": found.agency_name, "course_code": found.course_code, "course_title": found.course_title,
            "issued_on": found.issued_on, "expires_on": found.expires_on}


def spec_dict() -> dict:
    return current_app.extensions["portal_api"].spec.to_dict()


bp.record_once(install)  # last: after the routes' own registration, which the document reads
