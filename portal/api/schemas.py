"""What the API answers and accepts, declared once: the views serialise with these and the OpenAPI
document is generated from them."""
from datetime import UTC, datetime

from marshmallow import Schema, fields, validate

MAX_LIMIT = 200
DEFAULT_LIMIT = 50


class UtcDateTime(fields.DateTime):
    """Naive UTC in the database; RFC 3339 with its offset on the wire, and any offset accepted."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        parsed = super()._deserialize(value, attr, data, **kwargs)
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(UTC).replace(tzinfo=None)
        return parsed


class Problem(Schema):
    type = fields.String(required=True, metadata={"description": "A stable URI naming the kind of error."})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                         metadata={"description": "Invalid parameters by name, with what is wrong with each."})


class ListArgs(Schema):
    limit = fields.Integer(load_default=DEFAULT_LIMIT, validate=validate.Range(1, MAX_LIMIT),
                           metadata={"description": "Items per page."})
    cursor = fields.String(validate=validate.Regexp(r"^[0-9]{1,18}$", error="Not a cursor this API gives out."),
                           metadata={"description": "Where the page starts: take the previous page's `next` link as it is."})
    updated_since = UtcDateTime(metadata={
        "description": "Only items changed at or after this time (ISO 8601; without an offset, UTC)."})


class Page(Schema):
    next = fields.String(allow_none=True, required=True,
                         metadata={"description": "The next page's URL; null on the last page."})


class Item(Schema):
    updated_at = UtcDateTime(required=True, metadata={"description": "When the item last changed."})


class Officer(Item):
    id = fields.Integer(required=True)
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    email = fields.String(required=True)
    status = fields.String(required=True, metadata={
        "description": "certified, else the status of the enrollment picked by the active-enrollment rule, "
                       "else not_enrolled."})
    status_label = fields.String(required=True)


class Tally(Schema):
    done = fields.Integer(required=True)
    total = fields.Integer(required=True)
    percent = fields.Integer(required=True)


class Week(Tally):
    week = fields.Integer(required=True)
    opens_on = fields.Date(required=True)
    open = fields.Boolean(required=True)


class Exam(Schema):
    title = fields.String(required=True)
    required = fields.Boolean(required=True)
    pass_mark = fields.Integer(required=True)
    state = fields.String(required=True, validate=validate.OneOf(["none", "in_progress", "pending", "pass", "fail"]),
                          metadata={"description": "The grade that counts: pass or fail, else where the exam stands."})
    percent = fields.Float(required=True, allow_none=True)
    attempts = fields.Integer(required=True)


class Enrollment(Item):
    id = fields.Integer(required=True)
    officer_id = fields.Integer(required=True)
    officer_name = fields.String(required=True)
    class_id = fields.Integer(required=True)
    class_name = fields.String(required=True)
    course_code = fields.String(required=True)
    status = fields.String(required=True)
    enrolled_at = UtcDateTime(required=True)
    completed_at = UtcDateTime(required=True, allow_none=True)
    withdrawn_at = UtcDateTime(required=True, allow_none=True)
    progress = fields.Nested(Tally, required=True)
    weeks = fields.List(fields.Nested(Week), required=True)
    exams = fields.List(fields.Nested(Exam), required=True)


class TrainingClass(Item):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    course_code = fields.String(required=True)
    course_title = fields.String(required=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    location = fields.String(required=True)
    capacity = fields.Integer(required=True)


class Nomination(Item):
    id = fields.Integer(required=True)
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    email = fields.String(required=True)
    badge_number = fields.String(required=True)
    rank = fields.String(required=True)
    status = fields.String(required=True)
    nominated_at = UtcDateTime(required=True)
    decided_at = UtcDateTime(required=True, allow_none=True)
    officer_id = fields.Integer(required=True, allow_none=True, metadata={"description": "Once approved."})


class Certificate(Item):
    serial = fields.String(required=True)
    officer_id = fields.Integer(required=True)
    officer_name = fields.String(required=True)
    course_code = fields.String(required=True)
    course_title = fields.String(required=True)
    hours = fields.Integer(required=True)
    issued_on = fields.Date(required=True)
    expires_on = fields.Date(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["valid", "expired", "revoked", "superseded"]))
    verification_url = fields.String(required=True, metadata={
        "description": "The public verification page (with the code printed on the certificate, or its PDF)."})
    pdf_url = fields.String(required=True)


class Agreement(Schema):
    reference = fields.String(required=True)
    kind = fields.String(required=True)
    model = fields.String(required=True)
    status = fields.String(required=True)
    in_force = fields.Boolean(required=True)
    applied_on = fields.Date(required=True)
    signed_on = fields.Date(required=True, allow_none=True)
    ends_on = fields.Date(required=True, allow_none=True)


class Agency(Item):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    state = fields.String(required=True)
    agreement = fields.Nested(Agreement, required=True, allow_none=True,
                              metadata={"description": "The current agreement: the newest in force, else the newest."})


class Application(Agreement, Item):
    id = fields.Integer(required=True)
    agency_id = fields.Integer(required=True)
    agency_name = fields.String(required=True)


class FigureTable(Schema):
    key = fields.String(required=True)
    title = fields.String(required=True)
    note = fields.String(required=True)
    columns = fields.List(fields.String(), required=True)
    rows = fields.List(fields.List(fields.Raw()), required=True)


class Figures(Schema):
    tables = fields.List(fields.Nested(FigureTable), required=True)


class Verification(Schema):
    serial = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["valid", "expired", "revoked", "superseded"]))
    officer_name = fields.String(required=True)
    agency_name = fields.String(required=True)
    course_code = fields.String(required=True)
    course_title = fields.String(required=True)
    issued_on = fields.Date(required=True)
    expires_on = fields.Date(required=True)


def page_of(item: type[Schema]) -> type[Schema]:
    return Page.from_dict({"items": fields.List(fields.Nested(item), required=True)},
                          name=f"{item.__name__}Page")
