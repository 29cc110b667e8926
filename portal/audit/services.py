"""Audit trail. `record()` adds a row to the current transaction; it never commits."""
from flask import has_request_context, request
from flask_login import current_user

from portal.audit.models import AuditEvent
from portal.extensions import db

SECRET_KEYS = frozenset({"password", "token", "secret", "csrf_token", "new_password", "current_password"})


class AuditTamperError(RuntimeError):
    pass


def client_address() -> str:
    return (request.remote_addr or "")[:45] if has_request_context() else ""


def record(action: str, target=None, *, outcome: str = "success", actor=None, **details) -> AuditEvent:
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
        details={k: v for k, v in details.items() if k not in SECRET_KEYS},
    )
    db.session.add(event)
    return event
