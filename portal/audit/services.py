"""Audit trail. `record()` adds a row to the current transaction; it never commits.

Each event is also written as one line to the `portal.security` logger (for a log collector);
secrets never reach either: keys naming a secret are dropped from the details.
"""
import logging
from types import SimpleNamespace

from flask import has_request_context, request
from flask_login import current_user

from portal.audit.models import AuditEvent
from portal.database import write_transaction
from portal.extensions import db

SECRET_KEYS = frozenset({
    "password", "token", "secret", "csrf_token", "new_password", "current_password", "confirm",
    "code", "totp", "totp_secret", "recovery_code", "password_hash", "session", "cookie", "link",
})
log = logging.getLogger("portal.security")


def _is_secret(key: str) -> bool:
    key = key.lower()
    return key in SECRET_KEYS or any(word in key for word in ("password", "token", "secret"))


def client_address() -> str:
    return (request.remote_addr or "")[:45] if has_request_context() else ""


def record(action: str, target: object = None, *, outcome: str = "success", actor: object = None,
           **details: object) -> AuditEvent:
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        actor_email=getattr(actor, "email", "") or "",
        target_type=type(target).__name__ if target is not None else "",
        target_id=str(getattr(target, "id", "") or ""),
        outcome=outcome,
        ip_address=client_address(),
        details={k: v for k, v in details.items() if not _is_secret(k)},
    )
    db.session.add(event)
    log.info(
        "audit action=%s outcome=%s actor=%s target=%s:%s ip=%s details=%s",
        event.action, event.outcome, event.actor_email or "-", event.target_type or "-",
        event.target_id or "-", event.ip_address or "-", event.details,
    )
    return event


def record_denial() -> None:
    """A 403: who was refused what. Committed on its own; whatever the view had pending is dropped."""
    actor = None
    if current_user.is_authenticated:  # read before a rollback expires the user
        actor = SimpleNamespace(id=current_user.id, email=current_user.email)
    if db.session.new or db.session.dirty or db.session.deleted:
        db.session.rollback()
    with write_transaction():  # a GET's 403 writes too
        record("access_denied", outcome="denied", actor=actor, method=request.method,
               path=request.path[:200], endpoint=request.endpoint or "")
