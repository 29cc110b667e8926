"""Password policy and hashing (NIST 800-63B: length over composition rules, and no password
found in a list of commonly used or breached ones)."""
import gzip
from functools import lru_cache
from pathlib import Path

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 12
MAX_LENGTH = 128
# Computed once so a sign-in for an unknown email costs the same as a real one.
_DUMMY_HASH: dict[str, str] = {}
COMMON_PASSWORDS_FILE = Path(__file__).parent / "data" / "common-passwords-100k.txt.gz"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The 100,000 most common passwords, lower-cased (see data/README.md for the source)."""
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8", errors="replace") as lines:
        return frozenset(line.strip().lower() for line in lines if line.strip())


def is_common(password: str) -> bool:
    return password.strip().lower() in common_passwords()


def policy_problem(password: str, *, email: str = "", names: tuple[str, ...] = ()) -> str | None:
    """Why a new password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    if is_common(password):
        return "This password is one of the most commonly used ones. Choose another."
    lowered = password.lower()
    local_part = email.split("@")[0].lower()
    if local_part and len(local_part) >= 4 and local_part in lowered:
        return "Do not use your email address in your password."
    if any(name and len(name) >= 4 and name.lower() in lowered for name in names):
        return "Do not use your name in your password."
    if len(set(password)) < 4:
        return "Use a less repetitive password."
    return None


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        method = current_app.config["PASSWORD_HASH_METHOD"]
        if method not in _DUMMY_HASH:
            _DUMMY_HASH[method] = generate_password_hash("not-a-password", method=method)
        check_password_hash(_DUMMY_HASH[method], password)
        return False
    return check_password_hash(password_hash, password)
