"""The 287(g) Training Portal application factory."""
from pathlib import Path

from flask import Flask
from flask.helpers import get_debug_flag

from portal.config import PRODUCTION, ConfigError, check, load_config
from portal.extensions import csrf, db, limiter, login_manager, migrate
from portal.request_class import PortalRequest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Each module defines `bp`; a feature adds its views module here.
BLUEPRINTS = (
    "portal.auth.views",
    "portal.progress.views",
    "portal.classes.views",
    "portal.agencies.views",
    "portal.courses.views",
    "portal.admin.views",
    "portal.nominations.views",
    "portal.notifications.views",
    "portal.reports.views",
    "portal.audit.views",
    "portal.quizzes.views_officer",
    "portal.quizzes.views_instructor",
    "portal.quizzes.views_bank",
    "portal.certificates.views",
    "portal.records.views",
    "portal.health",
    "portal.api.views",
    "portal.api.pages",
    "portal.attendance.views",
)
# How features act on each other, in one place: each module's connect() connects the feature's
# receivers to portal/signals.py and its course-completion requirements (portal/progress/completion.py).
# create_app calls them in this order, the order the receivers of one signal run in.
CONNECTIONS = (
    "portal.quizzes.receivers",
    "portal.notifications.receivers",
    "portal.certificates.receivers",
    "portal.attendance.receivers",
)


def create_app(config: dict | None = None, **overrides) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.request_class = PortalRequest
    app.config.update(load_config(Path(app.instance_path)))
    app.config.update(config or {})
    app.config.update(overrides)
    check(app.config)
    refuse_unsafe_production(app)
    if app.config.get("TRUSTED_PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = app.config["TRUSTED_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)  # type: ignore[method-assign]  # Flask's documented way
    init_extensions(app)
    register_blueprints(app)
    connect_features()
    register_hooks(app)
    register_cli(app)
    return app


def refuse_unsafe_production(app: Flask) -> None:
    """Production never runs with the debugger (it executes code typed into the browser)."""
    if app.config.get("PORTAL_ENV") != PRODUCTION:
        return
    if app.debug or app.config.get("DEBUG") or get_debug_flag():
        raise ConfigError("Debug mode is refused when PORTAL_ENV=production (unset FLASK_DEBUG / --debug)")


def init_extensions(app: Flask) -> None:
    from portal import database, models  # noqa: F401 - every table registered before use

    db.init_app(app)
    database.configure_engine_events(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    from portal.auth import sessions

    login_manager.user_loader(sessions.resolve)


def register_blueprints(app: Flask) -> None:
    from importlib import import_module

    for name in BLUEPRINTS:
        app.register_blueprint(import_module(name).bp)


def connect_features() -> None:
    from importlib import import_module

    for name in CONNECTIONS:
        import_module(name).connect()


def register_hooks(app: Flask) -> None:
    from portal import access, errors, headers, logs, templating
    from portal.auth import two_factor

    logs.configure(app)
    errors.register(app)  # first: refuses oversized bodies before anything reads them
    app.before_request(access.enforce_access)
    app.before_request(two_factor.require_enrolment)
    app.after_request(headers.add_security_headers)
    templating.register(app)


def register_cli(app: Flask) -> None:
    from portal.api.cli import api_tokens_cli
    from portal.certificates.cli import certificates_cli
    from portal.demo.cli import seed_demo
    from portal.nominations.cli import officers
    from portal.notifications.cli import notify_weeks, send_mail
    from portal.quizzes.cli import questions, quizzes

    for command in (seed_demo, send_mail, notify_weeks, officers, questions, quizzes, certificates_cli, api_tokens_cli):
        app.cli.add_command(command)
