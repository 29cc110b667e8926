"""Coordinators manage their agency's tokens in the browser, administrators the program's."""
import sqlalchemy as sa

from portal.api.models import ApiToken
from portal.api.services import create_token, token_hash
from portal.audit.models import AuditEvent
from portal.auth.roles import Role
from portal.extensions import db


def test_a_coordinator_creates_a_token_shown_once_that_reads_the_agency(client, make, login, api):
    coordinator = make.user(Role.COORDINATOR)
    login(coordinator)
    page = client.post("/agency/api-tokens", data={"label": "Jail records", "expires_days": "90"})
    assert page.status_code == 200
    token = db.session.scalar(sa.select(ApiToken))
    assert (token.label, token.agency_id, token.created_by_id) == ("Jail records", coordinator.agency_id, coordinator.id)
    shown = page.get_data(as_text=True).split('<code class="portal-token">')[1].split("</code>")[0]
    assert token_hash(shown) == token.token_hash
    assert shown not in client.get("/agency/api-tokens").get_data(as_text=True)  # once
    assert api("officers", shown).status_code == 200
    assert db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.target_type == "ApiToken")) == "api_token_created"


def test_bad_input_re_renders_with_the_field_error(client, make, login):
    login(make.user(Role.COORDINATOR))
    for data in ({"label": ""}, {"label": "x" * 101}, {"label": "ok", "expires_days": "0"},
                 {"label": "ok", "expires_days": "3651"}, {"label": "ok", "expires_days": "soon"}):
        page = client.post("/agency/api-tokens", data=data)
        assert page.status_code == 400 and "usa-error-message" in page.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0
    assert client.post("/agency/api-tokens", data={"label": "ok", "expires_days": "3650"}).status_code == 200


def test_revoke_asks_first_then_refuses_the_token(client, make, login, api):
    coordinator = make.user(Role.COORDINATOR)
    token, raw = create_token("Old system", coordinator.agency)
    db.session.commit()
    login(coordinator)
    confirm = client.get(f"/agency/api-tokens/{token.id}/revoke")
    assert confirm.status_code == 200 and "will stop working" in confirm.get_data(as_text=True)
    assert api("officers", raw).status_code == 200
    assert client.post(f"/agency/api-tokens/{token.id}/revoke").status_code == 302
    assert token.revoked_at is not None and token.revoked_by_id == coordinator.id
    assert api("officers", raw).status_code == 401


def test_another_agencys_or_the_programs_token_is_not_found(client, make, login):
    coordinator = make.user(Role.COORDINATOR)
    theirs = create_token("Theirs", make.agency())[0]
    program = create_token("Program", None)[0]
    db.session.commit()
    login(coordinator)
    for token in (theirs, program):
        assert client.get(f"/agency/api-tokens/{token.id}/revoke").status_code == 404
        assert client.post(f"/agency/api-tokens/{token.id}/revoke").status_code == 404
    assert theirs.revoked_at is None and program.revoked_at is None
    assert "Theirs" not in client.get("/agency/api-tokens").get_data(as_text=True)


def test_an_administrator_makes_program_tokens(client, make, login, api):
    login(make.user(Role.ADMIN))
    page = client.post("/admin/api-tokens", data={"label": "Program office reports"})
    token = db.session.scalar(sa.select(ApiToken))
    assert page.status_code == 200 and token.is_program and token.expires_at is None
    shown = page.get_data(as_text=True).split('<code class="portal-token">')[1].split("</code>")[0]
    assert api("figures", shown).status_code == 200


def test_token_forms_carry_csrf(client, make, login, config_override):
    login(make.user(Role.COORDINATOR))
    config_override(WTF_CSRF_ENABLED=True)
    assert client.post("/agency/api-tokens", data={"label": "No CSRF"}).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0
    assert 'name="csrf_token"' in client.get("/agency/api-tokens").get_data(as_text=True)


def test_an_administrator_may_revoke_an_agencys_leaked_token(client, make, login, api):
    token, raw = create_token("Leaked", make.agency())
    db.session.commit()
    login(make.user(Role.ADMIN))
    assert client.post(f"/admin/api-tokens/{token.id}/revoke").status_code == 302
    assert api("officers", raw).status_code == 401
    assert client.get("/admin/api-tokens/999999/revoke").status_code == 404
