"""Errors as RFC 9457 problem details (application/problem+json), one stable `type` per error."""
from __future__ import annotations

from flask import Response, json
from werkzeug.exceptions import HTTPException

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "urn:287g-portal:api:problem:"

# status -> (type slug, title) for errors not raised with a type of their own.
DEFAULTS = {
    400: ("bad-request", "The request could not be understood"),
    401: ("unauthorized", "A valid API token is needed"),
    403: ("forbidden", "This token's scope does not allow this"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    413: ("too-large", "The request is too large"),
    422: ("invalid-parameters", "Invalid parameters"),
    429: ("rate-limited", "Too many requests"),
}


class Problem(HTTPException):
    """Raised by the API's code: answered as a problem document."""

    def __init__(self, status: int, slug: str | None = None, detail: str = "", errors: dict | None = None):
        super().__init__(detail)
        self.code = status
        self.slug = slug
        self.problem_detail = detail
        self.errors = errors


def problem_response(status: int, slug: str | None = None, detail: str = "",
                     errors: dict | None = None, headers: dict | None = None) -> Response:
    default_slug, title = DEFAULTS.get(status, ("error", "Error"))
    body: dict[str, object] = {"type": TYPE_BASE + (slug or default_slug), "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=MEDIA_TYPE, headers=headers)
    return response


def from_exception(exc: HTTPException) -> Response:
    status = exc.code or 500
    headers = dict(exc.get_response().headers) if status in (405, 429) else {}
    headers.pop("Content-Type", None)
    headers.pop("Content-Length", None)
    if isinstance(exc, Problem):
        return problem_response(status, exc.slug, exc.problem_detail, exc.errors, headers)
    errors = None
    data = getattr(exc, "data", None)  # webargs' validation errors: {location: {field: [messages]}}
    if isinstance(data, dict) and isinstance(data.get("messages"), dict):
        errors = {field: messages for where in data["messages"].values() for field, messages in where.items()}
    detail = ("Check the parameters named in errors." if errors else
              "Nothing here matches, or it is outside this token's agency." if status == 404 else "")
    return problem_response(status, None, detail, errors, headers)
