import click
from flask import current_app
from flask.cli import with_appcontext

from portal.demo.seed import DEMO_PASSWORD, database_is_empty, demo_logins, seed
from portal.extensions import db


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Load only into an empty database; otherwise do nothing.")
@with_appcontext
def seed_demo(if_empty: bool) -> None:
    """Load the demo course, agencies, class and accounts (never in production)."""
    if not current_app.config["DEMO_MODE"]:
        raise click.ClickException("Demo data is never loaded in production (PORTAL_ENV=production).")
    if not database_is_empty():
        if not if_empty:
            raise click.ClickException("The database already has data; demo data is loaded only into an empty one.")
        click.echo("The database already has data; demo data not loaded again.")
    else:
        counts = seed()
        db.session.commit()
        click.echo(f"Loaded demo data: {counts['courses']} courses, {counts['agencies']} agencies, {counts['users']} accounts, "
                   f"{counts['certificates']} certificates.")
        if counts["verify_urls"]:
            click.echo(f"Verify a demo certificate (no sign-in): {counts['verify_urls'][0]}")
    click.echo(f"\nDemo sign-ins (password for all: {DEMO_PASSWORD}):")
    for email, role in demo_logins():
        click.echo(f"  {role:<24} {email}")
