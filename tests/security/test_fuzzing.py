"""Item 9: Hypothesis drives every form (POST rules of the URL map, with the fields their pages
show) and every query string with arbitrary text, huge values, bad encodings and wrong types:
never a 500, and never a changed row when the request is refused. Bodies over MAX_CONTENT_LENGTH
answer 413 with the error page.

Bounded: a few examples per rule, no deadline, so the suite stays fast. Rules added later are
fuzzed automatically."""
import io
from urllib.parse import quote_from_bytes, urlsplit

from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wtforms import DateField, DateTimeField
from wtforms.fields.core import UnboundField

from portal.auth.roles import Role
from portal.form_fields import DateRange
from tests.security.support import (
    ANONYMOUS,
    ATTEMPT_COLUMNS,
    NOT_IDS,
    build,
    changed_tables,
    fingerprint,
    form_for,
    get_rules,
    html_pages,
    parse_page,
    post_rules,
    shows_form_errors,
)

# As many examples as the Hypothesis profile says (tests/conftest.py: a few locally, more in CI).
FUZZ = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
QUERY_FUZZ = FUZZ
QUERY_NAMES = ["page", "q", "role", "next", "per_page", "sort", "status", "id", "format",
               "category", "agency_id", "class_id", "course_id"]

text_values = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=20).map(lambda s: s * 500),  # huge
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", " ", "0", "-1", "1e309", "NaN", "null", "true", "[]", "{}", "9" * 40,
                     "'; DROP TABLE users; --", "<script>alert(1)</script>", "../../etc/passwd",
                     "%00", "\x00", "\r\nSet-Cookie: x=1", "2026-02-30", "a@b", "\u202e\ufeff", *NOT_IDS]),
)
raw_values = st.one_of(
    text_values.map(lambda s: s.encode("utf-8", "surrogatepass")),
    st.binary(max_size=40),  # bad encodings: not UTF-8
)


def encode(pairs: list[tuple[bytes, bytes]]) -> bytes:
    return b"&".join(quote_from_bytes(k).encode() + b"=" + quote_from_bytes(v).encode() for k, v in pairs)


def form_pairs(field_names):
    """Values for the form's own fields (some repeated, some missing) and a few unknown names."""
    names = st.one_of(st.sampled_from(sorted(field_names)), st.text(min_size=1, max_size=12)) if field_names \
        else st.text(min_size=1, max_size=12)
    return st.lists(st.tuples(names.map(lambda n: n.encode("utf-8", "surrogatepass")), raw_values), max_size=12)


def fuzz_target(app, ids, rule):
    identity = ids.first_allowed(app, rule)
    client = ids.client(identity)
    url = build(rule, ids.values)
    form = form_for(client.get(url).data, url) if "GET" in rule.methods else None
    return identity, client, url, (form.names if form else set())


def garbage_posts(identity, client, url, names, rule):
    """A Hypothesis test posting arbitrary bodies to one form."""
    @FUZZ
    @given(pairs=form_pairs(names), as_multipart=st.booleans())
    def post_garbage(pairs, as_multipart):
        before = fingerprint(ignore_all_audit=True, ignore_columns=ATTEMPT_COLUMNS)
        if as_multipart:
            data = {k.decode("utf-8", "replace"): v.decode("utf-8", "replace") for k, v in pairs}
            response = client.post(url, data=data, content_type="multipart/form-data")
        else:
            response = client.post(url, data=encode(pairs), content_type="application/x-www-form-urlencoded")
        where = f"{identity} POST {rule.rule}"
        assert response.status_code < 500, f"{where}: {response.status_code} for {pairs!r}"
        refused = response.status_code >= 400 or shows_form_errors(response.data)
        if refused:
            changed = changed_tables(before, fingerprint(ignore_all_audit=True, ignore_columns=ATTEMPT_COLUMNS))
            assert not changed, f"{where}: refused ({response.status_code}) but changed {changed} for {pairs!r}"

    return post_garbage


def test_every_form_survives_arbitrary_input(app, ids):
    problems = []
    fuzzed = 0
    for rule in post_rules(app):
        if rule.endpoint == "auth.logout":
            continue
        identity, client, url, names = fuzz_target(app, ids, rule)
        if identity is None:
            continue
        fuzzed += 1
        try:
            garbage_posts(identity, client, url, names, rule)()
        except AssertionError as exc:
            problems.append(str(exc).splitlines()[0])
        # A fuzzed POST may have signed the client out (e.g. a password change): sign in again.
        ids.client(identity, fresh=True)
    assert problems == []
    assert fuzzed >= 10


# Values at the edges of what Python's numbers and dates can hold, by input type.
EDGE_VALUES = {
    "number": ["1" * 600, "-1e999999999", "Infinity", "sNaN", "-9223372036854775809", "-1", "0", "1_000", "²", "١٢"],
    "date": ["9999-12-31", "0001-01-01", "2026-02-30"],
    "datetime-local": ["9999-12-31T23:59", "0001-01-01T00:00"],
    # Drop-downs, check boxes and radio buttons mostly carry ids (officers, classes, categories).
    "select": NOT_IDS, "checkbox": NOT_IDS, "radio": NOT_IDS,
}


def edge_submissions(form):
    """The form as a browser sends it, with one number or date field at a time set to an edge value."""
    for name, kind in sorted(form.input_types.items()):
        for value in EDGE_VALUES.get(kind, []):
            yield name, value, [(n, value if n == name else v) for n, v in form.fields if n != name] + [(name, value)]


def test_number_and_date_fields_survive_edge_values(app, ids):
    """Hypothesis found one of these by chance: a 600-digit number in an integer field overflowed
    WTForms' NumberRange (a 500). Here every number and date field of every form (POST and GET),
    the other fields as the page filled them in, gets each edge value; an accepted POST's next
    page is loaded too, since a stored date can break the pages that show it."""
    problems = []
    tried = 0
    for identity, url, page in html_pages(app, ids):
        for form in parse_page(page.data).forms:
            target = form.action or url
            if urlsplit(target).path == "/logout":  # it would sign the walking client out
                continue
            for name, value, pairs in edge_submissions(form):
                tried += 1
                client = ids.client(identity, fresh=True)
                if form.method == "get":
                    response = client.get(target, query_string=pairs)
                else:
                    response = client.post(target, data=encode([(n.encode(), v.encode()) for n, v in pairs]),
                                           content_type="application/x-www-form-urlencoded")
                    if response.status_code in (302, 303) and response.location:
                        response = client.get(response.location)
                if response.status_code >= 500:
                    problems.append(f"{identity} {form.method.upper()} {target} {name}={value[:20]!r}: "
                                    f"{response.status_code} (from {url})")
    assert problems == [], "\n".join(problems)
    assert tried >= 50


# Names the portal's pages read ids from (query strings) and their GET forms' drop-downs.
ID_QUERY_NAMES = ["category", "agency_id", "class_id", "course_id", "officer_ids", "id", "page"]


def test_query_parameters_that_look_like_ids_are_never_a_500(app, ids):
    """Every GET rule, each id-like shape in every id-named parameter at once (isdigit() took "²",
    then int() raised; an id past BIGINT failed in the driver)."""
    problems = []
    for rule in get_rules(app):
        identity = ids.first_allowed(app, rule)
        if identity is None:
            continue
        client = ids.client(identity)
        url = build(rule, ids.values)
        for value in NOT_IDS:
            response = client.get(url, query_string=[(name, value) for name in ID_QUERY_NAMES])
            if response.status_code >= 500:
                problems.append(f"{identity} GET {rule.rule}?…={value!r}: {response.status_code}")
    assert problems == []


# Uploaded text holding a NUL character (PostgreSQL cannot store one), in the shapes the portal
# reads: a GIFT question file, a Moodle XML file, a CSV roster, and raw bytes.
NUL_FILES = [
    ("questions.gift", b"::Q1:: Two plus two? {=four ~five}\n\n::Q2:: Te\x00xt {T}\n"),
    ("questions.xml", b'<?xml version="1.0"?><quiz><question type="truefalse"><name><text>A\x00</text></name>'
                      b'<questiontext><text>T</text></questiontext><answer fraction="100"><text>true</text></answer>'
                      b'<answer fraction="0"><text>false</text></answer></question></quiz>'),
    ("roster.csv", b"first_name,last_name,email,years_experience,us_citizen,background_check_date\n"
                   b"Ana,Lo\x00pez,ana@example.test,5,yes,2026-01-05\n"),
    ("file.pdf", b"%PDF-1.4\n\x00\x00\n%%EOF"),
]


def test_uploaded_files_holding_a_nul_are_never_a_500(app, ids):
    """Every form with a file field (found on the pages of the URL map), each NUL file: never a
    500 (on PostgreSQL a NUL reaching a text column is one), and a refused upload changes nothing."""
    problems = []
    uploads = 0
    for identity, url, page in html_pages(app, ids):
        for form in parse_page(page.data).forms:
            for name in [n for n, kind in form.input_types.items() if kind == "file"]:
                for filename, content in NUL_FILES:
                    uploads += 1
                    before = fingerprint(ignore_all_audit=True)
                    data = {n: v for n, v in form.fields}
                    data[name] = (io.BytesIO(content), filename)
                    response = ids.client(identity).post(form.action or url, data=data, content_type="multipart/form-data")
                    where = f"{identity} POST {form.action or url} {name}={filename}"
                    if response.status_code >= 500:
                        problems.append(f"{where}: {response.status_code}")
                    elif (response.status_code >= 400 or shows_form_errors(response.data)) and \
                            changed_tables(before, fingerprint(ignore_all_audit=True)):
                        problems.append(f"{where}: refused but changed data")
    assert problems == []
    assert uploads >= 4 * len(NUL_FILES)  # question import, two roster uploads, certificate check


# Read-only filters, where a far date means "to the end" and nothing is computed from it.
UNBOUNDED_DATE_FORMS = {"AuditFilterForm"}


def all_form_classes(cls=FlaskForm):
    for sub in cls.__subclasses__():
        yield sub
        yield from all_form_classes(sub)


def test_every_date_field_of_every_form_is_bounded(app):
    """A date near year 9999 overflows the dates computed from it (an agreement signed 9999-01-01
    was a 500): every date field carries a DateRange (portal.form_fields.PROGRAM_DATES)."""
    unbounded, checked = [], 0
    for form_class in all_form_classes():
        if not form_class.__module__.startswith("portal.") or form_class.__name__ in UNBOUNDED_DATE_FORMS:
            continue
        for name, field in vars(form_class).items():
            if isinstance(field, UnboundField) and issubclass(field.field_class, (DateField, DateTimeField)):
                checked += 1
                if not any(isinstance(v, DateRange) for v in field.kwargs.get("validators", [])):
                    unbounded.append(f"{form_class.__module__}.{form_class.__name__}.{name}")
    assert unbounded == []
    assert checked >= 8


def garbage_queries(identity, client, url, rule):
    """A Hypothesis test requesting one page with arbitrary query strings."""
    @QUERY_FUZZ
    @given(pairs=st.lists(st.tuples(st.sampled_from(QUERY_NAMES).map(str.encode) | st.binary(max_size=8), raw_values),
                          max_size=5))
    def get_garbage(pairs):
        response = client.get(url + "?" + encode(pairs).decode())
        assert response.status_code < 500, f"{identity} GET {rule.rule}?{encode(pairs)!r}: {response.status_code}"

    return get_garbage


def test_every_query_string_is_harmless(app, ids):
    problems = []
    for rule in get_rules(app):
        identity = ids.first_allowed(app, rule)
        if identity is None:
            continue
        client = ids.client(identity)
        url = build(rule, ids.values)
        before = fingerprint()
        try:
            garbage_queries(identity, client, url, rule)()
        except AssertionError as exc:
            problems.append(str(exc).splitlines()[0])
        if changed := changed_tables(before, fingerprint()):
            problems.append(f"{identity} GET {rule.rule} with a fuzzed query string changed {changed}")
    assert problems == []


def test_bodies_over_the_limit_answer_413_with_the_error_page(app, ids):
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert limit == 10 * 1024 * 1024
    body = b"x=" + b"a" * limit
    problems = []
    for rule in post_rules(app):
        identity = ids.first_allowed(app, rule) or Role.ADMIN
        client = ids.client(identity)
        before = fingerprint(ignore_all_audit=True)
        for content_type in ("application/x-www-form-urlencoded", "multipart/form-data; boundary=zzz"):
            response = client.post(build(rule, ids.values), data=body, content_type=content_type)
            if response.status_code != 413 or b"too large" not in response.data:
                problems.append(f"{identity} POST {rule.rule} ({content_type}): {response.status_code}")
        if changed_tables(before, fingerprint(ignore_all_audit=True)):
            problems.append(f"{identity} POST {rule.rule}: a refused upload changed data")
    assert problems == []


def test_a_large_but_allowed_body_is_not_refused(ids):
    client = ids.client(ANONYMOUS)
    response = client.post("/login", data={"email": "x@example.test", "password": "p" * 100, "pad": "a" * 1_000_000})
    assert response.status_code == 200
