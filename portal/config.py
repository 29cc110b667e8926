"""Settings from the environment. SQLite in instance/ unless DATABASE_URL says otherwise."""
import os
import secrets
from datetime import timedelta
from pathlib import Path

PRODUCTION = "production"


class ConfigError(RuntimeError):
    """The environment does not allow the portal to start safely."""


def database_url(raw: str | None, instance_path: Path) -> str:
    if not raw:
        return f"sqlite:///{instance_path / 'portal.db'}"
    # psycopg 3 is the driver; accept the URLs people paste from their hosting panels.
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix):]
    return raw


def secret_key(env: dict, instance_path: Path, production: bool) -> str:
    key = env.get("SECRET_KEY", "")
    if key:
        if production and len(key) < 32:
            raise ConfigError("SECRET_KEY must be at least 32 characters in production")
        return key
    if production:
        raise ConfigError("SECRET_KEY must be set when PORTAL_ENV=production")
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def load_config(instance_path: Path, env: dict | None = None) -> dict:
    env = dict(os.environ if env is None else env)
    production = env.get("PORTAL_ENV", "development") == PRODUCTION
    return {
        "PORTAL_ENV": PRODUCTION if production else "development",
        "DEMO_MODE": not production,
        "SECRET_KEY": secret_key(env, instance_path, production),
        "SQLALCHEMY_DATABASE_URI": database_url(env.get("DATABASE_URL"), instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_NAME": "__Host-session" if production else "session",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        "SESSION_IDLE_TIMEOUT": timedelta(minutes=30),
        "SESSION_ABSOLUTE_TIMEOUT": timedelta(hours=12),
        "SET_PASSWORD_LINK_MAX_AGE": int(env.get("SET_PASSWORD_LINK_MAX_AGE", 72 * 3600)),
        "PASSWORD_HASH_METHOD": "scrypt",
        "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "REDIS_URL": env.get("REDIS_URL"),
        # Absolute address printed (and QR-encoded) on certificates: set it in production.
        "PORTAL_BASE_URL": env.get("PORTAL_BASE_URL", ""),
        "MAIL_FROM": env.get("MAIL_FROM", "287g-training@example.gov"),
        "SMTP_HOST": env.get("SMTP_HOST", ""),
        "SMTP_PORT": int(env.get("SMTP_PORT", 587)),
        "SMTP_STARTTLS": env.get("SMTP_STARTTLS", "1") != "0",
        "SMTP_USERNAME": env.get("SMTP_USERNAME", ""),
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD", ""),
    }
