"""Tokens: Bearer only, stored as a hash, scoped, expiring, revocable, audited, rate limited."""
from datetime import timedelta

import sqlalchemy as sa

from portal.api.models import ApiToken
from portal.api.services import authenticate, revoke_token, token_hash
from portal.audit.models import AuditEvent
from portal.auth.roles import Role
from portal.extensions import db
from portal.timeutil import utcnow


def problem_type(response) -> str:
    assert response.mimetype == "application/problem+json"
    return response.get_json()["type"].rsplit(":", 1)[-1]


def test_a_token_reads_its_agency_and_only_its_hash_is_stored(make, token_for, api):
    agency = make.agency()
    make.user(Role.OFFICER, agency=agency)
    raw = token_for(agency)
    stored = db.session.scalar(sa.select(ApiToken))
    assert stored.token_hash == token_hash(raw) and raw not in (stored.token_hash, stored.prefix)
    response = api("officers", raw)
    assert response.status_code == 200 and len(response.get_json()["items"]) == 1
    assert stored.last_used_at is not None


def test_no_token_a_wrong_scheme_or_an_unknown_token_is_401(make, token_for, api):
    raw = token_for(make.agency())
    assert problem_type(api("officers")) == "missing-token"
    assert problem_type(api("officers", Authorization=f"Basic {raw}")) == "missing-token"
    response = api("officers", raw + "x")
    assert response.status_code == 401 and problem_type(response) == "invalid-token"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_signed_in_session_never_authorizes_the_api(make, login, api):
    coordinator = make.user(Role.COORDINATOR)
    login(coordinator)
    for path in ("officers", "certificates", "agencies", "figures"):
        assert api(path).status_code == 401


def test_a_revoked_token_is_refused_and_each_use_audited(make, token_for, api):
    raw = token_for(make.agency())
    token = db.session.scalar(sa.select(ApiToken))
    revoke_token(token)
    db.session.commit()
    for _ in range(2):
        response = api("officers", raw)
        assert response.status_code == 401 and problem_type(response) == "revoked-token"
    refusals = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "api_token_refused")).all()
    assert [(e.target_id, e.outcome, e.details["reason"]) for e in refusals] == [(str(token.id), "denied", "revoked")] * 2


def test_expiry_boundary(make, token_for):
    raw = token_for(make.agency(), days=30)
    token = db.session.scalar(sa.select(ApiToken))
    assert token.expires_at - token.created_at == timedelta(days=30)
    just_before = token.expires_at - timedelta(microseconds=1)
    assert authenticate(raw, now=just_before) is token
    for at in (token.expires_at, token.expires_at + timedelta(microseconds=1)):
        try:
            authenticate(raw, now=at)
        except Exception as exc:  # noqa: BLE001 - the refusal is what is checked
            assert getattr(exc, "reason", None) == "expired"
        else:
            raise AssertionError(f"a token expiring at {token.expires_at} worked at {at}")


def test_an_expired_token_is_refused_over_http(make, token_for, api):
    raw = token_for(make.agency(), days=1)
    token = db.session.scalar(sa.select(ApiToken))
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert problem_type(api("officers", raw)) == "expired-token"


def test_scope_agency_token_cannot_read_program_resources_and_back(make, token_for, api):
    agency_raw, program_raw = token_for(make.agency()), token_for(None)
    for path in ("agencies", "applications", "figures"):
        response = api(path, agency_raw)
        assert response.status_code == 403 and problem_type(response) == "program-token-needed"
        assert api(path, program_raw).status_code == 200
    for path in ("officers", "enrollments", "nominations", "certificates", "certificates/287G-2026-000001",
                 "certificates/287G-2026-000001/pdf"):
        response = api(path, program_raw)
        assert response.status_code == 403 and problem_type(response) == "agency-token-needed"
    assert api("classes", agency_raw).status_code == api("classes", program_raw).status_code == 200


def test_rate_limit_per_token_answers_429_with_retry_after(make, token_for, api, config_override):
    config_override(API_RATE_LIMIT="3 per minute")
    agency = make.agency()
    first, second = token_for(agency), token_for(agency, label="Second system")
    assert [api("officers", first).status_code for _ in range(3)] == [200] * 3
    response = api("officers", first)
    assert response.status_code == 429 and problem_type(response) == "rate-limited"
    assert int(response.headers["Retry-After"]) > 0
    assert api("officers", second).status_code == 200  # each token has its own budget


def test_token_requests_need_no_csrf_token(make, token_for, api, csrf_on):
    assert api("officers", token_for(make.agency())).status_code == 200


def test_every_api_route_refuses_every_signed_in_role_without_a_token(app, make, login, client):
    """The access matrix's walk, for /api: the session rule calls these views public, so the token
    rule must refuse each role's session (verify is public on purpose)."""
    for role in Role:
        login(make.user(role))
        for rule in app.url_map.iter_rules():
            if rule.endpoint.startswith("api.") and rule.endpoint != "api.verify":
                url = rule.build({arg: "287G-2026-000001" for arg in rule.arguments}, append_unknown=False)[1]
                response = client.get(url)
                assert response.status_code == 401, (role, url, response.status_code)
        client.post("/logout")
