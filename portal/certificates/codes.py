"""Verification codes: 28 random Crockford base32 characters (140 bits), shown in groups of four.

People type these from paper, so lookups accept any case, with or without dashes or spaces, and
read the letters Crockford's alphabet leaves out as the digits they are mistaken for (O -> 0,
I and L -> 1). Only the SHA-256 of the canonical form is stored (see models.py).
"""
import hashlib
import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
LENGTH = 28  # 28 x 5 = 140 bits
GROUP = 4
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—_.]+")
_CANONICAL = re.compile(f"[{ALPHABET}]{{{LENGTH}}}")


def new_code() -> str:
    """A fresh code in canonical form (no dashes)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def grouped(code: str) -> str:
    """"7KQ4M2XD..." -> "7KQ4-M2XD-..." for print and screen."""
    return "-".join(code[i:i + GROUP] for i in range(0, len(code), GROUP))


def normalise(raw: str | None) -> str | None:
    """The canonical form of what someone typed, or None if it cannot be a code."""
    if not raw or len(raw) > 4 * LENGTH:
        return None
    text = _SEPARATORS.sub("", raw.strip()).upper().translate(_CONFUSABLE)
    return text if _CANONICAL.fullmatch(text) else None


def code_hash(canonical: str) -> str:
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()
