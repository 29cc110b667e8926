"""Rate limit of the public verification pages, behind one function.

`check_verification_rate()` answers 429 (the error page) when the client has made more than
VERIFY_RATE_LIMIT = (requests, seconds) verification requests in the current window. The counter
is in-process (per worker), which is enough to make guessing codes pointless (140 random bits)
and to slow scraping; when Flask-Limiter lands on main, this function is the one place to swap.
"""
import threading
import time

from flask import abort, current_app, request

DEFAULT_LIMIT = (30, 60)  # 30 requests per minute per client address
_MAX_CLIENTS = 10_000


class FixedWindowCounter:
    def __init__(self):
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, int]] = {}  # client -> (window start, count)

    def hit(self, client: str, limit: int, period: int, now: float | None = None) -> bool:
        """Count one request; False when it is over the limit."""
        window = int((time.monotonic() if now is None else now) // period)
        with self._lock:
            start, count = self._windows.get(client, (window, 0))
            if start != window:
                count = 0
            if len(self._windows) >= _MAX_CLIENTS and client not in self._windows:
                self._windows = {k: v for k, v in self._windows.items() if v[0] == window}
            self._windows[client] = (window, count + 1)
            return count + 1 <= limit

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()


def counter() -> FixedWindowCounter:
    return current_app.extensions.setdefault("certificate_verify_rate", FixedWindowCounter())


def check_verification_rate() -> None:
    limit, period = current_app.config.get("VERIFY_RATE_LIMIT") or DEFAULT_LIMIT
    if not counter().hit(request.remote_addr or "unknown", int(limit), int(period)):
        abort(429)
