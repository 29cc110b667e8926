import click
from flask import current_app
from flask.cli import with_appcontext

from portal.notifications.services import deliver, pending, smtp_sender


@click.command("send-mail")
@with_appcontext
def send_mail() -> None:
    """Send queued emails: by SMTP when SMTP_HOST is set, otherwise printed here (demo mode)."""
    messages = pending()
    if current_app.config["SMTP_HOST"]:
        send = smtp_sender()
    elif current_app.config["DEMO_MODE"]:
        def send(email):
            click.echo(f"--- To: {email['To']}\nSubject: {email['Subject']}\n\n{email.get_content()}")
    else:
        raise click.ClickException("SMTP_HOST is not set; set it to send mail in production.")
    sent, failed = deliver(messages, send)
    click.echo(f"{sent} sent, {failed} failed.")
    if failed:
        raise SystemExit(1)


@click.command("notify-weeks")
@with_appcontext
def notify_weeks() -> None:
    """Queue "week N opens" for every active enrollment whose week has opened (once per week)."""
    from portal.extensions import db
    from portal.notifications.messages import queue_week_openings

    queued = queue_week_openings()
    db.session.commit()
    click.echo(f"{queued} week-opening message(s) queued.")
