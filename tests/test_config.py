import pytest

from portal import create_app
from portal.config import ConfigError, load_config

PRODUCTION_ENV = {"PORTAL_ENV": "production", "SECRET_KEY": "p" * 40, "PORTAL_BASE_URL": "https://training.example.gov"}


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


def production(monkeypatch, tmp_path, **changes):
    for name, value in {**PRODUCTION_ENV, "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.db'}", **changes}.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)


def test_production_refuses_to_start_without_the_address_certificates_print(tmp_path, monkeypatch):
    production(monkeypatch, tmp_path, PORTAL_BASE_URL=None)
    with pytest.raises(ConfigError, match="PORTAL_BASE_URL"):
        create_app()
    assert create_app(SERVER_NAME="training.example.gov").config["SERVER_NAME"] == "training.example.gov"
    production(monkeypatch, tmp_path, PORTAL_BASE_URL="training.example.gov")  # no scheme: not absolute
    with pytest.raises(ConfigError, match="absolute"):
        create_app()


def test_production_never_loads_demo_accounts(tmp_path, monkeypatch):
    production(monkeypatch, tmp_path)
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_NAME"] == "__Host-session"
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code != 0 and "never loaded in production" in result.output


# Settings the environment could not set before they went through load_config (values not their defaults).
ENVIRONMENT_SETTINGS = {"QUIZ_GRACE_SECONDS": 15, "ROSTER_CSV_MAX_BYTES": 2048}


def test_the_environment_sets_the_exam_grace_and_the_roster_size_limit(tmp_path, monkeypatch):
    defaults = load_config(tmp_path, {})
    assert (defaults["QUIZ_GRACE_SECONDS"], defaults["ROSTER_CSV_MAX_BYTES"]) == (60, 512 * 1024)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    for name, value in ENVIRONMENT_SETTINGS.items():
        monkeypatch.setenv(name, str(value))
    config = create_app().config
    assert {name: config[name] for name in ENVIRONMENT_SETTINGS} == ENVIRONMENT_SETTINGS


@pytest.mark.parametrize("name, raw", [("QUIZ_GRACE_SECONDS", "a minute"), ("QUIZ_GRACE_SECONDS", "-1"),
                                       ("ROSTER_CSV_MAX_BYTES", "0"), ("SMTP_PORT", "smtp")])
def test_a_setting_that_is_not_a_number_refuses_to_start_naming_it(tmp_path, name, raw):
    with pytest.raises(ConfigError, match=name):
        load_config(tmp_path, {name: raw})


def test_a_number_setting_at_its_lowest_is_accepted(tmp_path):
    config = load_config(tmp_path, {"QUIZ_GRACE_SECONDS": "0", "ROSTER_CSV_MAX_BYTES": "1", "SMTP_PORT": " 25 "})
    assert (config["QUIZ_GRACE_SECONDS"], config["ROSTER_CSV_MAX_BYTES"], config["SMTP_PORT"]) == (0, 1, 25)
