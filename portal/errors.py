from flask import Flask, abort, current_app, jsonify, render_template, request
from flask.globals import request_ctx
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from portal.audit.services import record_denial
from portal.extensions import db

MESSAGES = {
    400: "The request could not be understood.",
    403: "You do not have access to this page.",
    404: "We could not find that page.",
    405: "That action is not allowed here.",
    413: "The file or form you sent is too large.",
    429: "Too many requests. Please wait a moment and try again.",
    500: "Something went wrong on our side. The problem has been logged.",
}
API_PATH = "/api/v1/"


def refuse_oversized_bodies():
    """before_request hook: a body over MAX_CONTENT_LENGTH is refused with 413 before any view
    runs, whether or not the view reads the form (Werkzeug only checks when the body is read)."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit is not None and (request.content_length or 0) > limit:
        abort(413)


def register(app: Flask) -> None:
    app.before_request(refuse_oversized_bodies)

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return render_error(400, "Your form expired or was sent from another site. Please go back, reload and try again.")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if isinstance(exc, NotFound | MethodNotAllowed) and request.blueprint is None and request.path.startswith(API_PATH):
            # No API route matched (an unknown path, another method): the API's own problem answer.
            from portal.api.problems import from_exception
            return from_exception(exc)
        if exc.code == 403:
            try:
                record_denial()
            except SQLAlchemyError:
                db.session.rollback()
                app.logger.exception("Could not audit a denial on %s", request.path)
        message = MESSAGES.get(exc.code) if exc.code is not None else None
        return render_error(exc.code or 500, message or exc.description or "")

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        db.session.rollback()
        app.logger.exception("Unhandled error on %s", request.path)
        return render_error(500, MESSAGES[500])


def bind_urls_without_the_host() -> None:
    """A Host header Werkzeug cannot bind to (a label over 63 characters, "a..b") leaves the
    request without a URL adapter, so url_for in the error page would fail (a 500 instead of the
    400). The page links by path only: bind to the configured name, never to the request's."""
    if request_ctx.url_adapter is None:
        request_ctx.url_adapter = current_app.url_map.bind(
            current_app.config.get("SERVER_NAME") or "localhost", script_name=request.root_path or "/",
            url_scheme=current_app.config.get("PREFERRED_URL_SCHEME", "http"))


def render_error(code: int, message: str):
    bind_urls_without_the_host()
    if request.accept_mimetypes.best == "application/json":
        return jsonify(error=message), code
    return render_template("error.html", code=code, message=message), code
