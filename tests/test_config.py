import pytest

from portal import create_app
from portal.config import ConfigError, load_config


def test_production_refuses_to_start_without_a_real_secret_key(tmp_path):
    with pytest.raises(ConfigError):
        load_config(tmp_path, {"PORTAL_ENV": "production"})
    with pytest.raises(ConfigError):
        load_config(tmp_path, {"PORTAL_ENV": "production", "SECRET_KEY": "short"})


def test_development_generates_a_key_once_into_instance(tmp_path):
    first = load_config(tmp_path, {})["SECRET_KEY"]
    assert len(first) == 64 and load_config(tmp_path, {})["SECRET_KEY"] == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_database_url_selects_postgresql_with_psycopg(tmp_path):
    config = load_config(tmp_path, {"DATABASE_URL": "postgresql://u@db/portal"})
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/portal"
    assert load_config(tmp_path, {})["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'portal.db'}"


def test_production_never_loads_demo_accounts(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "p" * 40)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.db'}")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_NAME"] == "__Host-session"
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code != 0 and "never loaded in production" in result.output
