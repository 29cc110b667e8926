import sqlalchemy as sa

from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.notifications.services import queue


def test_send_mail_prints_in_demo_mode_and_marks_sent_once(app, make):
    officer = make.user(first="Rosa", last="Núñez")
    queue("invitation", officer, "Welcome to 287(g) training", "Set your password: https://portal.test/x", dedupe_key="inv-1")
    assert queue("invitation", officer, "again", "again", dedupe_key="inv-1") is None
    runner = app.test_cli_runner()
    result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    assert f"To: {officer.email}" in result.output and "Welcome to 287(g) training" in result.output
    assert "1 sent, 0 failed." in result.output
    assert "0 sent, 0 failed." in runner.invoke(args=["send-mail"]).output
    message = db.session.scalar(sa.select(OutboxMessage))
    assert message.sent_at is not None and message.attempts == 1


def test_send_mail_counts_smtp_failures_and_exits_non_zero(app, make):
    queue("invitation", make.user(), "Hello", "Body")
    app.config["SMTP_HOST"], app.config["SMTP_PORT"] = "127.0.0.1", 9  # nothing listens on port 9
    try:
        result = app.test_cli_runner().invoke(args=["send-mail"])
    finally:
        app.config["SMTP_HOST"] = ""
    assert result.exit_code == 1 and "0 sent, 1 failed." in result.output
    message = db.session.scalar(sa.select(OutboxMessage))
    assert message.sent_at is None and message.last_error
