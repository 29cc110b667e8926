# Real concurrency on a separate PostgreSQL database (see tests/security/concurrency.py).
from tests.security.concurrency import race_app, race_db  # noqa: F401
