"""Two-step sign-in with TOTP (RFC 6238, pyotp) and one-time recovery codes.

Optional for instructors and administrators; required for administrators when the
ADMIN_2FA_REQUIRED setting is on (the default in production). The secret is shown once as a QR
code drawn on the server (segno, SVG data URI: no external service) and as text. A time step is
accepted once (no replay); recovery codes are kept as SHA-256 digests and work once each.
Functions never commit; the view does.
"""
import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime

import pyotp
import segno
import sqlalchemy as sa
from flask import current_app, redirect, request, url_for
from flask_login import current_user

from portal.audit import services as audit
from portal.auth.models import RecoveryCode, User
from portal.auth.roles import Role
from portal.extensions import db
from portal.timeutil import utcnow

TWO_FACTOR_ROLES = frozenset({Role.INSTRUCTOR, Role.ADMIN})
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
# Pages an administrator who must enrol can still reach before enrolling.
ENROLMENT_ENDPOINTS = frozenset({
    "auth.two_factor", "auth.two_factor_setup", "auth.logout", "auth.index", "auth.login",
    "auth.second_factor", "static", "health.healthz",
})


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=current_app.config["TOTP_ISSUER"])


def qr_data_uri(uri: str) -> str:
    """The otpauth URI as an SVG QR code in a data: URI (allowed by the CSP's img-src)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def _digits(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "")


def totp_counter_for(secret: str, code: str, last_counter: int | None = None) -> int | None:
    """The time step the code belongs to (now ±1 step for clock drift), or None. A step at or
    before last_counter was already used and is refused."""
    code = _digits(code)
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(datetime.now(UTC))
    for counter in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(counter), code):
            if last_counter is not None and counter <= last_counter:
                return None
            return counter
    return None


def _recovery_digest(code: str) -> str:
    return hashlib.sha256(_digits(code).lower().encode()).hexdigest()


def new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with fresh ones; the plain codes are returned once."""
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_recovery_digest(raw)))
    return codes


def unused_recovery_codes(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ) or 0


def enable(user: User, secret: str, code: str) -> list[str] | None:
    """Turn two-step sign-in on if the code proves the authenticator holds the secret."""
    counter = totp_counter_for(secret, code)
    if counter is None:
        return None
    user.totp_secret = secret
    user.totp_last_counter = counter
    user.totp_enabled_at = utcnow()
    audit.record("two_factor_enabled", user)
    return new_recovery_codes(user)


def disable(user: User) -> None:
    user.totp_secret = None
    user.totp_last_counter = None
    user.totp_enabled_at = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit.record("two_factor_disabled", user)


def verify_second_factor(user: User, code: str) -> str | None:
    """'totp' or 'recovery_code' if the code is good (and now spent), else None."""
    counter = totp_counter_for(user.totp_secret or "", code, user.totp_last_counter) if user.totp_secret else None
    if counter is not None:
        user.totp_last_counter = counter
        return "totp"
    digits = _digits(code)
    if len(digits) != 10:
        return None
    recovery = db.session.scalar(
        sa.select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _recovery_digest(digits),
            RecoveryCode.used_at.is_(None),
        ).with_for_update()
    )
    if recovery is None:
        return None
    recovery.used_at = utcnow()
    audit.record("recovery_code_used", user, actor=user, remaining=unused_recovery_codes(user) - 1)
    return "recovery_code"


def required_for(user: User) -> bool:
    return user.role == Role.ADMIN and bool(current_app.config["ADMIN_2FA_REQUIRED"])


def require_enrolment():
    """before_request hook: an administrator who must use two-step sign-in and has not set it up
    can only reach the enrolment page (and sign out) until they do."""
    if request.endpoint is None or request.endpoint in ENROLMENT_ENDPOINTS:
        return None
    if current_user.is_authenticated and required_for(current_user) and not current_user.has_two_factor:
        return redirect(url_for("auth.two_factor_setup"))
    return None
