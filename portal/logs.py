"""Application logging: one line per event, control characters escaped (no forged log lines).

Messages built from user input (an email typed at sign-in, a path) could carry CR/LF or terminal
escape sequences; `EscapeControlCharacters` rewrites every record's message so that each record is
exactly one line ("\\n" is written as the two characters backslash-n). Tracebacks attached to a
record stay multi-line: they come from our code, not from the request.
"""
import logging
import re

from flask import Flask
from flask.logging import default_handler

SECURITY_LOGGER = "portal.security"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape_control_characters(text: str) -> str:
    return _CONTROL.sub(
        lambda m: _NAMED.get(m.group(), f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256 else f"\\u{ord(m.group()):04x}"), text
    )


class EscapeControlCharacters(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record  # noqa: BLE001
            message = f"{record.msg!r} {record.args!r}"
        record.msg = escape_control_characters(message)
        record.args = None
        return True


ESCAPE_FILTER = EscapeControlCharacters()


def configure(app: Flask) -> None:
    """Attach the filter to the handlers our records go through, and to the werkzeug logger."""
    logger = logging.getLogger(app.name)
    if not logger.handlers:
        logger.addHandler(default_handler)
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
    for handler in logger.handlers:
        if ESCAPE_FILTER not in handler.filters:
            handler.addFilter(ESCAPE_FILTER)
    werkzeug = logging.getLogger("werkzeug")
    if ESCAPE_FILTER not in werkzeug.filters:
        werkzeug.addFilter(ESCAPE_FILTER)
    security = logging.getLogger(SECURITY_LOGGER)
    if ESCAPE_FILTER not in security.filters:
        security.addFilter(ESCAPE_FILTER)
