"""Queue emails in the outbox (never commits) and deliver them (CLI)."""
import smtplib
from collections.abc import Callable, Iterable
from email.message import EmailMessage
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_login import current_user

from portal.auth import sessions
from portal.auth.models import User
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.timeutil import utcnow

MAX_ATTEMPTS = 5


DEDUPE_KEYS_PER_QUERY = 5000  # well under SQLite's limit on bound parameters (32,766)
UNREAD = "unread_notifications"  # the figure the session lookup reads (auth.sessions.FIGURES)


def outbox_message(kind: str, user: User, subject: str, body: str, *, dedupe_key: str | None = None,
                   link: str = "") -> OutboxMessage:
    """A message for `user`, about the page at `link` (a path) if given, not queued yet (see `queue`
    and `queue_all`)."""
    return OutboxMessage(kind=kind, user_id=user.id, to_address=user.email, subject=subject[:200],
                         body=body, dedupe_key=dedupe_key, link=link[:300])


def queue(kind: str, user: User, subject: str, body: str, *, dedupe_key: str | None = None,
          link: str = "") -> OutboxMessage | None:
    """Add a message for `user`, about the page at `link` (a path) if given. With a dedupe_key, a
    message already queued under it is not repeated."""
    if dedupe_key and db.session.scalar(sa.select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)):
        return None
    message = outbox_message(kind, user, subject, body, dedupe_key=dedupe_key, link=link)
    db.session.add(message)
    sessions.forget_figure(UNREAD)
    return message


def queue_all(messages: Iterable[OutboxMessage]) -> int:
    """`queue` for many messages at once: those whose dedupe key a message is already queued under are
    left out, the keys checked in one query (per 5,000 keys) and the rest written in one statement,
    not one of each per message. Returns how many were queued."""
    messages = list(messages)
    keys = [m.dedupe_key for m in messages if m.dedupe_key]
    taken: set[str | None] = set()
    for start in range(0, len(keys), DEDUPE_KEYS_PER_QUERY):
        chunk = keys[start:start + DEDUPE_KEYS_PER_QUERY]
        taken.update(db.session.scalars(sa.select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(chunk))))
    rows = []
    for m in messages:
        if m.dedupe_key in taken:
            continue
        if m.dedupe_key:
            taken.add(m.dedupe_key)
        rows.append({"kind": m.kind, "user_id": m.user_id, "to_address": m.to_address, "subject": m.subject,
                     "body": m.body, "dedupe_key": m.dedupe_key, "link": m.link})
    if rows:
        db.session.execute(sa.insert(OutboxMessage), rows)
        sessions.forget_figure(UNREAD)
    return len(rows)


def pending(limit: int = 500) -> list[OutboxMessage]:
    return list(db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts < MAX_ATTEMPTS)
        .order_by(OutboxMessage.id)
        .limit(limit)
    ))


def as_email(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_FROM"]
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email.set_content(message.body)
    return email


Sender = Callable[[EmailMessage], None]


def deliver(messages: list[OutboxMessage], send: Sender) -> tuple[int, int]:
    """Send each message with `send(EmailMessage)`; returns (sent, failed). Commits per message."""
    sent = failed = 0
    for message in messages:
        message.attempts += 1
        try:
            send(as_email(message))
        except (smtplib.SMTPException, OSError) as exc:
            message.last_error = str(exc)[:500]
            failed += 1
        else:
            message.sent_at = utcnow()
            sent += 1
        db.session.commit()
    return sent, failed


def smtp_sender() -> Sender:
    config = current_app.config
    host, port = config["SMTP_HOST"], config["SMTP_PORT"]

    def send(email: EmailMessage) -> None:
        with smtplib.SMTP(host, port, timeout=30) as smtp:
            if config["SMTP_STARTTLS"]:
                smtp.starttls()
            if config["SMTP_USERNAME"]:
                smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
            smtp.send_message(email)

    return send


def unread_column(user_id: Any) -> sa.ScalarSelect[int]:
    """The number of a user's unread messages, as a column of a statement (`user_id`: a value or a column)."""
    return (sa.select(sa.func.count()).select_from(OutboxMessage)
            .where(OutboxMessage.user_id == user_id, OutboxMessage.read_at.is_(None)).scalar_subquery())


# Every page's header shows the count: the session lookup reads it with the user.
sessions.FIGURES[UNREAD] = unread_column


def unread_count(user: User) -> int:
    """The user's unread messages: for the signed-in user, as the session lookup read them, unless
    this request has marked or queued messages since."""
    if getattr(current_user, "id", None) == user.id and (count := sessions.request_figure(UNREAD)) is not None:
        return int(count)
    return db.session.scalar(sa.select(unread_column(user.id))) or 0


def mark_read(user: User, message_id: int | None = None) -> int:
    """Mark one of the user's messages read (or all of them, with no id); the number marked."""
    query = (sa.update(OutboxMessage)
             .where(OutboxMessage.user_id == user.id, OutboxMessage.read_at.is_(None))
             .values(read_at=utcnow()))
    if message_id is not None:
        query = query.where(OutboxMessage.id == message_id)
    sessions.forget_figure(UNREAD)
    result: sa.CursorResult[Any] = db.session.execute(query)  # type: ignore[assignment]  # DML: a cursor result
    return result.rowcount or 0
