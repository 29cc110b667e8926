"""Secrets the portal must read back (TOTP seeds) are stored encrypted with Fernet (AES-128-CBC
and HMAC-SHA256) under a key derived from SECRET_KEY, so that a copy of the database alone does not
hand over anyone's second factor. Changing SECRET_KEY makes them unreadable: users then need an
administrator to reset their two-step sign-in."""
import base64
from functools import lru_cache

import sqlalchemy as sa
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

TOTP_SECRET_PURPOSE = "portal totp secret"


@lru_cache(maxsize=8)  # derived once per key, not on every sign-in or user load
def fernet(secret_key: str, purpose: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


class EncryptedString(sa.types.TypeDecorator):
    """A string column whose plaintext never reaches the database; `purpose` separates the keys."""

    impl = sa.String
    cache_ok = True

    def __init__(self, length: int, purpose: str):
        super().__init__(length)
        self.purpose = purpose

    def _fernet(self) -> Fernet:
        return fernet(current_app.config["SECRET_KEY"], self.purpose)

    def process_bind_param(self, value, dialect):
        return None if value is None else self._fernet().encrypt(value.encode()).decode()

    def process_result_value(self, value, dialect):
        return None if value is None else self._fernet().decrypt(value.encode()).decode()
