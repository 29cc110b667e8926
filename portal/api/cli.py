"""`flask --app portal api-tokens ...`: make and revoke API tokens from the command line."""
import click
from flask.cli import with_appcontext

from portal.api import services
from portal.api.models import ApiToken
from portal.extensions import db


@click.group("api-tokens")
def api_tokens_cli() -> None:
    """API tokens: create (an agency's or the program's) and revoke."""


@api_tokens_cli.command("create")
@click.option("--agency", "agency_name", help="The agency the token reads (its exact name).")
@click.option("--program", is_flag=True, help="A program-wide token instead of an agency's.")
@click.option("--label", required=True, help="A name for the token, such as the system that uses it.")
@click.option("--expires", "expires_days", type=int, help="Days until the token stops working (default: never).")
@with_appcontext
def create(agency_name: str | None, program: bool, label: str, expires_days: int | None) -> None:
    """Create a token and print it, alone, on the last line (it is not shown again)."""
    if program == (agency_name is not None):
        raise click.ClickException("Give either --agency NAME or --program.")
    agency = None
    if agency_name is not None:
        agency = services.find_agency(agency_name)
        if agency is None:
            raise click.ClickException(f"No agency is named {agency_name!r}.")
    try:
        token, raw = services.create_token(label, agency, expires_days)
    except services.TokenError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"Token {token.id} ({token.scope}{': ' + agency.name if agency else ''}) created; "
               "it is shown once, keep it now:")
    click.echo(raw)


@api_tokens_cli.command("revoke")
@click.argument("token_id", type=int)
@with_appcontext
def revoke(token_id: int) -> None:
    """Revoke the token with TOKEN_ID: every later use is refused and audited."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise click.ClickException(f"No token has id {token_id}.")
    try:
        services.revoke_token(token)
    except services.TokenError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"Token {token_id} revoked.")
