"""Items 5, 6 and 7 on every rule of the URL map, as every identity: anonymous; an officer,
instructor, coordinator and administrator of the home agency; and a coordinator and an officer of
ANOTHER agency (plus an instructor who teaches none of the home classes).

One walk checks, for every response:
  - access (item 7): public rules answer; anonymous is sent to sign in; a role the view does not
    declare gets 403; a declared role is served (never 403, never sent to sign in); a home user is
    never told 404 about the home agency's objects; a user of another agency is told 404 about them;
  - headers and inline content (item 5, see test_headers.header_problems);
  - GET is safe (item 6): the whole database is unchanged by every GET rule.

Routes added later are walked automatically. Each new URL argument name needs a value in the
`world` fixture of tests/test_access_matrix.py (an object of the home agency). A view that is
legitimately shared across agencies (so another agency's user may see the home object) is listed
in SHARED_ACROSS_AGENCIES with the reason.
"""
import re

from flask import Flask

from portal.access import PUBLIC, access_rule, public, roles
from portal.auth.roles import Role
from tests.security.support import (
    ANONYMOUS,
    BAD_HOSTS,
    FOREIGN_IDENTITIES,
    ROLE_OF,
    allowed,
    build,
    changed_tables,
    declared,
    fingerprint,
    missing_values,
    parse_page,
    rules,
)
from tests.security.test_headers import header_problems

# endpoint -> why a user of another agency may see the home agency's object through it.
SHARED_ACROSS_AGENCIES: dict[str, str] = {
    "reports.agency_csv": "<table> names a report, not an object: each coordinator gets their own agency's figures",
}
# endpoint -> why an allowed home user may get 404 for the home world's values.
HOME_404_EXPECTED: dict[str, str] = {
    "bank.image": "question images are for the course's officers and authors; coordinators get 404",
    "bank.remove_slot": "an earlier identity in the same walk already removed the slot",
}
# Walked separately (it would end the walking client's session): test_logout_* below.
NOT_WALKED = {"auth.logout"}


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and "/login" in response.headers.get("Location", "")


def access_problem(app, identity, rule, response) -> str | None:
    status = response.status_code
    if status >= 500:
        return f"answered {status}"
    rule_roles = declared(app, rule)
    if rule_roles is None:
        return "declares no access rule"
    if rule_roles == PUBLIC:
        return None
    if identity == ANONYMOUS:
        return None if is_login_redirect(response) else f"anonymous got {status} {response.headers.get('Location', '')}"
    if not allowed(app, rule, identity):
        return None if status == 403 else f"expected 403, got {status}"
    if is_login_redirect(response) or (status == 403 and b"not open yet" not in response.data):
        return f"allowed identity refused ({status})"
    foreign = identity in FOREIGN_IDENTITIES
    if foreign and rule.arguments and rule.endpoint not in SHARED_ACROSS_AGENCIES:
        return None if status == 404 else f"another agency's user got {status} for the home agency's object, expected 404"
    if not foreign and status == 404 and rule.endpoint not in HOME_404_EXPECTED:
        return "404 for the home world's own object (is its value in `world` right?)"
    return None


def without_csrf_tokens(html: bytes) -> bytes:
    """CSRF tokens carry a timestamp, so two renderings a second apart differ only there."""
    return re.sub(rb'<input[^>]*name="csrf_token"[^>]*>', b"<csrf>", html)


def test_every_route_declares_who_may_use_it(app):
    undeclared = [rule.rule for rule in rules(app) if access_rule(rule.endpoint) is None]
    assert undeclared == [], "views without @public or @roles(...): " + ", ".join(undeclared)


def which_get_changed_data(client, identity, gets, values) -> list[str]:
    """Only after the walk saw a change: again, one fingerprint per request, to name the rule."""
    found = []
    for rule in gets:
        before = fingerprint()
        client.get(build(rule, values))
        if changed := changed_tables(before, fingerprint()):
            found.append(f"{identity} GET {rule.rule} changed {changed}")
    return found or [f"{identity}: the walk changed data, but no single GET did on its own"]


def test_every_rule_as_every_identity(app, ids):
    problems = {"access": [], "headers": [], "inline": [], "GET changed data": []}
    clients = {identity: ids.client(identity) for identity in ids.all()}
    for identity, client in clients.items():
        walked = [r for r in rules(app) if r.endpoint not in NOT_WALKED]
        gets = [r for r in walked if "GET" in r.methods]
        posts_only = [r for r in walked if "GET" not in r.methods]
        before = fingerprint()
        for rule in gets + posts_only:
            if rule is (posts_only[0] if posts_only else None):
                if changed_tables(before, fingerprint()):
                    problems["GET changed data"] += which_get_changed_data(client, identity, gets, ids.values)
            method = "GET" if "GET" in rule.methods else "POST"
            response = client.open(build(rule, ids.values), method=method)
            where = f"{identity} {method} {rule.rule}"
            if problem := access_problem(app, identity, rule, response):
                problems["access"].append(f"{where}: {problem}")
            problems["headers"] += [f"{where}: {p}" for p in header_problems(response)]
            if response.mimetype == "text/html":
                problems["inline"] += [f"{where}: {p}" for p in parse_page(response.data).inline_problems]
    assert {kind: found for kind, found in problems.items() if found} == {}


def test_other_agencies_objects_answer_exactly_like_nonexistent_ids(app, ids):
    """For a user of another agency the home agency's objects do not exist: same status, same page."""
    problems = []
    checked = 0
    for identity in FOREIGN_IDENTITIES:
        client = ids.client(identity)
        for rule in rules(app):
            if (not rule.arguments or rule.endpoint in NOT_WALKED or rule.endpoint in SHARED_ACROSS_AGENCIES
                    or declared(app, rule) == PUBLIC or not allowed(app, rule, identity)):
                continue
            method = "GET" if "GET" in rule.methods else "POST"
            home = client.open(build(rule, ids.values), method=method)
            nowhere = client.open(build(rule, missing_values(rule)), method=method)
            checked += 1
            same_page = without_csrf_tokens(home.data) == without_csrf_tokens(nowhere.data)
            if home.status_code != 404 or nowhere.status_code != 404 or not same_page:
                problems.append(f"{identity} {method} {rule.rule}: home object {home.status_code}, "
                                f"nonexistent {nowhere.status_code}" + ("" if same_page else ", pages differ"))
    assert problems == []
    assert checked >= 3  # at least the officer's lesson pages and the instructor's roster


def test_nonexistent_ids_answer_404_to_every_allowed_identity(app, ids):
    problems = []
    for rule in rules(app):
        if not rule.arguments or rule.endpoint in NOT_WALKED or declared(app, rule) == PUBLIC:
            continue
        method = "GET" if "GET" in rule.methods else "POST"
        for identity in ids.all():
            if identity != ANONYMOUS and allowed(app, rule, identity):
                response = ids.client(identity).open(build(rule, missing_values(rule)), method=method)
                if response.status_code != 404:
                    problems.append(f"{identity} {method} {rule.rule} with nonexistent ids: {response.status_code}")
    assert problems == []


def test_public_rules_with_arguments_do_not_fail_on_unknown_values(app, ids):
    for rule in rules(app):
        if rule.arguments and declared(app, rule) == PUBLIC:
            response = ids.client(ANONYMOUS).get(build(rule, missing_values(rule)))
            # /api's views are public to the session rule; their Bearer token comes first (401).
            token_first = rule.endpoint.startswith("api.") and rule.endpoint != "api.verify"
            assert response.status_code in ((401,) if token_first else (400, 404)), rule.rule


def test_host_headers_that_cannot_be_bound_answer_400_on_every_rule(app, ids, monkeypatch):
    """Without SERVER_NAME (production may set only PORTAL_BASE_URL), Werkzeug cannot bind the URL
    map to such a host: every rule, for every identity, answers the 400 error page (the page links
    by path; a 500 before the fix), and says nothing of the host."""
    monkeypatch.setitem(app.config, "SERVER_NAME", None)
    problems = []
    for identity in (ANONYMOUS, Role.ADMIN):
        client = ids.client(identity)
        for rule in rules(app):
            method = "GET" if "GET" in rule.methods else "POST"
            for host in BAD_HOSTS:
                response = client.open(build(rule, ids.values), method=method, environ_overrides={"HTTP_HOST": host})
                if response.status_code != 400 or b"Bad request" not in response.data or host.encode() in response.data:
                    problems.append(f"{identity} {method} {rule.rule} Host: {host[:20]}…: {response.status_code}")
    assert problems == []


def test_the_walk_refuses_an_undeclared_view_and_a_wrongly_served_role():
    """The checks themselves: on a throwaway app, an undeclared view is reported, and so is a
    response that lets in a role the view did not declare."""
    throwaway = Flask("throwaway")
    throwaway.add_url_rule("/undeclared", "undeclared", lambda: "open to all")
    throwaway.add_url_rule("/admins", "admins", roles(Role.ADMIN)(lambda: "admins only"))
    throwaway.add_url_rule("/open", "open", public(lambda: "public"))
    with throwaway.app_context():
        assert [r.endpoint for r in throwaway.url_map.iter_rules() if access_rule(r.endpoint) is None] == ["undeclared"]
        admins = next(r for r in throwaway.url_map.iter_rules() if r.endpoint == "admins")

        class Served:
            status_code, data, headers = 200, b"", {}

        assert access_problem(throwaway, Role.OFFICER, admins, Served()) == "expected 403, got 200"
        assert access_problem(throwaway, ANONYMOUS, admins, Served()) is not None


def test_logout_is_post_only_and_ends_only_its_own_session(app, ids):
    officer = ids.client(Role.OFFICER, fresh=True)
    assert officer.get("/logout").status_code == 405
    other_browser = ids.client(Role.OFFICER, fresh=True)
    assert is_login_redirect(ids.client(ANONYMOUS).post("/logout"))
    assert officer.post("/logout").status_code == 302
    assert is_login_redirect(officer.get("/dashboard"))
    assert other_browser.get("/dashboard").status_code == 200


def test_identities_are_what_they_claim(ids):
    assert ids.users[Role.COORDINATOR].agency_id == ids.users[Role.OFFICER].agency_id
    for identity in FOREIGN_IDENTITIES:
        user = ids.users[identity]
        assert user.role == ROLE_OF[identity]
        assert user.agency_id != ids.users[Role.OFFICER].agency_id
