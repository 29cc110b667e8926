"""Settings from the environment. SQLite in instance/ unless DATABASE_URL says otherwise."""
import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

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


def signing_configured(settings: dict) -> bool:
    return bool(settings.get("CERTIFICATE_SIGNING_PKCS12")
                or (settings.get("CERTIFICATE_SIGNING_KEY") and settings.get("CERTIFICATE_SIGNING_CERT")))


def certificate_signing(env: dict, instance_path: Path, production: bool) -> dict:
    """The key and chain that sign certificate PDFs; outside production, a local root and signing
    certificate are generated once into instance/certificate-signing when none is configured."""
    settings = {name: env.get(name, "") for name in ("CERTIFICATE_SIGNING_KEY", "CERTIFICATE_SIGNING_CERT",
                                                     "CERTIFICATE_SIGNING_PKCS12", "CERTIFICATE_SIGNING_PASSWORD")}
    if not production and not signing_configured(settings):
        from portal.certificates.signing import write_demo_material

        key, chain = write_demo_material(instance_path / "certificate-signing")
        settings.update(CERTIFICATE_SIGNING_KEY=str(key), CERTIFICATE_SIGNING_CERT=str(chain))
    return settings


def credential_keys(env: dict, instance_path: Path, production: bool) -> str:
    """The JWK Set that signs Open Badges credentials; generated once into instance/ outside production."""
    path = env.get("CREDENTIAL_SIGNING_KEYS", "")
    if not path and not production:
        from portal.certificates.credentials import write_key_file

        path = str(write_key_file(instance_path / "credential-keys.json"))
    return path


def flag(env: dict, name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def integer(env: dict, name: str, default: int, minimum: int = 0) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, not {value}")
    return value


def is_absolute_http_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def check(config: dict) -> None:
    """Refuse settings that would break the portal later, once every override is applied."""
    base = (config.get("PORTAL_BASE_URL") or "").strip()
    if base:
        if not is_absolute_http_url(base):
            raise ConfigError(f"PORTAL_BASE_URL must be an absolute http(s) address, not {base!r}")
    elif config.get("PORTAL_ENV") == PRODUCTION and not config.get("SERVER_NAME"):
        # Certificates print and QR-encode the portal's address; without one, completing a course fails.
        raise ConfigError("PORTAL_BASE_URL (or SERVER_NAME) must be set when PORTAL_ENV=production")
    if config.get("PORTAL_ENV") == PRODUCTION:
        if not signing_configured(config):
            raise ConfigError("CERTIFICATE_SIGNING_KEY and CERTIFICATE_SIGNING_CERT (or CERTIFICATE_SIGNING_PKCS12) "
                              "must be set when PORTAL_ENV=production")
        if not config.get("CREDENTIAL_SIGNING_KEYS"):
            raise ConfigError("CREDENTIAL_SIGNING_KEYS must be set when PORTAL_ENV=production")
    check_signing_keys(config)


def check_signing_keys(config: dict) -> None:
    """An unreadable key or chain stops the start, not the first certificate issued."""
    from portal.certificates.credentials import CredentialKeyError, CredentialKeys
    from portal.certificates.signing import CertificateSigner, SigningConfigError

    try:
        if signing_configured(config):
            CertificateSigner(config)
        if config.get("CREDENTIAL_SIGNING_KEYS"):
            CredentialKeys.load(config["CREDENTIAL_SIGNING_KEYS"])
    except (SigningConfigError, CredentialKeyError) as exc:
        raise ConfigError(str(exc)) from None


def load_config(instance_path: Path, env: dict | None = None) -> dict:
    env = dict(os.environ if env is None else env)
    production = env.get("PORTAL_ENV", "development") == PRODUCTION
    return {
        "PORTAL_ENV": PRODUCTION if production else "development",
        "DEMO_MODE": not production,
        "SECRET_KEY": secret_key(env, instance_path, production),
        "SQLALCHEMY_DATABASE_URI": database_url(env.get("DATABASE_URL"), instance_path),
        # No pool_pre_ping: portal.database pings only connections idle for a while (one round trip
        # less per request); pool_recycle retires connections before servers' idle timeouts.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_recycle": 1800},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_NAME": "__Host-session" if production else "session",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        "SESSION_IDLE_TIMEOUT": timedelta(minutes=30),
        "SESSION_ABSOLUTE_TIMEOUT": timedelta(hours=12),
        "SET_PASSWORD_LINK_MAX_AGE": integer(env, "SET_PASSWORD_LINK_MAX_AGE", 72 * 3600, minimum=1),
        "PASSWORD_RESET_LINK_MAX_AGE": integer(env, "PASSWORD_RESET_LINK_MAX_AGE", 3600, minimum=1),
        "PASSWORD_HASH_METHOD": "scrypt",
        "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "REDIS_URL": env.get("REDIS_URL"),
        # Disk copies of the certificate PDFs for bulk downloads (the database keeps the record);
        # empty: none. See portal/certificates/files.py.
        "CERTIFICATE_FILES": env.get("CERTIFICATE_FILES", str(instance_path / "certificate-files")),
        # Absolute address printed (and QR-encoded) on certificates: set it in production.
        "PORTAL_BASE_URL": env.get("PORTAL_BASE_URL", ""),
        # PAdES signature on every certificate PDF (portal/certificates/signing.py); B-T with a
        # timestamp from this RFC 3161 authority when set.
        **certificate_signing(env, instance_path, production),
        "CERTIFICATE_TSA_URL": env.get("CERTIFICATE_TSA_URL", ""),
        # Open Badges 3.0 credentials (portal/certificates/credentials.py): a JWK Set file, the
        # first key signs, all are published at /.well-known/jwks.json.
        "CREDENTIAL_SIGNING_KEYS": credential_keys(env, instance_path, production),
        # Account lockout (ASVS 2.2.1, NIST AC-7): this many failures within the window lock the
        # account for the duration, the right password included.
        "LOGIN_LOCKOUT_THRESHOLD": 5,
        "LOGIN_LOCKOUT_WINDOW": timedelta(minutes=15),
        "LOGIN_LOCKOUT_DURATION": timedelta(minutes=15),
        # Per client address, counted on failed sign-in attempts only (Flask-Limiter syntax).
        "LOGIN_RATE_LIMIT_ENABLED": True,
        "LOGIN_RATE_LIMIT": env.get("LOGIN_RATE_LIMIT", "10 per minute;60 per hour"),
        # Per client address, on every submission of the public application form (spam brake).
        "PASSWORD_RESET_RATE_LIMIT_ENABLED": True,
        "PASSWORD_RESET_RATE_LIMIT": env.get("PASSWORD_RESET_RATE_LIMIT", "5 per minute;20 per hour"),
        "APPLICATION_RATE_LIMIT_ENABLED": True,
        "APPLICATION_RATE_LIMIT": env.get("APPLICATION_RATE_LIMIT", "10 per hour;30 per day"),
        # Per client address, on the public verification pages (form, code and upload together).
        "VERIFY_RATE_LIMIT_ENABLED": True,
        "VERIFY_RATE_LIMIT": env.get("VERIFY_RATE_LIMIT", "30 per minute"),
        # Per API token, on every request that needs one (/api/v1).
        "API_RATE_LIMIT_ENABLED": True,
        "API_RATE_LIMIT": env.get("API_RATE_LIMIT", "120 per minute;5000 per hour"),
        "RATELIMIT_STORAGE_URI": env.get("REDIS_URL") or "memory://",
        "RATELIMIT_KEY_PREFIX": "portal287g",
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # Two-step sign-in (TOTP): optional for instructors and administrators, required for
        # administrators in production unless ADMIN_2FA_REQUIRED=0.
        "ADMIN_2FA_REQUIRED": flag(env, "ADMIN_2FA_REQUIRED", production),
        "TOTP_ISSUER": env.get("TOTP_ISSUER", "287(g) Training Portal"),
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted (0: none).
        "TRUSTED_PROXY_COUNT": integer(env, "TRUSTED_PROXY_COUNT", 0),
        "MAIL_FROM": env.get("MAIL_FROM", "287g-training@example.gov"),
        "SMTP_HOST": env.get("SMTP_HOST", ""),
        "SMTP_PORT": integer(env, "SMTP_PORT", 587, minimum=1),
        "SMTP_STARTTLS": env.get("SMTP_STARTTLS", "1") != "0",
        "SMTP_USERNAME": env.get("SMTP_USERNAME", ""),
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD", ""),
        # Seconds an exam attempt may still be answered after its time limit (network delays).
        "QUIZ_GRACE_SECONDS": integer(env, "QUIZ_GRACE_SECONDS", 60),
        # Largest roster CSV accepted (the upload page and `flask officers import`), in bytes.
        "ROSTER_CSV_MAX_BYTES": integer(env, "ROSTER_CSV_MAX_BYTES", 512 * 1024, minimum=1),
    }
