"""API tokens: made, found, refused and revoked. Only a token's SHA-256 is stored."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa

from portal.agencies.models import Agency
from portal.api.models import ApiToken
from portal.audit.services import record
from portal.database import write_transaction
from portal.extensions import db
from portal.timeutil import utcnow

TOKEN_PREFIX = "p287g_"
LABEL_MAX = 100
MAX_EXPIRY_DAYS = 3650
# last_used_at is written at most this often per token (not on every request of a sync run).
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_token(label: str, agency: Agency | None, expires_days: int | None = None, *,
                 actor: object = None) -> tuple[ApiToken, str]:
    """A new token for `agency` (None: the whole program) and the token itself, to show once."""
    label = (label or "").strip()
    if not label:
        raise TokenError("label", "Give the token a name, such as the system that will use it.")
    if len(label) > LABEL_MAX:
        raise TokenError("label", f"The name can be at most {LABEL_MAX} characters.")
    if expires_days is not None and not 1 <= expires_days <= MAX_EXPIRY_DAYS:
        raise TokenError("expires_days", f"Expiry must be between 1 and {MAX_EXPIRY_DAYS} days.")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    token = ApiToken(
        label=label, token_hash=token_hash(raw), prefix=raw[:len(TOKEN_PREFIX) + 6], agency=agency,
        created_at=now, created_by_id=getattr(actor, "id", None),
        expires_at=now + timedelta(days=expires_days) if expires_days else None,
    )
    db.session.add(token)
    db.session.flush()
    record("api_token_created", token, actor=actor, label=label, scope=token.scope,
           agency=agency.name if agency else "", expires_at=token.expires_at.isoformat() if token.expires_at else "")
    return token, raw


def revoke_token(token: ApiToken, *, actor: object = None) -> None:
    if token.revoked_at is not None:
        raise TokenError("token", "This token is already revoked.")
    token.revoked_at = utcnow()
    token.revoked_by_id = getattr(actor, "id", None)
    record("api_token_revoked", token, actor=actor, label=token.label, scope=token.scope)


class Refused(Exception):
    """A token that does not authorize: `reason` is missing, invalid, revoked or expired."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def authenticate(raw: str | None, now: datetime | None = None) -> ApiToken:
    """The usable token whose value is `raw`; raises Refused. A revoked or expired token's use is
    audited. Both writes (the audit, the last-used time) happen in a write transaction of their own:
    API requests are GETs, whose SQLite transaction takes no write lock (portal/database.py)."""
    if not raw:
        raise Refused("missing")
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == token_hash(raw)))
    if token is None:
        raise Refused("invalid")
    now = now or utcnow()
    status = token.status(now)
    if status != "active":
        with write_transaction():
            record("api_token_refused", token, outcome="denied", reason=status, label=token.label)
        raise Refused(status)
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        with write_transaction():
            token.last_used_at = now
    return token


def tokens_for(agency: Agency | None) -> list[ApiToken]:
    """The agency's tokens (None: the program's), newest first."""
    scope = ApiToken.agency_id.is_(None) if agency is None else ApiToken.agency_id == agency.id
    return list(db.session.scalars(sa.select(ApiToken).where(scope).order_by(ApiToken.id.desc())))


def find_agency(name: str) -> Agency | None:
    return db.session.scalar(sa.select(Agency).where(sa.func.lower(Agency.name) == name.strip().lower()))
