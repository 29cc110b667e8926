from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from portal.agencies.models import Agency
from portal.extensions import db
from portal.nominations.services import RosterError, import_roster, max_bytes


@click.group("officers")
def officers() -> None:
    """Officers and their nominations."""


@officers.command("import")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--agency", "agency_name", required=True, help="The agency's exact name.")
@with_appcontext
def import_officers(path: Path, agency_name: str) -> None:
    """Nominate every officer of a roster CSV for AGENCY: all of them, or none on any error."""
    agency = db.session.scalar(sa.select(Agency).where(sa.func.lower(Agency.name) == agency_name.strip().lower()))
    if agency is None:
        raise click.ClickException(f"No agency is named “{agency_name}”.")
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes() + 1)
    except OSError as exc:
        raise click.ClickException(f"Cannot read {path}: {exc.strerror or exc}.") from None
    try:
        count = import_roster(agency, data, path.name, source="cli")
    except RosterError as exc:
        db.session.rollback()
        for error in exc.errors:
            click.echo(str(error), err=True)
        raise click.ClickException(f"Nothing imported: {len(exc.errors)} problem(s) in {path.name}.") from None
    db.session.commit()
    click.echo(f"Imported {count} nomination(s) for {agency.name}; 0 errors.")
