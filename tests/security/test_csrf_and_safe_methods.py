"""Item 6: CSRF on every state-changing rule of the URL map (no token → 400, nothing changed).
That no GET changes anything is checked by the URL-map walk in test_url_map_walk.py, as every
identity; the fingerprint it uses is checked here."""
from portal.auth.roles import Role
from portal.extensions import csrf
from tests.security.support import (
    ANONYMOUS,
    build,
    changed_tables,
    csrf_token,
    fingerprint,
    rules,
    state_changing_rules,
)


def test_every_state_changing_rule_refuses_a_request_without_a_csrf_token(app, ids, csrf_on):
    """Each rule as anonymous and as the least privileged identity allowed to use it (so that
    without the check the request would reach the view and act)."""
    problems = []
    for rule, method in state_changing_rules(app):
        url = build(rule, ids.values)
        for identity in {ANONYMOUS, ids.first_allowed(app, rule) or Role.ADMIN}:
            client = ids.client(identity)
            before = fingerprint(ignore_all_audit=True)
            response = client.open(url, method=method, data={"email": "x@example.test", "password": "y" * 12})
            if response.status_code != 400:
                problems.append(f"{identity} {method} {rule.rule}: {response.status_code} without a token")
            elif b"Your form expired" not in response.data:
                problems.append(f"{identity} {method} {rule.rule}: 400 but not the CSRF error page")
            changed = changed_tables(before, fingerprint(ignore_all_audit=True))
            if changed:
                problems.append(f"{identity} {method} {rule.rule}: changed {changed} without a token")
    assert problems == []
    # Nobody was signed out by the token-less POST /logout.
    assert ids.client(Role.OFFICER).get("/dashboard").status_code == 200


def test_a_token_from_another_session_is_refused(app, ids, csrf_on):
    admin, officer = ids.client(Role.ADMIN), ids.client(Role.OFFICER)
    admins_token = csrf_token(admin.get("/admin/agencies/new").data)
    assert admins_token
    response = officer.post("/account/password", data={"csrf_token": admins_token, "current_password": "x"})
    assert response.status_code == 400


def test_the_token_the_page_carries_is_accepted(app, make, ids, csrf_on):
    """The positive control: with the page's token the same request goes through."""
    client = ids.client(Role.ADMIN)
    token = csrf_token(client.get("/admin/agencies/new").data)
    response = client.post("/admin/agencies/new", data={
        "csrf_token": token, "name": "Token County Sheriff's Office", "kind": "county", "state": "NC"})
    assert response.status_code == 302
    anonymous = ids.client(ANONYMOUS, fresh=True)
    token = csrf_token(anonymous.get("/login").data)
    officer = ids.users[Role.OFFICER]
    assert anonymous.post("/login", data={"csrf_token": token, "email": officer.email,
                                          "password": make.PASSWORD}).status_code == 302


def test_no_view_is_exempt_from_csrf(app):
    exempt = set(getattr(csrf, "_exempt_views", set())) | set(getattr(csrf, "_exempt_blueprints", set()))
    assert exempt == set()
    assert app.config.get("WTF_CSRF_CHECK_DEFAULT", True) is True
    assert set(app.config.get("WTF_CSRF_METHODS", {"POST", "PUT", "PATCH", "DELETE"})) >= {"POST", "PUT", "PATCH", "DELETE"}


def test_the_fingerprint_sees_a_change(app, make, ids):
    before = fingerprint()
    officer = ids.users[Role.OFFICER]
    officer.first_name = "Changed"
    from portal.extensions import db

    db.session.flush()
    assert changed_tables(before, fingerprint()) == ["users"]


def test_every_rule_is_walked(app):
    assert {r.endpoint for r in rules(app)} >= {"auth.login", "auth.logout", "admin.user_edit"}
