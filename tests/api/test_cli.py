"""`flask api-tokens create|revoke`: the token alone on the last line; bad input exits non-zero."""
import sqlalchemy as sa

from portal.api.models import ApiToken
from portal.api.services import token_hash
from portal.extensions import db


def run(app, *args):
    return app.test_cli_runner().invoke(args=["api-tokens", *args])


def test_create_prints_the_token_alone_on_its_last_line(app, make, api):
    agency = make.agency(name="Wake County Sheriff's Office")
    result = run(app, "create", "--agency", "wake county sheriff's office", "--label", "Jail system", "--expires", "30")
    assert result.exit_code == 0, result.output
    raw = result.output.strip().splitlines()[-1]
    token = db.session.scalar(sa.select(ApiToken))
    assert token.token_hash == token_hash(raw) and token.agency_id == agency.id and token.expires_at is not None
    assert api("officers", raw).status_code == 200


def test_create_a_program_token(app, api):
    result = run(app, "create", "--program", "--label", "Program office")
    assert result.exit_code == 0, result.output
    assert api("figures", result.output.strip().splitlines()[-1]).status_code == 200


def test_create_refuses_bad_input_with_one_line(app, make):
    make.agency(name="Known Agency")
    for args, reason in [
        (["--label", "x"], "either --agency NAME or --program"),
        (["--agency", "Known Agency", "--program", "--label", "x"], "either --agency NAME or --program"),
        (["--agency", "Nowhere", "--label", "x"], "No agency is named"),
        (["--agency", "Known Agency", "--label", " "], "Give the token a name"),
        (["--agency", "Known Agency", "--label", "x", "--expires", "0"], "between 1 and 3650"),
    ]:
        result = run(app, "create", *args)
        assert result.exit_code != 0 and reason in result.output, (args, result.output)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_revoke(app, make, api):
    raw = run(app, "create", "--agency", make.agency().name, "--label", "x").output.strip().splitlines()[-1]
    token = db.session.scalar(sa.select(ApiToken))
    result = run(app, "revoke", str(token.id))
    assert result.exit_code == 0 and api("officers", raw).status_code == 401
    again = run(app, "revoke", str(token.id))
    assert again.exit_code != 0 and "already revoked" in again.output
    missing = run(app, "revoke", "999999")
    assert missing.exit_code != 0 and "No token has id 999999" in missing.output
