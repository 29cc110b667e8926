"""`flask --app portal certificates ...`: commands for records staff and the reminder job."""
from datetime import date
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from portal.agencies.models import Agency
from portal.audit.services import record
from portal.certificates import credentials, services, signing, zips
from portal.certificates.files import PdfFiles
from portal.certificates.models import Certificate, RevocationReason
from portal.classes.models import TrainingClass
from portal.extensions import db


@click.group("certificates")
def certificates_cli() -> None:
    """Certificates: export, revoke, expiry reminders, signing chain and credential keys."""


@certificates_cli.command("export")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory to write the PDFs and manifest.csv into (created if missing).")
@click.option("--agency", "agency_name", help="Only this agency's certificates (its exact name).")
@click.option("--class", "class_id", type=int, help="Only this class's certificates (its id).")
@with_appcontext
def export(out_dir: Path, agency_name: str | None, class_id: int | None) -> None:
    """Write certificate PDFs, exactly as issued, and a manifest into a directory."""
    conditions = []
    if agency_name is not None:
        agency = db.session.scalar(sa.select(Agency).where(sa.func.lower(Agency.name) == agency_name.strip().lower()))
        if agency is None:
            raise click.ClickException(f"No agency is named {agency_name!r}.")
        conditions.append(Certificate.agency_id == agency.id)
    if class_id is not None:
        if db.session.get(TrainingClass, class_id) is None:
            raise click.ClickException(f"No class has id {class_id}.")
        conditions.append(Certificate.class_id == class_id)
    if out_dir.exists() and not out_dir.is_dir():
        raise click.ClickException(f"{out_dir} is not a directory.")
    try:
        count = zips.export_to_directory(zips.entries(*conditions, files=PdfFiles.of_app()), out_dir)
    except OSError as exc:
        raise click.ClickException(f"Cannot write to {out_dir}: {exc.strerror or exc}.") from None
    record("certificates_exported", None, count=count, agency=agency_name or "", class_id=class_id, via="cli")
    db.session.commit()
    click.echo(f"Wrote {count} certificate(s) and {zips.MANIFEST_NAME} to {out_dir}.")


@certificates_cli.command("revoke")
@click.argument("serial")
@click.option("--reason", required=True, help="Why the certificate is revoked (kept in the record and audit log).")
@click.option("--category", type=click.Choice([r.value for r in RevocationReason]), default=RevocationReason.OTHER.value,
              show_default=True, help="Reason category shown on the public verification page.")
@with_appcontext
def revoke(serial: str, reason: str, category: str) -> None:
    """Revoke the certificate with SERIAL."""
    certificate = services.find_by_serial(serial)
    if certificate is None:
        raise click.ClickException(f"No certificate has serial {serial!r}.")
    try:
        services.revoke(certificate, RevocationReason(category), reason, via="cli")
    except services.CertificateError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"Revoked {certificate.serial} ({certificate.officer_name}).")


@certificates_cli.command("remind")
@click.option("--on", "on", type=click.DateTime(formats=["%Y-%m-%d"]), help="Pretend today is this date (YYYY-MM-DD).")
@with_appcontext
def remind(on) -> None:
    """Queue expiry reminders (90, 30 and 7 days before); safe to run as often as you like."""
    day: date | None = on.date() if on else None
    count = services.queue_expiry_reminders(day)
    db.session.commit()
    click.echo(f"Queued {count} expiry reminder(s). Send them with `flask --app portal send-mail`.")


@certificates_cli.command("signing-cert")
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write the PEM chain to ('-' for standard output).")
@with_appcontext
def signing_cert(out_file: Path) -> None:
    """Write the certificate chain that signs certificate PDFs (PEM, signing certificate first).

    A records office adds its last certificate (the root) to its trust list: Adobe Reader,
    `pyhanko sign validate --trust`, `openssl verify -CAfile`.
    """
    chain = signing.signer_of_app().chain_pem()
    if str(out_file) == "-":
        click.echo(chain.decode(), nl=False)
        return
    try:
        out_file.write_bytes(chain)
    except OSError as exc:
        raise click.ClickException(f"Cannot write {out_file}: {exc.strerror or exc}.") from None
    click.echo(f"Wrote the signing certificate chain ({chain.count(b'BEGIN CERTIFICATE')} certificates) to {out_file}.")


@certificates_cli.command("rotate-credential-key")
@with_appcontext
def rotate_credential_key() -> None:
    """Sign digital credentials with a new key from now on; the previous keys stay published, so
    credentials already issued keep verifying. Restart the portal's processes afterwards."""
    path = Path(current_app.config["CREDENTIAL_SIGNING_KEYS"])
    try:
        kid = credentials.rotate(path)
    except (credentials.CredentialKeyError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    current_app.extensions.pop("credential_keys", None)
    record("credential_key_rotated", None, kid=kid, via="cli")
    db.session.commit()
    click.echo(f"Credentials are now signed with key {kid}; {path} keeps the previous keys.")
