"""Deny by default: every view declares who may use it.

A view is decorated with ``@public`` or ``@roles(Role.ADMIN, ...)``. The check runs in a
``before_request`` hook for every endpoint, so a view that forgets to declare a rule is refused
(and the access-matrix test fails) instead of being open.
"""
from collections.abc import Callable

from flask import abort, current_app, request
from flask_login import current_user

from portal.auth.roles import Role
from portal.extensions import login_manager

PUBLIC = "public"
ACCESS_ATTR = "access_rule"


def public(view: Callable) -> Callable:
    setattr(view, ACCESS_ATTR, PUBLIC)
    return view


def roles(*allowed: Role) -> Callable[[Callable], Callable]:
    if not allowed:
        raise ValueError("roles() needs at least one role")

    def decorate(view: Callable) -> Callable:
        setattr(view, ACCESS_ATTR, frozenset(allowed))
        return view

    return decorate


def signed_in(view: Callable) -> Callable:
    """Any signed-in user, whatever the role."""
    return roles(*Role)(view)


def access_rule(endpoint: str):
    view = current_app.view_functions.get(endpoint)
    if endpoint == "static" or (endpoint or "").endswith(".static"):
        return PUBLIC
    return getattr(view, ACCESS_ATTR, None)


def enforce_access():
    """before_request hook."""
    if request.endpoint is None:  # 404/405: let routing answer
        return None
    rule = access_rule(request.endpoint)
    if rule == PUBLIC:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if rule is None or current_user.role not in rule:
        abort(403)
    return None
