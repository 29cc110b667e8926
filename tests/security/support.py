"""Helpers the security tests share: identities, routes from the URL map, HTML form discovery and a
fingerprint of the whole database.

Everything here is generated from the running app, so a view added later is walked by every
security test without touching this package. What a later feature must provide is only a value for
each new URL argument name, in the `world` fixture of tests/test_access_matrix.py (the one place).
"""
from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

import sqlalchemy as sa
from werkzeug.routing import IntegerConverter, Rule

from portal.access import PUBLIC, access_rule
from portal.auth.roles import Role
from portal.extensions import db
from tests.factories import PASSWORD

ANONYMOUS = "anonymous"
OTHER_COORDINATOR = "other_coordinator"
OTHER_OFFICER = "other_officer"
OTHER_INSTRUCTOR = "other_instructor"
HOME_IDENTITIES = (ANONYMOUS, Role.OFFICER, Role.INSTRUCTOR, Role.COORDINATOR, Role.ADMIN)
FOREIGN_IDENTITIES = (OTHER_COORDINATOR, OTHER_OFFICER, OTHER_INSTRUCTOR)
ROLE_OF = {
    ANONYMOUS: None, OTHER_COORDINATOR: Role.COORDINATOR, OTHER_OFFICER: Role.OFFICER,
    OTHER_INSTRUCTOR: Role.INSTRUCTOR, **{role: role for role in Role},
}
MISSING_INT = 2_000_000_000  # inside PostgreSQL's integer range, never a real id in tests
MISSING_STR = "no-such-thing"
# Values that look like ids to str.isdigit() or int() but are none: a superscript (isdigit() yes,
# int() raises), Arabic-Indic digits (int() reads 12), an id past BIGINT, signs, spaces, underscores.
NOT_IDS = ["²", "١٢", "9" * 40, str(2**63), "-1", "+1", " 1", "1_0", "0x1", "0"]
# Host headers Werkzeug cannot bind the URL map to: a 64-character label, an empty label.
BAD_HOSTS = ["a" * 64, "a" * 64 + ".example.gov", "a..b", "portal..example.gov:8000"]


# --- routes -----------------------------------------------------------------------------------

def rules(app) -> list[Rule]:
    return sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint != "static" and not r.endpoint.endswith(".static")),
        key=lambda r: (r.rule, r.endpoint),
    )


def get_rules(app) -> list[Rule]:
    return [r for r in rules(app) if "GET" in r.methods]


def html_pages(app, ids):
    """(identity, url, page) for each GET rule's page as the first identity allowed to see it, when
    it is an HTML page: the pages whose forms the walks submit."""
    for rule in get_rules(app):
        identity = ids.first_allowed(app, rule)
        if identity is None:
            continue
        url = build(rule, ids.values)
        page = ids.client(identity).get(url)
        if page.status_code == 200 and page.mimetype == "text/html":
            yield identity, url, page


def post_rules(app) -> list[Rule]:
    return [r for r in rules(app) if "POST" in r.methods]


def state_changing_rules(app) -> list[tuple[Rule, str]]:
    return [(r, m) for r in rules(app) for m in ("POST", "PUT", "PATCH", "DELETE") if m in r.methods]


def declared(app, rule: Rule):
    return access_rule(rule.endpoint)


def allowed(app, rule: Rule, identity) -> bool:
    rule_roles = declared(app, rule)
    if rule_roles == PUBLIC:
        return True
    role = ROLE_OF[identity]
    return role is not None and rule_roles is not None and role in rule_roles


def build(rule: Rule, values: dict) -> str:
    missing = [arg for arg in rule.arguments if arg not in values]
    assert not missing, (
        f"{rule.rule}: no value for URL argument(s) {missing}. Add one to the `values` of the `world` "
        "fixture in tests/test_access_matrix.py (an object the home agency's users may see)."
    )
    return rule.build({arg: values[arg] for arg in rule.arguments}, append_unknown=False)[1]


def missing_values(rule: Rule) -> dict:
    return {
        arg: MISSING_INT if isinstance(rule._converters[arg], IntegerConverter) else MISSING_STR
        for arg in rule.arguments
    }


# --- identities -------------------------------------------------------------------------------

@dataclass
class Identities:
    app: object
    users: dict  # identity -> User (no entry for ANONYMOUS)
    values: dict  # URL argument name -> a value naming a home-agency object
    other_agency: object = None
    _clients: dict = field(default_factory=dict)

    def client(self, identity, fresh: bool = False):
        """A test client signed in as the identity (CSRF must be off while signing in)."""
        if fresh or identity not in self._clients:
            client = self.app.test_client()
            if identity != ANONYMOUS:
                sign_in(client, self.users[identity])
            self._clients[identity] = client
        return self._clients[identity]

    def all(self):
        return (*HOME_IDENTITIES, *FOREIGN_IDENTITIES)

    def first_allowed(self, app, rule: Rule):
        """The least privileged home identity that may use the rule (anonymous for public ones)."""
        for identity in (ANONYMOUS, Role.OFFICER, Role.COORDINATOR, Role.INSTRUCTOR, Role.ADMIN):
            if allowed(app, rule, identity):
                return identity
        return None


def sign_in(client, user, password=PASSWORD):
    was = client.application.config["WTF_CSRF_ENABLED"]
    client.application.config["WTF_CSRF_ENABLED"] = False
    try:
        response = client.post("/login", data={"email": user.email, "password": password})
    finally:
        client.application.config["WTF_CSRF_ENABLED"] = was
    assert response.status_code == 302, f"could not sign in {user.email}: {response.status_code}"
    return response


# --- HTML ---------------------------------------------------------------------------------------

@dataclass
class Form:
    action: str
    method: str
    fields: list = field(default_factory=list)  # (name, value) pairs as a browser would send them
    names: set = field(default_factory=set)  # every control name, sent or not
    input_types: dict = field(default_factory=dict)  # name -> type of each <input> ("select" for <select>)


class _PageParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.inline_problems: list[str] = []
        self._form: Form | None = None
        self._select: tuple[str, list, list, bool] | None = None  # name, options, selected, multiple
        self._option_value: str | None = None
        self._textarea: str | None = None
        self._textarea_text: list[str] = []
        self._script_inline = False
        self._script_text: list[str] = []
        self._submit_taken = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for name, value in attrs:
            if name == "style":
                self.inline_problems.append(f"style= attribute on <{tag}>")
            if name.startswith("on"):
                self.inline_problems.append(f"{name}= handler on <{tag}>")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith("javascript:"):
                self.inline_problems.append(f"javascript: URL on <{tag}>")
        if tag == "style":
            self.inline_problems.append("<style> element")
        if tag == "script":
            self._script_inline = "src" not in a
            self._script_text = []
        if tag == "form":
            self._form = Form(action=a.get("action") or "", method=(a.get("method") or "get").lower())
            self._submit_taken = False
            self.forms.append(self._form)
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            self._form.names.add(name)
            kind = (a.get("type") or "text").lower()
            self._form.input_types[name] = kind
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form.fields.append((name, a.get("value", "on")))
            elif kind in ("submit", "image", "button"):
                if not self._submit_taken:
                    self._form.fields.append((name, a.get("value", "")))
                    self._submit_taken = True
            elif kind != "file":
                self._form.fields.append((name, a.get("value", "")))
        elif tag == "button" and name:
            self._form.names.add(name)
            if (a.get("type") or "submit") == "submit" and not self._submit_taken:
                self._form.fields.append((name, a.get("value", "")))
                self._submit_taken = True
        elif tag == "select" and name:
            self._form.names.add(name)
            self._form.input_types[name] = "select"
            self._select = (name, [], [], "multiple" in a)
        elif tag == "option" and self._select is not None:
            self._option_value = a.get("value")
            if self._option_value is not None:
                self._select[1].append(self._option_value)
                if "selected" in a:
                    self._select[2].append(self._option_value)
        elif tag == "textarea" and name:
            self._form.names.add(name)
            self._textarea, self._textarea_text = name, []

    def handle_data(self, data):
        if self._script_inline:
            self._script_text.append(data)
        if self._textarea is not None:
            self._textarea_text.append(data)

    def handle_endtag(self, tag):
        if tag == "script":
            if self._script_inline and "".join(self._script_text).strip():
                self.inline_problems.append("inline <script> body")
            self._script_inline = False
        if tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form.fields.append((self._textarea, "".join(self._textarea_text).lstrip("\n")))
            self._textarea = None
        if tag == "select" and self._select is not None and self._form is not None:
            name, options, selected, multiple = self._select
            chosen = selected if (selected or multiple) else options[:1]
            self._form.fields.extend((name, value) for value in chosen)
            self._select = None
        if tag == "form":
            self._form = None


def parse_page(html: bytes | str) -> _PageParser:
    parser = _PageParser()
    parser.feed(html.decode("utf-8", "replace") if isinstance(html, bytes) else html)
    parser.close()
    return parser


def form_for(html: bytes, url: str) -> Form | None:
    """The POST form on a page that submits to `url` (an empty action submits to the page itself)."""
    path = urlsplit(url).path
    for form in parse_page(html).forms:
        if form.method == "post" and (form.action in ("", url, path) or urlsplit(form.action).path == path):
            return form
    return None


def csrf_token(html: bytes) -> str | None:
    for form in parse_page(html).forms:
        for name, value in form.fields:
            if name == "csrf_token":
                return value
    return None


def shows_form_errors(html: bytes) -> bool:
    return b'id="error-summary"' in html or b"usa-error-message" in html


# --- database fingerprint -------------------------------------------------------------------------

# Columns that ordinary reads may touch, or that record a failed attempt on purpose.
VOLATILE_COLUMNS = {
    ("user_sessions", "last_seen_at"),
}
ATTEMPT_COLUMNS = {
    ("users", "failed_login_count"), ("users", "failed_login_window_start"), ("users", "locked_until"),
}


# Reads that are audited on purpose (a denial, a bulk download of certificates): the audit trail
# may grow on a GET; nothing else may change.
AUDITED_READS = ("access_denied", "certificates_zip_downloaded")


def fingerprint(*, ignore_audit_actions=AUDITED_READS, ignore_all_audit=False,
                ignore_columns=frozenset()) -> dict[str, str]:
    """A digest of every row of every table (audit rows of the given actions left out)."""
    connection = db.session.connection()  # the session's own transaction, as db.session.execute would use
    return {
        name: hashlib.sha256(repr(rows).encode()).hexdigest()[:16] + f"/{len(rows)}"
        for name, query in _fingerprint_queries(tuple(ignore_audit_actions or ()), ignore_all_audit,
                                                frozenset(ignore_columns))
        for rows in [connection.execute(query).all()]
    }


@functools.cache
def _fingerprint_queries(ignore_audit_actions: tuple, ignore_all_audit: bool,
                         ignore_columns: frozenset) -> list[tuple[str, sa.Select]]:
    """One SELECT per table, built once per set of arguments: the security walks take a
    fingerprint before and after thousands of requests, and building the statements (not running
    them) was half of each fingerprint's time."""
    ignored = VOLATILE_COLUMNS | ignore_columns
    queries = []
    for table in db.metadata.sorted_tables:
        if table.name == "audit_events" and ignore_all_audit:
            continue
        columns = [c for c in table.columns if (table.name, c.name) not in ignored]
        query = sa.select(*columns).order_by(*table.primary_key.columns)
        if table.name == "audit_events" and ignore_audit_actions:
            query = query.where(table.c.action.not_in(ignore_audit_actions))
        queries.append((table.name, query))
    return queries


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(name for name in before if before[name] != after.get(name))
