import pytest

from portal.auth.roles import Role
from portal.extensions import limiter
from tests.security.support import (
    OTHER_COORDINATOR,
    OTHER_INSTRUCTOR,
    OTHER_OFFICER,
    Identities,
)

# The one place where URL argument values are declared: the `world` fixture of the access matrix.
from tests.test_access_matrix import seeded_access_world, world  # noqa: F401


@pytest.fixture
def ids(app, make, world):  # noqa: F811
    """The home agency's users (one per role) and values from `world`, plus users of another
    agency (a coordinator and an officer) and an instructor who teaches none of the home classes."""
    users, values = world
    other_agency = make.agency(name="Other County Sheriff's Office")
    everyone = {
        **users,
        OTHER_COORDINATOR: make.user(Role.COORDINATOR, agency=other_agency),
        OTHER_OFFICER: make.user(Role.OFFICER, agency=other_agency),
        OTHER_INSTRUCTOR: make.user(Role.INSTRUCTOR),
    }
    return Identities(app=app, users=everyone, values=values, other_agency=other_agency)


@pytest.fixture
def throttle_on(app):
    app.config["LOGIN_RATE_LIMIT_ENABLED"] = True
    limiter.reset()
    try:
        yield limiter
    finally:
        app.config["LOGIN_RATE_LIMIT_ENABLED"] = False
        limiter.reset()


# Real concurrency on a separate PostgreSQL database (see tests/security/concurrency.py).
from tests.security.concurrency import race_app, race_db  # noqa: E402, F401
