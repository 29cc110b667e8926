"""Flask extensions, created unbound and initialised by create_app()."""
from typing import TYPE_CHECKING

from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints so Alembic can alter them on SQLite (batch mode) and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
# Models subclass `Model`: db.Model at run time; for mypy, which takes no attribute as a base class, the Base it is built on.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


def _client_address() -> str:
    from flask import request

    return request.remote_addr or "unknown"


# Storage from RATELIMIT_STORAGE_URI: Redis when REDIS_URL is set, in-process memory otherwise.
limiter = Limiter(key_func=_client_address)


def limit_from_config(key: str) -> dict:
    """Flask-Limiter arguments read from app.config on each request: `key` holds the limit
    (Flask-Limiter syntax) and `key`_ENABLED turns it off (the suite does, one test at a time on)."""
    from flask import current_app

    return {"limit_value": lambda: current_app.config[key],
            "exempt_when": lambda: not current_app.config[f"{key}_ENABLED"]}
