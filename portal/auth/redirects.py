from urllib.parse import urlsplit

from flask import url_for

from portal.auth.roles import Role

LANDING_ENDPOINTS = {
    Role.OFFICER: "progress.dashboard",
    Role.INSTRUCTOR: "classes.teaching",
    Role.COORDINATOR: "agencies.coordinator_home",
    Role.ADMIN: "admin.home",
}


def landing_url(user) -> str:
    return url_for(LANDING_ENDPOINTS[user.role])


def safe_next(target: str | None) -> str | None:
    """Only same-origin paths: '/x' but never '//evil', '/\\evil' or 'https://evil'."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in target):
        return None
    return target
