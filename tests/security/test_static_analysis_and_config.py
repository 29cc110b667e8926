"""Item 12: bandit finds nothing of high severity (and runs in `make test`); production refuses
the debugger."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from portal import create_app
from portal.access import public
from portal.config import ConfigError
from portal.extensions import limiter

ROOT = Path(__file__).resolve().parents[2]


def test_bandit_finds_no_high_severity_issue():
    result = subprocess.run(
        [sys.executable, "-m", "bandit", "-q", "-r", "portal", "-lll", "-f", "json"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    report = json.loads(result.stdout)
    high = [f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}" for r in report["results"]]
    assert high == [] and result.returncode == 0, high or result.stderr
    assert report["metrics"]["_totals"]["loc"] > 1000  # it really scanned the portal


def test_make_test_runs_bandit_and_fails_on_a_high_finding():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert "bandit -q -r portal -lll" in recipe


@pytest.fixture
def production_env(monkeypatch, tmp_path, app):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "p" * 40)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.db'}")
    monkeypatch.setenv("PORTAL_BASE_URL", "https://training.example.gov")
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    yield monkeypatch
    limiter.init_app(app)  # create_app re-initialised the shared limiter


def test_production_refuses_flask_debug(production_env):
    production_env.setenv("FLASK_DEBUG", "1")
    with pytest.raises(ConfigError, match="Debug mode is refused"):
        create_app()


def test_production_refuses_debug_in_the_configuration(production_env):
    with pytest.raises(ConfigError, match="Debug mode is refused"):
        create_app({"DEBUG": True})


def test_production_starts_without_debug_and_development_may_debug(production_env):
    app = create_app()
    assert not app.debug and app.config["SESSION_COOKIE_SECURE"]
    production_env.setenv("PORTAL_ENV", "development")
    production_env.setenv("FLASK_DEBUG", "1")
    assert create_app().debug


def test_behind_a_trusted_proxy_the_client_address_and_scheme_come_from_it(production_env):
    production_env.setenv("TRUSTED_PROXY_COUNT", "1")
    app = create_app()
    proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    seen = {}

    @app.get("/probe-address")
    @public
    def probe():
        from flask import request

        seen["address"] = request.remote_addr
        return ""

    response = app.test_client().get("/probe-address", base_url="http://portal.test", headers=proxied,
                                     environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert "Strict-Transport-Security" in response.headers and seen["address"] == "203.0.113.9"
    production_env.setenv("TRUSTED_PROXY_COUNT", "0")
    direct = create_app().test_client().get("/healthz", base_url="http://portal.test", headers=proxied)
    assert "Strict-Transport-Security" not in direct.headers  # headers from a client are not trusted
